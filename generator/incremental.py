"""Incremental compilation by dependency: recompile only tasks whose inputs changed.

Each task's outputs are a pure function of its `TaskInputs` (what the task
uses from the spec, with sources), so a task whose inputs compare equal to
the previous build's reuses its outputs. Shared outputs (index, spec facets)
are recomputed every time. Documents are re-parsed only when their bytes
change (the parser's cache). The merged result equals `compile_spec`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.model import DOCUMENTS, ProductSpec


@dataclass
class RebuildStats:
    """What the last `compile` did, for the watch line and the tests."""

    changed_docs: list[str] = field(default_factory=list)  # file names, in D1..D10 order
    compiled: list[str] = field(default_factory=list)  # task ids recompiled
    reused: int = 0  # tasks whose outputs were reused


@dataclass
class _SpecState:
    parse_cache: dict = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # doc code → digest of the last load
    tasks: dict[tuple[str, int], tuple[Any, dict[str, bytes]]] = field(default_factory=dict)
    guard_cache: dict = field(default_factory=dict)  # the leak guard's per-document pieces
    guard_key: tuple | None = None  # the leak guard's needles at the last clean check
    clean: dict[str, bytes] = field(default_factory=dict)  # outputs that passed it
    shared: tuple | None = None  # (D8 key, bytes) of the last handoff index
    facets: dict = field(default_factory=dict)  # spec_facets' per-facet and per-row cache
    spec: ProductSpec | None = None  # the spec of the last compile
    written: dict = field(default_factory=dict)  # what write_tree last left on disk (see its `known`)


class IncrementalCompiler:
    """Keeps, per spec directory, what is needed to rebuild after an edit."""

    def __init__(self, options: Any = None):
        self.options = options
        self._states: dict[Path, _SpecState] = {}
        self.stats = RebuildStats()

    def _state(self, spec_dir: Path) -> _SpecState:
        return self._states.setdefault(Path(spec_dir).resolve(), _SpecState())

    def reset(self, options: Any = None) -> None:
        """Forget compiled outputs (templates or options changed); keep parse caches."""
        from generator.compile.templating import environment

        environment.cache_clear()  # a template added to the overlay must shadow the cached default
        if options is not None:
            self.options = options
        for st in self._states.values():
            st.tasks.clear()
            st.shared = None
            st.facets.clear()
            st.spec = None
            st.guard_key = None

    def load(self, spec_dir: Path) -> ProductSpec:
        """Parse `spec_dir`, re-reading only documents whose bytes changed."""
        from generator.spec import load_spec

        st = self._state(spec_dir)
        spec = load_spec(Path(spec_dir), cache=st.parse_cache)
        now = {code: d.digest for code, d in spec.documents.items() if d.present}
        self.stats = RebuildStats(
            changed_docs=[DOCUMENTS[c] for c in DOCUMENTS if now.get(c) != st.digests.get(c)]
        )
        st.digests = now
        _prune(st.parse_cache, now)
        return spec

    def compile(self, spec: ProductSpec) -> dict[str, bytes]:
        """All outputs of `spec`, recompiling only tasks whose inputs changed.

        After an edit to D2 alone (or D9 alone), the tasks that can have new
        inputs are known without gathering anyone's inputs: those naming a
        scenario whose parsed item changed. The rest keep their outputs as
        they are. Any other edit compares every task's `TaskInputs`.
        """
        from generator.compile import compile_task, task_inputs
        from generator.compile.core import check_ids
        from generator.compile.inputs import SpecIndex

        check_ids(spec)  # the same refusal compile_spec gives
        st = self._state(spec.spec_dir)
        affected = _affected(st.spec, spec) if st.tasks else None
        index: SpecIndex | None = None
        compiled: list[str] = []
        fresh: dict[tuple[str, int], tuple[Any, dict[str, bytes]]] = {}
        files: dict[str, bytes] = {}
        seen: dict[str, int] = {}
        for task in spec.tasks:
            n = seen[task.id] = seen.get(task.id, -1) + 1
            prev = st.tasks.get((task.id, n))
            if prev is not None and affected is not None and not (affected and _names_any(task, affected)):
                fresh[(task.id, n)] = prev
                files.update(prev[1])
                continue
            if index is None:
                index = SpecIndex(spec)
            inputs = task_inputs(spec, task, index)
            if prev is not None and prev[0] == inputs:
                out = prev[1]
            else:
                out = compile_task(inputs, self.options)
                compiled.append(task.id)
            fresh[(task.id, n)] = (inputs, out)
            files.update(out)
        files.update(self._shared(st, spec, index))
        st.tasks = fresh
        st.spec = spec
        self.stats.compiled = compiled
        self.stats.reused = len(fresh) - len(compiled)
        return dict(sorted(files.items()))

    def _shared(self, st: _SpecState, spec: ProductSpec, index) -> dict[str, bytes]:
        """Index and spec facets (what `compile_shared` gives), each facet rebuilt only
        when a document it reads changed, and then only its changed rows."""
        from generator.compile import facets
        from generator.compile.core import _label
        from generator.compile.inputs import SpecIndex, task_scope

        opts = self.options
        parts = opts.parts if opts is not None else frozenset(("handoffs", "prompts", "facets"))
        out: dict[str, bytes] = {}
        if "handoffs" in parts:
            key = _doc_key(spec, "D8")
            if st.shared is None or st.shared[0] != key:
                st.shared = (key, facets.index_json(spec))
            out["handoff_index.json"] = st.shared[1]
        if "facets" in parts:
            holder = {"ix": index}

            def entities_of() -> dict[str, list[str]]:
                ix = holder["ix"] or SpecIndex(spec)
                return {t.id: task_scope(ix, t)[2] for t in spec.tasks}

            label = _label(spec.name, opts) if opts is not None else spec.name
            out.update(facets.spec_facets(spec, label, entities_of, cache=st.facets))
        return out

    def check_leaks(self, spec: ProductSpec, files: dict[str, bytes]) -> None:
        """The leak guard over `files`; with the same needles, only changed outputs are rescanned."""
        from generator.compile.leakguard import build_guard, check

        st = self._state(spec.spec_dir)
        guard = build_guard(spec, st.guard_cache)
        d9 = spec.documents.get("D9")
        key = (d9.digest if d9 and d9.present else "", frozenset(map(id, guard.needles)))
        todo = files if key != st.guard_key else {p: b for p, b in files.items() if st.clean.get(p) is not b and st.clean.get(p) != b}
        st.guard_key = None  # until this check passes
        check(spec, todo, guard)
        st.guard_key, st.clean = key, dict(files)

    def written(self, spec_dir: Path) -> dict:
        """The dict `write_tree(known=…)` keeps for this spec's output tree."""
        return self._state(spec_dir).written


def _prune(cache: dict, digests: dict[str, str]) -> None:
    """Drop parse-cache entries for document versions no longer on disk."""
    live = set(digests.items())
    for key in list(cache):
        if isinstance(key, tuple) and len(key) == 2 and key not in live:
            del cache[key]


def _doc_key(spec: ProductSpec, *codes: str) -> tuple:
    """What identifies the versions of `codes` in `spec` (file name, presence, digest)."""
    out = []
    for c in codes:
        d = spec.documents.get(c)
        out.append((c, d.filename, d.present, d.digest) if d is not None else (c,))
    return tuple(out)


# What a task's inputs read from D2 besides its scenarios (spec-wide pieces).
def _d2_shared(spec: ProductSpec) -> tuple:
    d2 = spec.documents.get("D2")
    return (spec.name, spec.component_name, spec.package_id, d2.filename if d2 else "",
            tuple(spec.specification.not_list))


def _affected(old: ProductSpec | None, new: ProductSpec) -> set[tuple] | None:
    """Normalised ids of the scenarios whose change can reach a task's inputs, when
    the edit since `old` lies in D2 and D9 only (D9 reaches no task); None when
    any other document changed or the edit is not of that kind (compare inputs)."""
    from generator.compile.inputs import norm_id

    if old is None or old.spec_dir != new.spec_dir or old.name != new.name:
        return None
    changed = {c for c in DOCUMENTS if _doc_key(old, c) != _doc_key(new, c)}
    if not changed <= {"D2", "D9"}:
        return None
    if "D2" not in changed:
        return set()
    if _d2_shared(old) != _d2_shared(new):
        return None
    before = {norm_id(s.id): s for s in old.scenarios}
    after = {norm_id(s.id): s for s in new.scenarios}
    return {k for k in before.keys() | after.keys() if (a := before.get(k)) is not (b := after.get(k)) and a != b}


def _names_any(task: Any, ids: set[tuple]) -> bool:
    from generator.compile.inputs import norm_id

    return any(norm_id(s) in ids for s in task.scenarios)


def write_changed(out_dir: Path, files: dict[str, bytes], known: dict):
    """`write_tree(out_dir, files, MANIFEST, known=known)` for the common watch case,
    without its whole-tree pass: when the same paths as last time are wanted and
    every file is as this process left it (by stat), only the outputs whose
    bytes changed are written (each to a temporary file beside it, then all
    renamed into place). Returns None when `write_tree` must do the work
    (paths added or removed, first write, a file changed behind our back).
    """
    from generator.output import MANIFEST, WriteReport

    if not known or len(known) != len(files) + 1 or MANIFEST not in known:
        return None
    base = os.fspath(out_dir)
    changes: list[str] = []
    for rel, data in files.items():
        k = known.get(rel)
        if k is None:
            return None  # a new path: the manifest changes too
        try:
            st = os.stat(os.path.join(base, rel))
        except OSError:
            return None
        if st.st_size != k[1] or st.st_mtime_ns != k[2]:
            return None  # not as we left it: let write_tree compare the bytes
        if k[0] is not data and k[0] != data:
            changes.append(rel)
    try:
        st = os.stat(os.path.join(base, MANIFEST))
    except OSError:
        return None
    if (st.st_size, st.st_mtime_ns) != known[MANIFEST][1:]:
        return None
    staged: list[tuple[str, str]] = []
    try:
        for rel in changes:
            dst = os.path.join(base, rel)
            tmp = f"{dst}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(files[rel])
            staged.append((tmp, dst))
        for tmp, dst in staged:
            os.replace(tmp, dst)
    except OSError:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return None
    for rel in changes:
        st = os.stat(os.path.join(base, rel))
        known[rel] = (files[rel], st.st_size, st.st_mtime_ns)
    unchanged = tuple(sorted(set(files) - set(changes) | {MANIFEST}))
    return WriteReport(tuple(sorted(changes)), (), unchanged, Path(out_dir))
