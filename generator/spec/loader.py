"""Read a spec directory into a ProductSpec, re-parsing only what changed.

Three levels of reuse and speed:
- a `cache` dict keeps each document's result under (code, digest), so an
  unchanged document is never parsed again;
- the same dict keeps each document's chunk index under "chunks:<code>", so an
  edited document re-parses only the chunks around the edit (`chunks.py`);
- a big spec with nothing cached is parsed by two or more processes, one
  group of documents each (a small one stays in-process: starting a worker
  costs more than parsing tens of kilobytes).
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.errors import UsageError
from generator.model import DOCUMENTS, Diagnostic, Document, ProductSpec
from generator.spec.chunks import ChunkIndex
from generator.spec.document import MAX_BYTES, DocResult, chunk_indexes, digest, parse_document, paused_gc

# (code, digest) → DocResult, and "chunks:<code>" → ChunkIndex of that document's latest version.
Cache = dict[Any, Any]

# Below this many bytes to parse, one process is faster than several.
PARALLEL_MIN_BYTES = 2_000_000
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
    spec_dir = Path(spec_dir)
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
        for code, res, index in parse_many(todo, cache):
            results[code] = res
            if cache is not None:
                cache[(code, res.document.digest)] = res
                if index is not None:
                    cache[f"chunks:{code}"] = index
                else:
                    cache.pop(f"chunks:{code}", None)
        assemble(spec, results)
    return spec


def parse_many(todo: list[tuple[str, str, bytes]], cache: Cache | None) -> list[tuple[str, DocResult, ChunkIndex | None]]:
    """Parse documents, in worker processes when there is enough fresh work to share."""
    prev = {code: cache.get(f"chunks:{code}") for code, _, _ in todo} if cache is not None else {}
    fresh = [t for t in todo if prev.get(t[0]) is None]
    groups = _groups(fresh)
    if len(groups) < 2:
        return [_parse_one(t, prev.get(t[0]), cache is not None) for t in todo]
    mine = [t for t in todo if prev.get(t[0]) is not None] + groups[0]
    want = cache is not None
    out: list[tuple[str, DocResult, ChunkIndex | None]] = []
    try:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(len(groups) - 1) as pool:
            pending = [pool.apply_async(_parse_group, (g, want)) for g in groups[1:]]
            out += [_parse_one(t, prev.get(t[0]), want) for t in mine]
            for p in pending:
                out += p.get()
    except (OSError, ValueError, ImportError):  # no worker to be had: parse the rest here
        done = {r[0] for r in out}
        out += [_parse_one(t, prev.get(t[0]), want) for t in todo if t[0] not in done]
    order = list(DOCUMENTS)
    return sorted(out, key=lambda r: order.index(r[0]))


def _groups(todo: list[tuple[str, str, bytes]]) -> list[list[tuple[str, str, bytes]]]:
    """Documents shared into balanced groups by size (largest first), one per process;
    a single group when parallel parsing would not pay."""
    total = sum(len(t[2]) for t in todo)
    workers = min(os.cpu_count() or 1, MAX_WORKERS, len(todo))
    if (total < PARALLEL_MIN_BYTES or workers < 2 or threading.active_count() > 1
            or not hasattr(os, "fork")):
        return [todo] if todo else []
    groups: list[list[tuple[str, str, bytes]]] = [[] for _ in range(workers)]
    sizes = [0] * workers
    for t in sorted(todo, key=lambda t: (-len(t[2]), t[0])):
        k = sizes.index(min(sizes))
        groups[k].append(t)
        sizes[k] += len(t[2])
    return [g for g in groups if g]


def _parse_one(t: tuple[str, str, bytes], prev: ChunkIndex | None, want_index: bool) -> tuple[str, DocResult, ChunkIndex | None]:
    code, filename, data = t
    if not want_index:
        return code, parse_document(code, filename, data), None
    with chunk_indexes({code: prev} if prev is not None else {}) as store:
        res = parse_document(code, filename, data)
    return code, res, store.get(code)


def _parse_group(group: list[tuple[str, str, bytes]], want_index: bool) -> list[tuple[str, DocResult, ChunkIndex | None]]:
    with paused_gc():
        return [_parse_one(t, None, want_index) for t in group]


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
