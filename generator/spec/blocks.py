"""Markdown → a flat list of block nodes with source lines.

markdown-it-py decides the structure (headings, fences, lists, tables, HTML
comments), so a `# comment` inside a fenced block never becomes a heading.
The nodes keep each paragraph line separately, with its 1-based line number
and the list depth it sits at, because spec fields are line-shaped
("**Priority:** P1", "- Dependency: T-001"). Pipe lines that GFM does not see
as a table (no separator row) are turned into table nodes here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_MARKER_RE = re.compile(r"^\s*(?:>\s?)*\s*([-*+]|\d+[.)])(?:\s+|$)")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
_SEP_CELL_RE = re.compile(r"^:?-{2,}:?$")


@dataclass(slots=True)
class Node:
    """One block-level piece of a document.

    kind: "heading" | "line" | "fence" | "table" | "rule".
    For "line": `text` is the line without list marker or indentation,
    `bullet` the list marker when the line opens a list item, `first` True
    when it opens a paragraph. For "table": `rows` are split cells, the first
    row being the header when `header` is True.
    """

    kind: str
    line: int
    text: str = ""
    level: int = 0
    depth: int = 0
    bullet: str = ""
    first: bool = False
    info: str = ""
    end: int = 0
    rows: list[list[str]] = field(default_factory=list)
    header: bool = True


# The CommonMark block rules plus GFM tables, in markdown-it's own order.
BLOCK_RULES = ("table", "code", "fence", "blockquote", "hr", "list", "reference", "html_block", "heading", "lheading",
               "paragraph")


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # Only the block structure is used (paragraph lines are read from the source),
    # so the core runs normalize + block only: no inline pass, the costliest part.
    md = MarkdownIt("zero", {"html": True, "maxNesting": 20})
    md.enable(list(BLOCK_RULES))
    md.disable([r for r in md.get_active_rules()["core"] if r not in ("normalize", "block")])
    _quiet_debug_calls()
    return md


def _quiet_debug_calls() -> None:
    """markdown-it calls `LOGGER.debug` on every block-rule attempt (millions on a big
    spec). Where nobody listens at DEBUG, bind `debug` to a C no-op that accepts
    any arguments, so those calls cost almost nothing."""
    import logging

    for name in list(logging.Logger.manager.loggerDict):
        if name.startswith("markdown_it"):
            lg = logging.getLogger(name)
            if not lg.isEnabledFor(logging.DEBUG):
                lg.debug = "".format  # type: ignore[method-assign]


def split_row(line: str) -> list[str]:
    """Split a pipe row into cells: `\\|` escapes and `|` inside back-ticks stay in the cell."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    protect = s.count("`") % 2 == 0
    cells: list[str] = []
    cur: list[str] = []
    in_code = False
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if c == "`" and protect:
            in_code = not in_code
        if c == "|" and not in_code:
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_SEP_CELL_RE.match(c.replace(" ", "")) for c in cells if c) and any(cells)


def table_from_lines(lines: list[str], start: int, depth: int) -> Node:
    rows: list[list[str]] = []
    has_sep = False
    for ln in lines:
        cells = split_row(ln)
        if _is_separator(cells):
            has_sep = True
            continue
        rows.append(cells)
    return Node("table", start, depth=depth, rows=rows, end=start + len(lines) - 1, header=True, info="gfm" if has_sep else "")


def _is_pipe_line(s: str) -> bool:
    s = s.strip()
    return s.startswith("|") and s.count("|") >= 2


def parse_tokens(text: str) -> list:
    """markdown-it's block tokens for a text (every `map` is 0-based, end exclusive)."""
    return _parser().parse(text)


def parse_blocks(text: str) -> list[Node]:
    """The document as nodes in source order (fences opaque, comments dropped)."""
    return tokens_to_nodes(parse_tokens(text), text.split("\n"))


def tokens_to_nodes(tokens: list, src: list[str], offset: int = 0) -> list[Node]:
    """Nodes of a token stream parsed from `src`; `offset` is added to every line
    number (the stream may be one chunk of a larger document)."""
    nodes: list[Node] = []
    items: list[int] = []  # start line (0-based) of each open list item
    depth = 0
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        tt = t.type
        if tt == "bullet_list_open" or tt == "ordered_list_open":
            depth += 1
        elif tt == "bullet_list_close" or tt == "ordered_list_close":
            depth -= 1
        elif tt == "list_item_open":
            items.append(t.map[0] if t.map else -1)
        elif tt == "list_item_close":
            items.pop()
        elif tt == "heading_open":
            inline = tokens[i + 1]
            content = _COMMENT_RE.sub("", inline.content).strip()
            nodes.append(Node("heading", t.map[0] + 1 + offset, text=content, level=int(t.tag[1]), depth=depth,
                              end=t.map[1] + offset))
            i += 3
            continue
        elif tt == "fence" or tt == "code_block":
            nodes.append(Node("fence", t.map[0] + 1 + offset, text=t.content, info=(t.info or "").strip(), depth=depth,
                              end=t.map[1] + offset))
        elif tt == "table_open":
            a, b = t.map
            nodes.append(table_from_lines(src[a:b], a + 1 + offset, depth))
            while i < n and tokens[i].type != "table_close":
                i += 1
        elif tt == "hr":
            nodes.append(Node("rule", t.map[0] + 1 + offset, depth=depth))
        elif tt == "paragraph_open":
            a, b = t.map
            _paragraph(nodes, src, a, b, depth, bool(items) and items[-1] == a, offset)
            i += 3
            continue
        i += 1
    return nodes


def _paragraph(nodes: list[Node], src: list[str], a: int, b: int, depth: int, opens_item: bool, offset: int) -> None:
    chunk = "\n".join(src[a:b])
    if "<!--" in chunk:  # blank out comments, keeping the line count
        chunk = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), chunk)
    lines = chunk.split("\n")
    pipe: list[str] = []
    pipe_start = 0
    first = True
    for k, raw in enumerate(lines):
        lineno = a + k + 1 + offset
        if k == 0 and opens_item:
            m = _MARKER_RE.match(raw)
            bullet = m.group(1) if m else ""
            body = raw[m.end():] if m else raw.strip()
        else:
            bullet = ""
            body = _QUOTE_RE.sub("", raw) if raw.lstrip().startswith(">") else raw
        body = body.strip()
        if not bullet and _is_pipe_line(body):
            if not pipe:
                pipe_start = lineno
            pipe.append(body)
            continue
        if pipe:
            nodes.append(table_from_lines(pipe, pipe_start, depth))
            pipe = []
            first = True
        if not body and not bullet:
            continue
        nodes.append(Node("line", lineno, text=body, depth=depth, bullet=bullet, first=first))
        first = False
    if pipe:
        nodes.append(table_from_lines(pipe, pipe_start, depth))
