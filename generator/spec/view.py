"""A parsed document as the typed builders see it: nodes, items, sections.

Sections are found by keyword in their heading ("Success Criteria",
"Coding Conventions"), since real specs spell them differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from generator.model import Section, Source
from generator.spec.blocks import Node
from generator.spec.records import Item, Skipped, _read_fields, find_items, heading_indexes

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_PRIORITY_RE = re.compile(r"\bP([0-3])\b")
_STATUS_RE = re.compile(r"^\W*(OPEN|RESOLVED|ASSUMED|CLOSED|DEFERRED)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def priority_of(text: str) -> str:
    """"P1 (must-have)", "P0(blocker)", "**P2**" → "P1"/"P0"/"P2"; "" when absent.
    (Cached: a spec writes the same few priority values thousands of times.)"""
    m = _PRIORITY_RE.search(text.replace("*", " ").replace("(", " ("))
    return f"P{m.group(1)}" if m else ""


def status_of(text: str) -> str:
    """The leading status word of a value ("RESOLVED (ASSUMED) — …" → "RESOLVED")."""
    m = _STATUS_RE.match(text.replace("*", "").replace("`", ""))
    if not m:
        return ""
    word = m.group(1).upper()
    return "RESOLVED" if word == "CLOSED" else word


@dataclass
class DocView:
    code: str
    filename: str
    lines: list[str]  # source lines, LF-split, comments kept
    nodes: list[Node]
    items: list[Item] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    _heads: list[tuple[int, int, str]] | None = field(default=None, repr=False, compare=False)
    _head_index: list[int] | None = field(default=None, repr=False, compare=False)  # `heading_indexes(nodes)`

    @classmethod
    def build(cls, code: str, filename: str, text: str, nodes: list[Node], lines: list[str] | None = None) -> "DocView":
        """`lines`, when given, must be `text.split("\\n")` (saves splitting twice)."""
        v = cls(code, filename, lines if lines is not None else text.split("\n"), nodes)
        v._head_index = heading_indexes(nodes)
        v.items, v.skipped = find_items(nodes, code, v._head_index)
        return v

    def src(self, line: int) -> Source:
        return Source(self.filename, line)

    def items_of(self, *kinds: str) -> list[Item]:
        return [it for it in self.items if it.kind in kinds]

    def section_spans(self, *words: str, level: int | None = None) -> list[tuple[int, int]]:
        """Node index spans [heading, end) of headings whose title holds any of `words`."""
        out = []
        heads = self.headings()
        for k, (i, lvl, t) in enumerate(heads):  # plain loops: thousands of headings, a few matches
            if level is not None and lvl != level:
                continue
            for w in words:
                if w in t:
                    break
            else:
                continue
            j = len(self.nodes)
            for i2, l2, _ in islice(heads, k + 1, None):
                if l2 <= lvl:
                    j = i2
                    break
            out.append((i, j))
        return out

    def headings(self) -> list[tuple[int, int, str]]:
        """(node index, level, lowered title) of every heading: sections are looked up
        by keyword several times per document, and headings are few among the nodes."""
        if self._heads is None:
            nodes = self.nodes
            index = self._head_index if self._head_index is not None else heading_indexes(nodes)
            self._heads = [(i, nodes[i].level, nodes[i].text.lower()) for i in index]
        return self._heads

    def section_nodes(self, *words: str, level: int | None = None) -> list[Node]:
        """Body nodes of the first section whose heading holds any of `words`."""
        spans = self.section_spans(*words, level=level)
        if not spans:
            return []
        a, b = spans[0]
        return self.nodes[a + 1 : b]

    def raw(self, start: int, end: int) -> str:
        """Source text of lines start..end (1-based, inclusive), comments removed."""
        text = "\n".join(self.lines[start - 1 : end])
        if "<!--" in text:
            text = _COMMENT_RE.sub("", text)
        return text.strip("\n")

    def node_end(self, n: Node) -> int:
        return max(n.end, n.line)

    def section_text(self, *words: str, level: int | None = None) -> str:
        spans = self.section_spans(*words, level=level)
        if not spans:
            return ""
        a, b = spans[0]
        start = self.nodes[a].line + 1
        end = self.nodes[b].line - 1 if b < len(self.nodes) else len(self.lines)
        return self.raw(start, end).strip()

    def sections(self) -> list[Section]:
        """The heading tree (H2 and below), each with its raw text."""
        heads = [(i, n) for i, n in enumerate(self.nodes) if n.kind == "heading"]
        flat: list[Section] = []
        for k, (i, n) in enumerate(heads):
            nxt = next((m.line for _, m in heads[k + 1 :] if m.level <= n.level), len(self.lines) + 1)
            body_end = heads[k + 1][1].line - 1 if k + 1 < len(heads) else len(self.lines)
            full = self.raw(n.line + 1, nxt - 1).strip()
            _ = body_end
            flat.append(Section(n.text, n.level, full, self.src(n.line)))
        roots: list[Section] = []
        stack: list[Section] = []
        for s in flat:
            if s.level == 1:
                continue
            while stack and stack[-1].level >= s.level:
                stack.pop()
            (stack[-1].children if stack else roots).append(s)
            stack.append(s)
        return roots

    def item_text(self, it: Item) -> str:
        nodes = it.nodes
        end = max(max([n.end for n in nodes]), max([n.line for n in nodes])) if nodes else it.line  # max node_end
        start = it.line
        if it.form == "yaml":
            start = it.head.line
        return self.raw(start, max(end, it.head.end or it.line))


def bullets(nodes: list[Node], depth: int | None = None) -> list[tuple[str, int]]:
    """List items among nodes (continuation lines joined), as (text, line)."""
    tops = [n.depth for n in nodes if n.kind == "line" and n.bullet]
    if not tops:
        return []
    want = depth if depth is not None else min(tops)
    out: list[list] = []
    for n in nodes:
        if n.kind != "line":
            continue
        if n.bullet and n.depth == want:
            out.append([n.text, n.line])
        elif out and n.depth >= want and not (n.bullet and n.depth < want):
            if not n.bullet and n.depth == want and n.first:
                continue
            out[-1][0] += " " + n.text
    return [(t, ln) for t, ln in out]


def list_items(nodes: list[Node]) -> list[tuple[str, int]]:
    """The entries of a list-like section however it is written: its bullets; else
    one entry per paragraph; else one per table row ("first cell: other cells")."""
    found = bullets(nodes)
    if found:
        return found
    paras: list[list] = []
    for n in nodes:
        if n.kind == "line" and n.depth == 0:
            if n.first or not paras:
                paras.append([n.text, n.line])
            else:
                paras[-1][0] += " " + n.text
    if paras:
        return [(t, ln) for t, ln in paras]
    out: list[tuple[str, int]] = []
    for n in nodes:
        if n.kind == "table":
            for k, r in enumerate(n.rows[1:] if n.header else n.rows):
                cells = [c for c in r if c]
                if cells:
                    out.append((cells[0] + (": " + " — ".join(cells[1:]) if len(cells) > 1 else ""), row_line(n, k)))
    return out


def make_item(head: Node, body: list[Node], ident: str = "", title: str = "") -> Item:
    """An ad-hoc record (article, component) read with the same field rules as ids."""
    it = Item(ident, "", "block", head.line, title, head.level, head, nodes=list(body))
    _read_fields(it)
    return it


def table_dicts(node: Node) -> list[dict[str, str]]:
    """Rows of a table as dicts keyed by the lowered header cells.

    C-style "canonical" cells are unwrapped: a header `Operation:text` is the
    key "operation", a first cell `request:object` is the name, and prefixes
    such as `Req:yes` or `Desc:…` are dropped from the value.
    """
    rows = node.rows
    if not rows:
        return []
    header = []
    for k, h in enumerate(rows[0]):
        h = h.replace("**", "").strip()
        m = _HEAD_CANON_RE.match(h)
        header.append((m.group(1) if m else h).strip().lower() or f"col{k + 1}")
    out = []
    for r in rows[1:]:
        canon = sum(1 for c in r[1:] if _CELL_CANON_RE.match(c)) >= max(1, (len(r) - 1) // 2)
        d: dict[str, str] = {}
        for k, c in enumerate(r):
            key = header[k] if k < len(header) else f"col{k + 1}"
            if canon:
                m = _CELL_CANON_RE.match(c)
                if k == 0 and m:
                    c = m.group(1)
                elif m:
                    c = c[m.end(1) + 1 :].strip()
            d[key] = (d[key] + " | " + c) if key in d else c
        out.append(d)
    return out


_HEAD_CANON_RE = re.compile(r"^([A-Za-z][\w ?/-]*):[a-z][\w-]*$")
_CELL_CANON_RE = re.compile(r"^([A-Za-z_][\w-]{0,24}):(?!//)\S")


def row_line(node: Node, k: int) -> int:
    """Source line of data row k (0-based) of a table node."""
    return node.line + 1 + k + (1 if node.info == "gfm" else 0)
