"""Incremental compilation by dependency: recompile only tasks whose inputs changed.

Each task's outputs are a pure function of its `TaskInputs` (what the task
uses from the spec, with sources), so a task whose inputs compare equal to
the previous build's reuses its outputs. Shared outputs (index, spec facets)
are recomputed every time. Documents are re-parsed only when their bytes
change (the parser's cache). The merged result equals `compile_spec`.
"""

from __future__ import annotations

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
    shared: tuple | None = None  # (key, outputs) of the last shared compile
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
        """All outputs of `spec`, recompiling only tasks whose inputs changed."""
        from generator.compile import compile_task, task_inputs
        from generator.compile.core import _check_ids
        from generator.compile.inputs import SpecIndex

        _check_ids(spec)  # the same refusal compile_spec gives
        st = self._state(spec.spec_dir)
        index = SpecIndex(spec)
        compiled: list[str] = []
        fresh: dict[tuple[str, int], tuple[Any, dict[str, bytes]]] = {}
        files: dict[str, bytes] = {}
        seen: dict[str, int] = {}
        for task in spec.tasks:
            inputs = task_inputs(spec, task, index)
            n = seen[task.id] = seen.get(task.id, -1) + 1
            prev = st.tasks.get((task.id, n))
            if prev is not None and prev[0] == inputs:
                out = prev[1]
            else:
                out = compile_task(inputs, self.options)
                compiled.append(task.id)
            fresh[(task.id, n)] = (inputs, out)
            files.update(out)
        files.update(self._shared(st, spec, index))
        st.tasks = fresh
        self.stats.compiled = compiled
        self.stats.reused = len(fresh) - len(compiled)
        return dict(sorted(files.items()))


    def _shared(self, st: _SpecState, spec: ProductSpec, index) -> dict[str, bytes]:
        """Index and spec facets, reused while the builder-visible documents are unchanged (a D9 edit)."""
        from generator.compile import compile_shared
        from generator.model import BUILDER_VISIBLE_DOCS

        key = tuple((c, d.digest) for c in BUILDER_VISIBLE_DOCS if (d := spec.documents.get(c)) and d.present)
        if st.shared is not None and st.shared[0] == key:
            return st.shared[1]
        out = compile_shared(spec, self.options, index)
        st.shared = (key, out)
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
