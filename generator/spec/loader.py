"""Read a spec directory into a ProductSpec, re-parsing only changed documents."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from generator.errors import UsageError
from generator.model import DOCUMENTS, Diagnostic, Document, ProductSpec
from generator.spec.document import MAX_BYTES, DocResult, digest, parse_document

Cache = dict[tuple[str, str], DocResult]


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
    for code, filename in DOCUMENTS.items():
        data, failed = read_document(spec_dir, code)
        if failed is not None:
            results[code] = failed
            continue
        if data is None:
            results[code] = DocResult(code, Document(code, filename, spec_dir / filename, present=False))
            continue
        key = (code, digest(data))
        res = cache.get(key) if cache is not None else None
        if res is None:
            res = parse_document(code, filename, data)
            if cache is not None:
                cache[key] = res
        results[code] = res
    assemble(spec, results)
    return spec


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
