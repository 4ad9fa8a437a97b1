"""Chunk-level reuse inside one document, so an edit re-parses only what changed.

A document is cut into *chunks* at the lines where markdown-it itself began a
top-level ATX heading (`#` in column 0, nesting level 0 in the token stream).
No pre-scan is involved: boundaries only ever come from a full markdown-it
parse, and each chunk keeps the nodes that parse produced for its lines.

After an edit, the unchanged chunks at the start and at the end are kept and
the text between them (the *middle*) is parsed on its own, together with the
first two lines that follow it. The result is accepted only when markdown-it
confirms that the chunking still holds:

- the middle starts at line 0, or its first line is a top-level heading with
  `#` in column 0. Such a line ends every block a previous chunk could leave
  open (paragraph, list, quote, table, indented code); fences and HTML blocks
  cannot be open there, or the old line would not have been a heading;
- the line after the middle is still a top-level heading when parsed in
  context. Whether a line starts a top-level heading depends only on the state
  before it, the line itself and the line after it (a table header looks one
  line ahead), which is exactly what the middle-plus-two-lines parse sees.

Anything else (an unclosed fence, a heading turned into a table header, an
indented heading) falls back to a full parse, which also rebuilds the chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from generator.spec.blocks import Node, parse_tokens, tokens_to_nodes


@dataclass
class Chunk:
    start: int  # 0-based first line
    lines: list[str]
    nodes: list[Node]  # line numbers absolute for `start`


@dataclass
class ChunkIndex:
    """A document's chunks, in order; they cover every line exactly once."""

    chunks: list[Chunk] = field(default_factory=list)
    reparsed: int = 0  # lines handed to markdown-it to build this index (for tests and benchmarks)

    def nodes(self) -> list[Node]:
        out: list[Node] = []
        for c in self.chunks:
            out += c.nodes
        return out


def _boundaries(tokens: list, lines: list[str], offset: int, limit: int) -> list[int]:
    """Lines (absolute) where markdown-it began a top-level heading written in column 0."""
    out = []
    for t in tokens:
        if t.type == "heading_open" and t.level == 0 and t.map and t.map[0] < limit and lines[t.map[0]].startswith("#"):
            out.append(t.map[0] + offset)
    return out


def _cut(lines: list[str], start: int, heads: list[int], nodes: list[Node]) -> list[Chunk]:
    """Chunks of lines[start:start+len(lines)] cut at `heads` (absolute), nodes shared out by line."""
    stops = [h for h in heads if h > start] + [start + len(lines)]
    chunks: list[Chunk] = []
    a = start
    k = 0
    for b in stops:
        mine: list[Node] = []
        while k < len(nodes) and nodes[k].line - 1 < b:
            mine.append(nodes[k])
            k += 1
        chunks.append(Chunk(a, lines[a - start : b - start], mine))
        a = b
    return chunks


def full_parse(text: str) -> tuple[list[Node], ChunkIndex]:
    lines = text.split("\n")
    tokens = parse_tokens(text)
    nodes = tokens_to_nodes(tokens, lines)
    index = ChunkIndex(_cut(lines, 0, _boundaries(tokens, lines, 0, len(lines)), nodes), reparsed=len(lines))
    return nodes, index


def _shifted(c: Chunk, start: int) -> Chunk:
    if c.start == start:
        return c
    d = start - c.start
    return Chunk(start, c.lines, [replace(n, line=n.line + d, end=n.end + d if n.end else 0) for n in c.nodes])


def reparse(text: str, prev: ChunkIndex) -> tuple[list[Node], ChunkIndex] | None:
    """Nodes of `text` reusing `prev`'s unchanged chunks, or None when a full parse is needed."""
    lines = text.split("\n")
    old = prev.chunks
    if not old:
        return None
    # Unchanged chunks at the start …
    p = 0
    pos = 0
    while p < len(old) and lines[pos : pos + len(old[p].lines)] == old[p].lines:
        pos += len(old[p].lines)
        p += 1
    if p == len(old) and pos == len(lines):
        return prev.nodes(), ChunkIndex(list(old), reparsed=0)
    # … and at the end, never overlapping the start.
    q = 0
    end = len(lines)
    while q < len(old) - p:
        c = old[len(old) - 1 - q]
        n = len(c.lines)
        if end - n < pos or lines[end - n : end] != c.lines:
            break
        end -= n
        q += 1
    if pos == end:  # whole chunks removed: re-read the one before the gap so its end is checked
        if p == 0:
            return None
        p -= 1
        pos -= len(old[p].lines)
    mid = lines[pos:end]
    if pos > 0 and not mid[0].startswith("#"):
        return None
    look = lines[end : end + 2]
    tokens = parse_tokens("\n".join(mid + look))
    src = mid + look
    heads = _boundaries(tokens, src, 0, len(src))
    if pos > 0 and (not heads or heads[0] != 0):
        return None
    if q and len(mid) not in heads:
        return None
    nodes_mid = tokens_to_nodes(_before(tokens, len(mid)) if q else tokens, src, pos)
    new_mid = _cut(mid, pos, [h + pos for h in heads if h < len(mid)], nodes_mid)
    chunks = list(old[:p]) + new_mid
    start = end
    for c in old[len(old) - q :]:
        chunks.append(_shifted(c, start))
        start += len(c.lines)
    index = ChunkIndex(chunks, reparsed=len(src))
    return index.nodes(), index


def _before(tokens: list, line: int) -> list:
    """The tokens of blocks that start before `line` (the lookahead lines' blocks dropped)."""
    for i, t in enumerate(tokens):
        if t.level == 0 and t.map and t.map[0] >= line and t.nesting >= 0:
            return tokens[:i]
    return tokens
