"""One document from bytes to typed parts: a pure function, cacheable by digest.

`parse_document` never raises for bad content: undecodable, binary, empty or
oversized input yields a `DocResult` with an error diagnostic and no items.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.gcpause import paused_gc
from generator.model import DOCUMENTS, Diagnostic, Document
from generator.spec import chunks
from generator.spec.chunks import ChunkIndex
from generator.spec.records import norm_key, strip_md
from generator.spec.toplevel import parse_nodes
from generator.spec.view import DocView

MAX_BYTES = 4 * 1024 * 1024  # a spec document is tens of KB; anything this big is a mistake
_H1_RE = re.compile(r"^D(\d+)\s*:\s*(.*)$")
_BOLD_META_RE = re.compile(r"^\*\*([^*:]{1,40}):\*\*\s*(.*)$|^\*\*([^*:]{1,40}):\s*(.*?)\*\*\s*$")
_PLAIN_META_RE = re.compile(r"^(CRITICAL|Status|OPEN items)\s*:\s*(.*)$")


@dataclass
class DocResult:
    """What one document contributes to a ProductSpec. Treat as immutable: it may be cached."""

    code: str
    document: Document
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)  # ProductSpec attribute → value


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def decode(filename: str, data: bytes) -> tuple[str | None, Diagnostic | None]:
    """Text of a document (BOM and CR removed) or the reason it cannot be read."""
    if b"\x00" in data[:8192]:
        return None, Diagnostic(filename, 0, "not a text file (binary content)", "error", "documents")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(filename, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                "error", "documents")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def parse_meta(view: DocView) -> tuple[str, str, dict[str, str], int]:
    """(H1 title, component, metadata, metadata line) from the top of a document."""
    title, component, meta, meta_line = "", "", {}, 0
    nodes = view.nodes
    k = 0
    if nodes and nodes[0].kind == "heading" and nodes[0].level == 1:
        title = nodes[0].text
        m = _H1_RE.match(title)
        rest = m.group(2) if m else title
        for sep in (" — ", " – ", " - "):
            if sep in rest:
                component = rest.split(sep, 1)[1].strip()
                break
        k = 1
    for n in nodes[k:]:
        if n.kind != "line":
            break
        text = n.text
        if text.startswith("Meta:"):
            meta_line = meta_line or n.line
            for pair in text[5:].split(" | "):
                key, sep, val = pair.partition(":")
                if sep:
                    meta[norm_key(key)] = val.strip()
            continue
        m = _BOLD_META_RE.match(text)
        if m:
            meta_line = meta_line or n.line
            key, val = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            meta[norm_key(key)] = strip_md(val)
            continue
        m = _PLAIN_META_RE.match(text)
        if m and meta_line:
            meta[norm_key(m.group(1))] = m.group(2).strip()
            continue
        break
    return title, component, meta, meta_line


_INDEXES: ContextVar[dict[str, ChunkIndex] | None] = ContextVar("chunk_indexes", default=None)


@contextmanager
def chunk_indexes(store: dict[str, ChunkIndex]):
    """Within this block `parse_document` reuses and updates the chunk index of each
    document in `store` (by code): same results, less markdown-it work after an edit."""
    token = _INDEXES.set(store)
    try:
        yield store
    finally:
        _INDEXES.reset(token)


def parse_document(code: str, filename: str, data: bytes) -> DocResult:
    """Parse one D document from its bytes (pure: same bytes, same result)."""
    store = _INDEXES.get()
    with paused_gc():
        if store is None:
            return _parse_document(code, filename, data, None, False)[0]
        res, index = _parse_document(code, filename, data, store.get(code), True)
    if index is None:
        store.pop(code, None)
    else:
        store[code] = index
    return res


def parse_document_indexed(code: str, filename: str, data: bytes,
                           prev: ChunkIndex | None = None) -> tuple[DocResult, ChunkIndex | None]:
    """`parse_document`, plus the document's chunk index; with the index of an
    earlier version, only the chunks that changed go through markdown-it.
    The DocResult is the same as `parse_document`'s either way."""
    with paused_gc():
        return _parse_document(code, filename, data, prev, True)


def _parse_document(code: str, filename: str, data: bytes, prev: ChunkIndex | None,
                    want_index: bool) -> tuple[DocResult, ChunkIndex | None]:
    doc = Document(code=code, filename=filename, path=Path(filename), present=True, digest=digest(data))
    res = DocResult(code, doc)
    if len(data) > MAX_BYTES:
        res.diagnostics.append(Diagnostic(filename, 0, f"document is too large ({len(data) / 1048576:.1f} MB; "
                                                       f"the limit is {MAX_BYTES // 1048576} MB)", "error", "documents"))
        return res, None
    text, problem = decode(filename, data)
    if problem:
        res.diagnostics.append(problem)
        return res, None
    doc.text = text
    if not text.strip():
        res.diagnostics.append(Diagnostic(filename, 0, "document is empty", "error", "documents"))
        return res, None
    index = None
    lines = text.split("\n")
    try:
        if not want_index:
            nodes = parse_nodes(text, lines)  # parse_blocks(text), splitting once
        else:
            again = chunks.reparse(text, prev) if prev is not None else None
            nodes, index = again if again is not None else chunks.full_parse(text)
    except Exception as exc:  # markdown-it is tolerant; this is a last line of defence
        res.diagnostics.append(Diagnostic(filename, 0, f"cannot be parsed as markdown: {exc}", "error", "documents"))
        return res, None
    view = DocView.build(code, filename, text, nodes, lines)
    doc.title, doc.component, doc.meta, doc.meta_line = parse_meta(view)
    for s in view.skipped:
        res.diagnostics.append(Diagnostic(filename, s.line, f"{s.id} is written as a {s.form} line while this document "
                                                            f"defines its ids by {s.chosen}; not read as a definition",
                                          "warning", "parse"))
    _build(view, res)
    return res, index


def warm() -> None:
    """Import the typed builders and build the block parser now: worker processes
    forked after this inherit them, instead of each spending its first 50 ms on
    its own copy."""
    from generator.spec import build_front, build_holdouts, build_model, build_plan  # noqa: F401
    from generator.spec.blocks import _parser

    _parser()


def _build(v: DocView, res: DocResult) -> None:
    from generator.spec import build_front, build_holdouts, build_model, build_plan

    p = res.parts
    code = v.code
    if code == "D1":
        p["constitution"] = build_front.build_constitution(v, res.document.meta)
    elif code == "D2":
        p["specification"] = build_front.build_specification(v)
        p["package_id"] = res.document.meta.get("package id") or res.document.meta.get("pkg", "")
    elif code == "D3":
        p["entities"] = build_model.build_entities(v)
    elif code == "D4":
        p["contracts"] = build_model.build_contracts(v)
        p["error_codes"] = build_model.build_error_codes(v)
    elif code == "D5":
        p["research"] = build_model.build_research(v)
    elif code == "D6":
        p["gaps"], p["clarifications"] = build_model.build_gaps(v)
    elif code == "D7":
        p["plan"] = build_plan.build_plan(v)
    elif code == "D8":
        p["tasks"], diags = build_plan.build_tasks(v)
        p["task_summary"] = build_plan.build_task_summary(v)
        res.diagnostics += diags
    elif code == "D9":
        p["holdouts"], diags = build_holdouts.build_holdouts(v)
        res.diagnostics += diags
    elif code == "D10":
        p["agent_context"] = build_holdouts.build_agent_context(v)


CODES = tuple(DOCUMENTS)
