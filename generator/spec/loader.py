"""Read a spec directory into a ProductSpec, re-parsing only what changed.

Three levels of reuse and speed:
- a `cache` dict keeps each document's result under (code, digest), so an
  unchanged document is never parsed again;
- the same dict keeps each document's chunk index under "chunks:<code>", so an
  edited document re-parses only the chunks around the edit (`chunks.py`);
- an edit that stays inside one D2 scenario (same line count, same heading,
  same items) rebuilds only that scenario's records and typed entity and
  splices them into the previous result (`splice_document`), after checking
  that the same local build reproduces the previous version of that scenario
  exactly; anything else is parsed whole;
- a big spec with nothing cached is parsed by two or more processes that
  take documents from one queue, largest first (`parallel.py`; a small one
  stays in-process: starting a worker costs more than parsing tens of
  kilobytes).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.errors import UsageError
from generator.model import DOCUMENTS, Diagnostic, Document, ProductSpec
from generator import parallel
from generator.spec.chunks import ChunkIndex
from generator.spec.document import MAX_BYTES, DocResult, chunk_indexes, decode, digest, parse_document, paused_gc, warm

# (code, digest) → DocResult; "chunks:<code>" → ChunkIndex and "result:<code>" → DocResult
# of that document's latest version.
Cache = dict[Any, Any]
# code → more work on that document's result, given every (code, filename, bytes) being parsed
Follow = Mapping[str, Callable[[DocResult, list[tuple[str, str, bytes]]], Any]]

# Below this many bytes to parse, one process is faster than several (parsing
# costs about 0.3 s of CPU per MB; a forked worker a few milliseconds plus the
# pickling of what it parsed).
PARALLEL_MIN_BYTES = 400_000
MAX_WORKERS = 4


def _check_dir(spec_dir: Path) -> None:
    try:
        st = os.stat(spec_dir)
    except FileNotFoundError:
        raise UsageError(f"{spec_dir}: spec directory does not exist") from None
    except OSError as exc:
        raise UsageError(f"{spec_dir}: cannot open spec directory: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{spec_dir}: not a directory (expected a spec directory holding D1..D10)")


def read_document(spec_dir: Path, code: str) -> tuple[bytes | None, DocResult | None]:
    """The bytes of one document, or a DocResult saying why they cannot be had."""
    name = DOCUMENTS[code]
    path = spec_dir / name

    def fail(msg: str, present: bool = True) -> tuple[None, DocResult]:
        doc = Document(code, name, path, present=present)
        return None, DocResult(code, doc, [Diagnostic(name, 0, msg, "error", "documents")])

    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return fail("is a broken symbolic link")
        return None, None
    except OSError as exc:
        return fail(f"cannot be read: {exc.strerror}")
    if stat.S_ISDIR(st.st_mode):
        return fail("is a directory, not a document")
    if not stat.S_ISREG(st.st_mode):
        return fail("is not a regular file")
    if st.st_size > MAX_BYTES:
        return fail(f"document is too large ({st.st_size / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB)")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return fail(f"cannot be read: {exc.strerror}")
    return data, None


def load_spec(spec_dir: str | os.PathLike, *, cache: Cache | None = None) -> ProductSpec:
    """Parse a spec directory. Bad content becomes diagnostics; a bad path is a UsageError."""
    return _load(Path(spec_dir), cache, {})[0]


def load_spec_following(spec_dir: str | os.PathLike, follow: Follow,
                        meanwhile: Callable[[], None] | None = None) -> tuple[ProductSpec, dict[str, Any]]:
    """`load_spec`, plus `follow[code](result, documents)` for each document parsed
    here, run by the process that parsed it: work that needs one document's result
    (and the raw bytes of the others) overlaps with the parsing of the rest.
    A follow-up that raises or returns None, or whose document was not parsed,
    has no entry. `meanwhile()`, if given, is run by this process while other
    processes parse (`parallel.run`); what it raises is not caught."""
    return _load(Path(spec_dir), None, follow, meanwhile)


def _load(spec_dir: Path, cache: Cache | None, follow: Follow,
          meanwhile: Callable[[], None] | None = None) -> tuple[ProductSpec, dict[str, Any]]:
    _check_dir(spec_dir)
    name = spec_dir.resolve().name or spec_dir.name
    spec = ProductSpec(spec_dir=spec_dir, name=name)
    results: dict[str, DocResult] = {}
    todo: list[tuple[str, str, bytes]] = []
    with paused_gc():
        for code, filename in DOCUMENTS.items():
            data, failed = read_document(spec_dir, code)
            if failed is not None:
                results[code] = failed
                continue
            if data is None:
                results[code] = DocResult(code, Document(code, filename, spec_dir / filename, present=False))
                continue
            res = cache.get((code, digest(data))) if cache is not None else None
            if res is None:
                todo.append((code, filename, data))
            else:
                results[code] = res
        extras: dict[str, Any] = {}
        for code, res, index, extra in parse_many(todo, cache, follow, meanwhile):
            results[code] = res
            if extra is not None:
                extras[code] = extra
            if cache is not None:
                cache[(code, res.document.digest)] = res
                cache[f"result:{code}"] = res
                if index is not None:
                    cache[f"chunks:{code}"] = index
                else:
                    cache.pop(f"chunks:{code}", None)
        assemble(spec, results)
    return spec, extras


def parse_many(todo: list[tuple[str, str, bytes]], cache: Cache | None, follow: Follow | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[tuple[str, DocResult, ChunkIndex | None, Any]]:
    """Parse documents, in worker processes when there is enough fresh work to share.

    Each result comes with its follow-up's (None when there is none). Documents
    with a follow-up are parsed by this process, first: theirs are the longest
    jobs, and what a follow-up makes is usually large.
    """
    follow = follow or {}

    def then(parsed: tuple[str, DocResult, ChunkIndex | None]) -> tuple[str, DocResult, ChunkIndex | None, Any]:
        code, res, _ = parsed
        step = follow.get(code)
        if step is None:
            return (*parsed, None)
        try:
            return (*parsed, step(res, todo))
        except Exception:  # the caller does without it
            return (*parsed, None)

    prev = {code: cache.get(f"chunks:{code}") for code, _, _ in todo} if cache is not None else {}
    fresh = [t for t in todo if prev.get(t[0]) is None]
    groups = _groups(fresh)
    if len(groups) < 2:
        if meanwhile is not None:
            meanwhile()
        return [then(_parse_one(t, prev.get(t[0]), cache is not None, cache.get(f"result:{t[0]}") if cache else None))
                for t in todo]
    want = cache is not None
    out = [then(_parse_one(t, prev.get(t[0]), want)) for t in todo if prev.get(t[0]) is not None]
    queue = sorted(fresh, key=lambda t: (t[0] not in follow, -len(t[2]), t[0]))
    warm()
    own = [k for k, t in enumerate(queue) if t[0] in follow]
    out += parallel.run(queue, lambda t: then(_parse_one(t, None, want)), len(groups), own, meanwhile)
    order = list(DOCUMENTS)
    return sorted(out, key=lambda r: order.index(r[0]))


def _groups(todo: list[tuple[str, str, bytes]]) -> list[list[tuple[str, str, bytes]]]:
    """Documents shared into balanced groups by size (largest first), one per process;
    a single group when parallel parsing would not pay. Only the number of groups
    is used: the processes take documents from one queue, so the split follows
    the real cost of each document rather than its size."""
    total = sum(len(t[2]) for t in todo)
    workers = min(parallel.worker_count(MAX_WORKERS), len(todo))
    if total < PARALLEL_MIN_BYTES or workers < 2 or not parallel.can_fork():
        return [todo] if todo else []
    groups: list[list[tuple[str, str, bytes]]] = [[] for _ in range(workers)]
    sizes = [0] * workers
    for t in sorted(todo, key=lambda t: (-len(t[2]), t[0])):
        k = sizes.index(min(sizes))
        groups[k].append(t)
        sizes[k] += len(t[2])
    return [g for g in groups if g]


def _parse_one(t: tuple[str, str, bytes], prev: ChunkIndex | None, want_index: bool,
               prev_res: DocResult | None = None) -> tuple[str, DocResult, ChunkIndex | None]:
    code, filename, data = t
    if want_index and prev is not None and prev_res is not None:
        spliced = splice_document(code, filename, data, prev_res, prev)
        if spliced is not None:
            return code, spliced[0], spliced[1]
    if not want_index:
        return code, parse_document(code, filename, data), None
    with chunk_indexes({code: prev} if prev is not None else {}) as store:
        res = parse_document(code, filename, data)
    return code, res, store.get(code)


def assemble(spec: ProductSpec, results: dict[str, DocResult]) -> ProductSpec:
    """Put per-document results together (copies, so cached results stay untouched)."""
    for code in DOCUMENTS:
        res = results[code]
        spec.documents[code] = replace(res.document, path=spec.spec_dir / res.document.filename)
        for attr, value in res.parts.items():
            setattr(spec, attr, list(value) if isinstance(value, list) else value)
        spec.diagnostics.extend(res.diagnostics)
    d2 = spec.documents["D2"]
    comp = d2.meta.get("component") or d2.component
    if not comp:
        comp = next((d.meta.get("component") or d.component for d in spec.documents.values() if d.component), "")
    spec.component_name = comp
    return spec


# Headings whose sections feed a Specification field other than the scenarios.
_SECTION_WORDS = ("purpose", "not", "success", "criteria", "clarification", "defer")


def splice_document(code: str, filename: str, data: bytes, prev_res: DocResult,
                    prev: ChunkIndex) -> tuple[DocResult, ChunkIndex] | None:
    """The DocResult of a D2 edited inside one scenario, from the previous result, or None.

    Accepted only when: exactly one chunk changed, keeping its first line
    (the scenario heading) and its line count, so no other item moves; the
    chunk starts a scenario item that ends where the chunk does; no heading
    around or inside it belongs to a section read as a whole (purpose, NOT
    list, success criteria, clarifications, deferred); the records and typed
    builders, run over the chunk with its enclosing headings, give for the
    previous text exactly the scenarios, markers and skipped-form notes the
    full parse gave for those lines; and the new chunk defines the same items
    in the same forms (so no document-wide choice of definition form moves).
    """
    from generator.spec import chunks
    from generator.spec.build_front import build_specification
    from generator.spec.view import DocView

    old_doc = prev_res.document
    spec0 = prev_res.parts.get("specification")
    if code != "D2" or spec0 is None or not old_doc.text or len(data) > MAX_BYTES:
        return None
    text, problem = decode(filename, data)
    if problem is not None or not text.strip():
        return None
    with paused_gc():
        again = chunks.reparse(text, prev)
        if again is None:
            return None
        index = again[1]
        old, new = prev.chunks, index.chunks
        if len(old) != len(new):
            return None
        changed = [k for k, (a, b) in enumerate(zip(old, new)) if a is not b]
        if len(changed) != 1 or changed[0] == 0:
            return None
        k = changed[0]
        a, b = old[k], new[k]
        if a.start != b.start or len(a.lines) != len(b.lines) or a.lines[0] != b.lines[0]:
            return None
        head = b.nodes[0] if b.nodes else None
        if head is None or head.kind != "heading" or head.line != b.start + 1:
            return None
        if k + 1 < len(new):
            nxt = new[k + 1].nodes[0] if new[k + 1].nodes else None
            if nxt is None or nxt.kind != "heading" or nxt.level > head.level:
                return None
        ancestors = []
        level = head.level
        for c in reversed(old[:k]):
            for n in reversed(c.nodes):
                if n.kind == "heading" and n.level < level:
                    ancestors.append(n)
                    level = n.level
            if level <= 1:
                break
        ancestors.reverse()
        heads = [n for n in ancestors + a.nodes + b.nodes if n.kind == "heading"]
        if any(w in n.text.lower() for n in heads for w in _SECTION_WORDS):
            return None
        first, last = a.start + 1, a.start + len(a.lines)

        def local(chunk, full_text):
            v = DocView.build(code, filename, full_text, ancestors + chunk.nodes)
            return v, build_specification(v)

        v_old, s_old = local(a, old_doc.text)
        v_new, s_new = local(b, text)
        if not v_old.items or v_old.items[0].line != head.line:
            return None
        shape = [(it.id, it.kind, it.form, it.line) for it in v_old.items]
        if shape != [(it.id, it.kind, it.form, it.line) for it in v_new.items]:
            return None
        skipped = [(x.id, x.form, x.line, x.chosen) for x in v_old.skipped]
        if skipped != [(x.id, x.form, x.line, x.chosen) for x in v_new.skipped]:
            return None
        for s in (s_old, s_new):
            if s.purpose or s.not_list or s.deferred or s.success_criteria:
                return None

        def inside(x) -> bool:
            return x.source is not None and first <= x.source.line <= last

        span = [i for i, sc in enumerate(spec0.scenarios) if inside(sc)]
        if not span or span != list(range(span[0], span[0] + len(span))):
            return None
        if [spec0.scenarios[i] for i in span] != s_old.scenarios or len(s_new.scenarios) != len(span):
            return None
        marks = [i for i, m in enumerate(spec0.markers) if inside(m)]
        if [spec0.markers[i] for i in marks] != s_old.markers:
            return None
        notes = [d.line for d in prev_res.diagnostics if d.check == "parse" and first <= d.line <= last]
        if notes != [x.line for x in v_old.skipped]:
            return None
        scenarios = spec0.scenarios[: span[0]] + s_new.scenarios + spec0.scenarios[span[-1] + 1 :]
        at = marks[0] if marks else sum(1 for m in spec0.markers if m.source is not None and m.source.line < first)
        markers = spec0.markers[:at] + s_new.markers + spec0.markers[at + len(marks) :]
    spec1 = replace(spec0, scenarios=scenarios, markers=markers)
    doc = replace(old_doc, text=text, digest=digest(data))
    parts = dict(prev_res.parts)
    parts["specification"] = spec1
    return DocResult(code, doc, list(prev_res.diagnostics), parts), index
