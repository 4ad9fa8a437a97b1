"""Top-level blocks read straight from the source into nodes.

markdown-it's block step makes tokens, which `tokens_to_nodes` then turns into
nodes. For the block shapes a spec is mostly made of, at the top level (an ATX
heading, a paragraph, a fenced block, a list of one-line items, a table of
pipe rows), both steps are done here at once, deciding where each block ends
exactly as markdown-it's rules do. Every other block, and every block whose
reading is not certain, goes to markdown-it's rules just as its own block loop
would hand it over (one block at a time, from the same state), and its tokens
become nodes as before. This reading is used only when it gives markdown-it's
nodes on probe documents (`usable`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from generator.spec import blocks
from generator.spec.blocks import (_FIRST_CHARS, BLOCK_RULES, PROBES, Node, _md_trim, _paragraph, _paragraph_lines,
                                   _quick_split, block_state, parse_tokens, probe_tokens, simple_list_span,
                                   simple_paragraph_stop, table_from_lines, tokens_to_nodes)

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)

# First characters of a line that a block rule other than the paragraph rules asks for.
_OPENERS = frozenset("~`>*-_+0123456789[<#")


def parse_nodes(text: str, lines: list[str]) -> list[Node]:
    """`tokens_to_nodes(parse_tokens(text), lines)`, most blocks read directly;
    `lines` must be `text.split("\\n")`."""
    if not text or "\r" in text or "\0" in text or not usable():
        return tokens_to_nodes(parse_tokens(text), lines)
    return read_nodes(blocks._parser(), text, lines)


def read_nodes(md, text: str, lines: list[str]) -> list[Node]:
    """The nodes of `text` (no CR, no NUL): markdown-it's block loop at the top
    level, each block read here when `_direct` can, else by `md`'s rules."""
    tokens: list = []
    state = block_state(text, md, tokens, lines)
    end = state.lineMax
    bm, em, ts = state.bMarks, state.eMarks, state.tShift
    rules = md.block.ruler.getRules("")
    table = _table_rule(md)
    nodes: list[Node] = []
    line = 0
    while line < end:
        if bm[line] + ts[line] >= em[line]:  # an empty line
            line += 1
            continue
        stop = -1 if ts[line] else _direct(state, line, end, lines, nodes, table)
        if stop < 0:
            state.line = line
            for rule in rules:
                if rule(state, line, end, False):
                    break
            nodes += tokens_to_nodes(tokens, lines)
            tokens.clear()
            stop = state.line
        line = stop
    return nodes


def _table_rule(md):
    """markdown-it's table rule, splitting rows without a backslash by `str.split`
    (`_quick_split`), or None when `md` has no table rule."""
    for r in md.block.ruler.__rules__:
        if r.name == "table" and r.enabled:
            return _quick_split(r.fn)
    return None


def _direct(state, line: int, end: int, lines: list[str], nodes: list[Node], table) -> int:
    """The line after the block starting at `line` (in column 0, not empty), its
    nodes added to `nodes`; -1 (nothing added) when markdown-it's rules are to read it."""
    s = lines[line]  # the line as the state cuts it: no indent, no quote marker at the top level
    c = s[0]
    if "|" in s and line + 1 < end and _may_delimit(state, line + 1):
        if table is None:
            return -1
        if table(state, line, end, True):  # the header and delimiter rows make a table
            return _table(state, line, end, lines, nodes, table.__globals__.get("MAX_AUTOCOMPLETED_CELLS", 0))
    if c == "#":
        return _heading(s, line, nodes)
    if c == "`" or c == "~":
        return _fence(state, s, line, end, nodes)
    if c in "-*+" and s[1:2] == " ":
        return _list(state, line, end, lines, nodes)
    if c in _OPENERS and not _plain_start(s, c):
        return -1
    stop = simple_paragraph_stop(state, line, end)
    if stop >= 0:
        _paragraph(nodes, lines, line, stop, 0, False, 0)
    return stop


def _may_delimit(state, k: int) -> bool:
    """Whether line `k` passes the table rule's first tests of a delimiter row
    (the gate's test: "|", "-" or ":" first, two characters or more, nothing but
    "|-:", spaces and tabs, no "- ")."""
    src = state.src
    p, e = state.bMarks[k] + state.tShift[k], state.eMarks[k]
    if p >= e or src[p] not in "|-:":
        return False
    row = src[p:e]
    return not (len(row) < 2 or row.strip("|-: \t") or (row[0] == "-" and row[1] in " \t"))


def _plain_start(s: str, c: str) -> bool:
    """Whether a line `s` in column 0 starting with "*", "-", "_" or "+" is no
    thematic break (another character than its marker, spaces and tabs) and no
    list item (the marker not followed by a space, a tab or the line end): only
    the paragraph rules take it then."""
    if c not in "*-_+":
        return False
    if c != "+" and not s.strip(c + " \t"):
        return False
    return c == "_" or (len(s) > 1 and s[1] not in " \t")


def _heading(s: str, line: int, nodes: list[Node]) -> int:
    """An ATX heading, as the heading rule cuts it (level, closing "#" run); -1
    when the rule would decline the line."""
    n = len(s) - len(s.lstrip("#"))
    if n > 6 or (n < len(s) and s[n] != " " and s[n] != "\t"):
        return -1
    if s[-1] in "# \t":  # trailing blanks, maybe a closing run of "#"
        mx = n + len(s[n:].rstrip(" \t"))
        tmp = n + len(s[n:mx].rstrip("#"))
        if tmp > n and s[tmp - 1] in " \t":
            mx = tmp
        content = _md_trim()(s[n:mx])
    else:
        content = _md_trim()(s[n:])
    if "<!--" in content:
        content = _COMMENT_RE.sub("", content)
    nodes.append(Node("heading", line + 1, content.strip(), n, 0, "", False, "", line + 1))
    return line + 1


def _fence(state, s: str, line: int, end: int, nodes: list[Node]) -> int:
    """A closed fenced block opened by line `s`, as the fence rule reads it; -1 for
    a line the rule would decline and for a fence left open."""
    src, bm, em, ts, sc = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    marker = s[0]
    size = len(s) - len(s.lstrip(marker))
    if size < 3:
        return -1
    info = s[size:]
    if marker == "`" and "`" in info:
        return -1
    k = line + 1
    while k < end:
        p = bm[k] + ts[k]
        if p < em[k] and src[p] == marker and sc[k] < 4:
            row = src[p : em[k]]
            run = len(row) - len(row.lstrip(marker))
            if run >= size and not row[run:].strip(" \t"):
                break
        k += 1
    else:
        return -1
    content = state.getLines(line + 1, k, sc[line], True)
    nodes.append(Node("fence", line + 1, content, 0, 0, "", False, info.strip(), k + 1))
    return k + 1


def _list(state, line: int, end: int, lines: list[str], nodes: list[Node]) -> int:
    """A tight list of one-line items (`simple_list_span`): one line node per item."""
    span = simple_list_span(state, line, end)
    if span is None:
        return -1
    last, stop = span
    bullet = state.src[state.bMarks[line]]
    for k in range(line, last + 1):
        raw = lines[k]
        if "<!--" in raw:
            _paragraph_lines(nodes, [raw], k, 1, True, 0)
        else:
            nodes.append(Node("line", k + 1, raw[2:].strip(), 0, 1, bullet, True))
    return stop


def _table(state, line: int, end: int, lines: list[str], nodes: list[Node], limit: int) -> int:
    """A table whose header and delimiter rows the table rule accepts, read to its
    end: body rows in column 0 starting with "|" (no rule that ends a table starts
    with it), up to an empty line or the end. -1 when another line comes first, or
    when short rows might reach `limit`, the rule's limit of made-up cells."""
    src, bm, em, ts = state.src, state.bMarks, state.eMarks, state.tShift
    k = line + 2
    while k < end:
        p = bm[k] + ts[k]
        if p >= em[k]:
            break
        if ts[k] or src[p] != "|":
            return -1
        k += 1
    if (k - line - 2) * (lines[line].count("|") + 1) > limit:
        return -1
    nodes.append(table_from_lines(lines[line:k], line + 1, 0))
    return k


# Documents whose blocks take each way through `_direct` and its refusals.
_PROBES = (
    "# H\n## H2 ##\n### x #\n#### #\n##### a#\n###### b \\#\n####### no\n#nope\n# <!-- c --> t\n#\t\ttab\n",
    "```bash\nx\n```\n~~~ yaml\nk: v\n~~~~\n```\n```\n````\n```\n````\n``` a`b\n```\n  ```\n x\n   ```\n",
    "- a\n- b\n\n* c\n* d\n+ e <!-- c -->\n\ntext\n- f\n  more\n- - g\n-x\n*y*\n**k:** v\n_a_\n+z\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 |\n\ntext | x\n--|--\n| y |\nz\n| h |\n|-|\n| r |\n> q\n",
    "**A:** b\n**C:**\n- d\n- e\n\n**F:**\n```\ng\n```\nplain\ntext\n===\nmore\n---\n|x|\n",
    "# h | x\n|---|\n| r |\n\n- l | m\n|-|\n``` |\n|-|\n```\n1. n\n2) o\n> p\n<div>\nq\n</div>\n[r]: /s\n",
    "    code\n\ttab\ntext\n    lazy\n\u00a0nb\n\u2002\n* * *\n- - -\n___\n+ \n-\n#\n```",
)


def _known_rules(md) -> bool:
    """Whether `md` runs the block rules `_direct` decides for, in their order, and
    every rule that can end a table (the "blockquote" chain) asks for a first
    character other than "|" (so a row starting with it goes on)."""
    rules = [r for r in md.block.ruler.__rules__ if r.enabled]
    if tuple(r.name for r in rules) != BLOCK_RULES:
        return False
    return all(r.name in _FIRST_CHARS and "|" not in _FIRST_CHARS[r.name] for r in rules if "blockquote" in r.alt)


@lru_cache(maxsize=1)
def usable() -> bool:
    """Whether the direct reading gives markdown-it's own nodes on the probes
    (and on the block parser's own probes)."""
    md = blocks._parser()
    if _md_trim() is None or _table_rule(md) is None or not _known_rules(md):
        return False
    for text in _PROBES + PROBES:
        lines = text.split("\n")
        try:
            if read_nodes(md, text, lines) != tokens_to_nodes(probe_tokens(text), lines):
                return False
        except Exception:
            return False
    return True
