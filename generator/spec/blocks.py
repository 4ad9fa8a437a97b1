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
import types
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add, sub

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_MARKER_RE = re.compile(r"^\s*(?:>\s?)*\s*([-*+]|\d+[.)])(?:\s+|$)")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
_SEP_CELL_RE = re.compile(r"^:?-{2,}:?$")
_NOT_SEP_RE = re.compile(r"[^|:\-\s]")  # a character no delimiter row can hold


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


def plain_parser():
    """markdown-it configured with the CommonMark block rules plus GFM tables, as
    markdown-it itself runs them (the reference the gated parser must equal)."""
    from markdown_it import MarkdownIt

    # Only the block structure is used (paragraph lines are read from the source),
    # so the core runs normalize + block only: no inline pass, the costliest part.
    md = MarkdownIt("zero", {"html": True, "maxNesting": 20})
    md.enable(list(BLOCK_RULES))
    md.disable([r for r in md.get_active_rules()["core"] if r not in ("normalize", "block")])
    return md


@lru_cache(maxsize=1)
def _parser():
    md = plain_parser()
    gated = plain_parser()
    _quiet_debug_calls()  # markdown-it's modules are imported by now
    if gate_rules(gated) and all(_token_rows(_block_tokens(gated, t)) == _token_rows(probe_tokens(t)) for t in PROBES):
        return gated
    return md


@lru_cache(maxsize=64)
def probe_tokens(text: str) -> list:
    """markdown-it's own tokens (as configured) of a probe document, made once for
    every check that compares with them; not to be changed."""
    return _probe_parser().parse(text)


@lru_cache(maxsize=1)
def _probe_parser():
    return plain_parser()


# A block rule that can only match when the first non-blank character of its line
# is one of these (each rule returns False before touching the state otherwise).
_FIRST_CHARS = {
    "fence": "~`",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
_ALWAYS = ("lheading", "paragraph")


def gate_rules(md) -> bool:
    """Put one gate in front of each block rule chain of `md`: markdown-it tries
    every rule of a chain in order on every line (and, for each paragraph line,
    every terminator rule twice); the gate calls, in the same order, only the
    rules whose first test can pass for that line (first character, the table's
    delimiter row, the code block's indent, a rule line made of one marker, a
    list marker followed by a blank, a setext underline before the next blank
    line). Skipped rules are exactly those that would return False, and their
    one side effect (lheading's parent type) is reproduced, so tokens are
    unchanged, except inside tables, whose row and cell tokens are not built
    (`_table_outline`). False (and `md` untouched) when the rules are not the
    ones this knows."""
    ruler = md.block.ruler
    ruler.getRules("")  # compile the chains
    cache = getattr(ruler, "__cache__", None)
    rules = getattr(ruler, "__rules__", None)
    if not isinstance(cache, dict) or not rules:
        return False
    names = {r.fn: r.name for r in rules if r.enabled}
    known = set(_FIRST_CHARS) | set(_ALWAYS) | {"table", "code"}
    gates = {}
    for chain, fns in cache.items():
        steps = [(names.get(fn), fn) for fn in fns]
        if not steps or any(n not in known for n, _ in steps):
            return False
        gates[chain] = [_gate(steps)]
    cache.update(gates)
    return True


def _gate(steps):
    chars = set("".join(_FIRST_CHARS[n] for n, _ in steps if n in _FIRST_CHARS))
    by_char = {c: tuple((n, fn) for n, fn in steps if n not in _FIRST_CHARS or c in _FIRST_CHARS[n]) for c in chars}
    other = tuple((n, fn) for n, fn in steps if n not in _FIRST_CHARS)  # a first character no rule asks for
    every = tuple(steps)
    get = by_char.get

    def gate(state, line, end, silent):
        src = state.src
        pos = state.bMarks[line] + state.tShift[line]
        todo = get(src[pos], other) if pos < len(src) else every
        for name, fn in todo:
            if name == "table":
                nxt = line + 1
                if nxt >= end:
                    continue
                p = state.bMarks[nxt] + state.tShift[nxt]
                if p >= state.eMarks[nxt] or src[p] not in "|-:":
                    continue
                # The rule's own first tests of the delimiter row: two characters or
                # more, nothing but "|-:", spaces and tabs, no "- " (a list item).
                row = src[p:state.eMarks[nxt]]
                if len(row) < 2 or row.strip("|-: \t") or (row[0] == "-" and row[1] in " \t"):
                    continue
                if not silent:
                    if _table_outline(fn, state, line, end):
                        return True
                    continue
            elif name == "code":
                if state.sCount[line] - state.blkIndent < 4:
                    continue
            elif name == "hr":
                # hr reads the whole line: only its marker, spaces and tabs may occur.
                if pos >= len(src) or src[pos:state.eMarks[line]].strip(src[pos] + " \t"):
                    continue
            elif name == "list":
                # A bullet marker must be followed by a space, a tab or the line end
                # ("**Priority:**" is no list item).
                if pos + 1 < state.eMarks[line] and src[pos] in "*-+" and src[pos + 1] not in " \t":
                    continue
                if not silent and _simple_list(state, line, end):
                    return True
            elif name == "lheading":
                if not silent and _simple_paragraph(state, line, end):
                    return True
                # A setext heading needs an underline (a run of "=" or of "-", then
                # only spaces and tabs) before the next blank line. Without one,
                # lheading would return False leaving only `parentType = "paragraph"`
                # behind: do just that.
                bm, ts, em = state.bMarks, state.tShift, state.eMarks
                k = line + 1
                while k < end:
                    p = bm[k] + ts[k]
                    if p >= em[k]:
                        break
                    c = src[p]
                    if (c == "=" or c == "-") and not src[p:em[k]].rstrip(" \t").strip(c):
                        break
                    k += 1
                if k >= end or bm[k] + ts[k] >= em[k]:
                    if state.sCount[line] - state.blkIndent < 4:
                        state.parentType = "paragraph"
                    continue
            if fn(state, line, end, silent):
                return True
        return False

    return gate


# First characters of an item's text that could open a block of their own inside
# the item (a quote, rule, list, heading, HTML, reference or indented code).
_NOT_PLAIN = frozenset(" \t>*-_+#<[0123456789")


def _simple_list(state, line, end) -> bool:
    """The tokens markdown-it's list rule makes for a top-level tight bullet list
    whose items are one line each ("- text", the marker in column 0, one space),
    made directly: the rule runs a nested block parse per item, a sizeable part
    of a task list's parse. False, with nothing changed, for any other list (see
    `simple_list_span`)."""
    span = simple_list_span(state, line, end)
    if span is None:
        return False
    last, stop = span
    trim = _md_trim()
    src, bm, em = state.src, state.bMarks, state.eMarks
    c = src[bm[line]]
    push = state.push
    tok = push("bullet_list_open", "ul", 1)
    tok.map, tok.markup = [line, stop], c
    for k in range(line, last + 1):
        tok = push("list_item_open", "li", 1)
        tok.map, tok.markup = [k, k + 1 if k < last else stop], c
        tok = push("paragraph_open", "p", 1)
        tok.map, tok.hidden = [k, k + 1], True
        tok = push("inline", "", 0)
        tok.map, tok.content, tok.children = [k, k + 1], trim(src[bm[k] + 2 : em[k]]), []
        push("paragraph_close", "p", -1).hidden = True
        push("list_item_close", "li", -1).markup = c
    push("bullet_list_close", "ul", -1).markup = c
    state.line = stop
    return True


def simple_list_span(state, line, end) -> tuple[int, int] | None:
    """(last item line, line after the list) of a top-level tight bullet list of
    one-line items ("- text", the marker in column 0, one space) starting at
    `line`, or None for any other list: an item whose text could open a block, a
    second line (continuation, indent, or any other line but the next item or an
    empty one), a blank line inside the list, a line after the blanks that could
    continue it, a nested state."""
    if state.level or state.blkIndent or state.listIndent != -1 or end != state.lineMax \
            or state.md.options.get("tasklists") or _md_trim() is None:
        return None
    src, bm, em, ts = state.src, state.bMarks, state.eMarks, state.tShift
    b = bm[line]
    c = src[b]
    if ts[line] or c not in "-*+":
        return None
    k = line
    while True:
        b = bm[k]
        if ts[k] or em[k] - b < 3 or src[b] != c or src[b + 1] != " " or src[b + 2] in _NOT_PLAIN \
                or src.startswith(("```", "~~~"), b + 2):
            return None
        k += 1
        if k >= end or em[k] == bm[k]:  # the end, or an empty line
            break
    stop = k if k >= end else k + 1 if k + 1 >= end else state.skipEmptyLines(k + 1)
    if stop < end and (state.sCount[stop] >= 2 or src[bm[stop] + ts[stop]] == c):
        return None  # the last item or the list may go on after the blank lines
    return k - 1, stop


@lru_cache(maxsize=1)
def _md_trim():
    """The function markdown-it's paragraph rule trims a paragraph with, or None
    (and no shortcut made paragraphs) when that rule uses another."""
    import sys

    return getattr(sys.modules.get("markdown_it.rules_block.paragraph"), "mdTrim", None)


# First characters of a line that some rule ending a paragraph may start with
# (fence, quote, rule, list, HTML block, heading), plus setext underlines and
# indents: only lines starting otherwise are taken as plain continuation lines.
_ACTIVE = frozenset("`~>*-_+#<[|:=0123456789 \t")
# A run of whole lines (each with its newline) that `simple_paragraph_stop` takes as plain
# continuation lines: first character not in `_ACTIVE`, or "*" followed by neither a blank
# nor the line end on a line holding something besides "*", spaces and tabs; and the next
# line not starting (after spaces and tabs) with "|", "-" or ":".
_PLAIN_LINES = re.compile(r"(?:(?:[^\n`~>*\-_+#<\[|:=0-9 \t]|\*(?=[^ \t\n])(?=[^\n]*[^\n* \t]))[^\n]*\n(?![ \t]*[|:\-]))*")


def _simple_paragraph(state, line, end) -> bool:
    """The tokens of a top-level paragraph, made without the setext heading rule
    and the paragraph rule: the first scans the lines below for an underline, the
    second offers each of them to every rule that can end a paragraph, and both
    run once per paragraph of a big document. Reached once the rules before
    setext headings have declined the first line. False, with nothing changed,
    when `simple_paragraph_stop` declines it, for those two rules to take."""
    k = simple_paragraph_stop(state, line, end)
    if k < 0:
        return False
    content = _md_trim()(state.getLines(line, k, 0, False))
    state.line = k
    tok = state.push("paragraph_open", "p", 1)
    tok.map = [line, k]
    tok = state.push("inline", "", 0)
    tok.content, tok.map, tok.children = content, [line, k], []
    state.push("paragraph_close", "p", -1)
    return True


def simple_paragraph_stop(state, line, end) -> int:
    """The line after a top-level paragraph starting at `line` (which the rules
    before setext headings decline), found without those two rules: a line in
    column 0 whose first character no rule ending a paragraph starts with (and
    not above a possible table delimiter row) continues it; any other line is
    offered to those rules as markdown-it offers it (the paragraph ends there
    when one takes it). -1 for an indented line, a possible underline or a
    nested state, which the rules then take; `state.parentType` is left as
    either rule leaves it."""
    if state.level or state.blkIndent or state.listIndent != -1 or end != state.lineMax or state.sCount[line] >= 4 \
            or _md_trim() is None:
        return -1
    src, bm, em, ts = state.src, state.bMarks, state.eMarks, state.tShift
    enders = None
    plain = _PLAIN_LINES.match
    k = line + 1
    while k < end:
        b = bm[k]
        stop = plain(src, b).end()
        if stop > b:  # lines the loop below would take as plain continuation lines, skipped at once
            k += src.count("\n", b, stop)
            if k >= end:
                break
        p = bm[k] + ts[k]
        e = em[k]
        if p >= e:  # an empty line ends it
            break
        if ts[k]:
            return -1
        c = src[p]
        if c in _ACTIVE:
            if (c == "-" or c == "=") and not src[p:e].rstrip(" \t").strip(c):
                return -1  # a setext underline
            # "**Key:** value" is no rule (only "*", spaces and tabs) and no list item ("* "):
            # like a plain line it is offered to those rules only above a possible delimiter row.
            ask = c != "*" or e - p < 2 or src[p + 1] in " \t" or not src[p:e].strip("* \t")
        else:
            ask = False
        if not ask and k + 1 < end:
            q = bm[k + 1] + ts[k + 1]
            ask = q < em[k + 1] and src[q] in "|-:"
        if ask:
            if _opens_block(src, p, e, c):
                break
            if enders is None:
                enders = state.md.block.ruler.getRules("paragraph")
            state.parentType = "paragraph"  # as those rules see it, from either rule
            for rule in enders:
                if rule(state, k, end, True):
                    break
            else:
                k += 1
                continue
            break
        k += 1
    state.parentType = "paragraph"  # what the setext rule leaves behind when it declines
    return k


def _opens_block(src: str, p: int, e: int, c: str) -> bool:
    """Whether a line in column 0 (from `p` to `e`, first character `c`) surely opens
    a block that ends a paragraph, without asking the rules: a fence (three markers
    or more, no backtick in a backtick fence's info), a list item with text ("- x")
    or an ATX heading. False leaves the question to the rules."""
    if c == "`" or c == "~":
        run = len(src[p:e]) - len(src[p:e].lstrip(c))
        return run >= 3 and not (c == "`" and "`" in src[p + run : e])
    if c == "-" or c == "*" or c == "+":
        return e - p >= 3 and src[p + 1] == " " and src[p + 2] not in " \t"
    if c == "#":
        n = len(src[p:e]) - len(src[p:e].lstrip("#"))
        return n <= 6 and (p + n == e or src[p + n] in " \t")
    return False


# Stands in for every token inside a table: the table rule fills it and it is dropped.
_DROPPED = None


def _table_outline(fn, state, line, end) -> bool:
    """Run markdown-it's table rule keeping only its table_open and table_close
    tokens. The nodes read a table's cells from its source lines, so the tokens
    of its rows and cells (three per cell, half the tokens of a spec with a big
    coverage matrix) were built for nothing. The rule decides exactly as before;
    the levels inside a table are never read and balance out at its close."""
    global _DROPPED
    if _DROPPED is None:
        from markdown_it.token import Token

        _DROPPED = Token("dropped", "", 0)
    push = state.push

    def outline(ttype, tag, nesting):
        if ttype == "table_open" or ttype == "table_close":
            return push(ttype, tag, nesting)
        return _DROPPED

    state.push = outline
    try:
        return _quick_split(fn)(state, line, end, False)
    finally:
        del state.push


@lru_cache(maxsize=4)
def _quick_split(fn):
    """The table rule `fn` with its cell splitter (`escapedSplit`, a loop over every
    character of every row) cutting a row without a backslash by `str.split`: only
    a backslash makes a pipe no separator, so the cells are the same."""
    slow = fn.__globals__.get("escapedSplit")
    if slow is None:
        return fn
    names = dict(fn.__globals__, escapedSplit=lambda row: slow(row) if "\\" in row else row.split("|"))
    return types.FunctionType(fn.__code__, names, fn.__name__, fn.__defaults__, fn.__closure__)


def _token_rows(tokens: list) -> list[tuple]:
    """Comparable rows of a token stream, the rows and cells inside tables left out
    (the gated parser does not build them, see `_table_outline`)."""
    rows = []
    inside = False
    for t in tokens:
        if t.type == "table_close":
            inside = False
        elif inside:
            continue
        elif t.type == "table_open":
            inside = True
        rows.append((t.type, t.tag, t.nesting, t.level, t.map, t.info, t.markup, t.content, t.block, t.hidden))
    return rows


# Small documents exercising every block rule, interruption and nesting; the gated
# parser is used only when it gives the same tokens as markdown-it's own on all of them.
PROBES = (
    "# H\n\npara\nline\n===\n\n- a\n  - b\n    1. c\n* d\n+ e\n\n> q\n> - x\n\n---\n***\n___\n",
    "text\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~~ yaml\nk: v\n~~~\n```bash\n# not a heading\n```\n",
    "    code\n\n[ref]: /url 'title'\n<!-- c -->\n<div>\nx\n</div>\npara\n- item\n2. two\n1. one\n",
    "a | b\n-- | --\nc | d\ntext\n## H2 ##\n#nope\n-not\n-\n>\n[x]\n<\n`\n~\n\t- tab\n",
    "**k:** v\n- `a`\n- b  \n- c\n\ntext\n* x\n* y\n\n\n* z\n- w\n\n  more\n- 1. n\n- v\nlazy\n+ u\n\n+ t\n- s\n",
    "- a\u00a0\n- b\u2002\n\np\u00a0\nq\u2002\n",  # characters one trim may strip and another keep
    "**Setup:**\n```bash\nx\n```\n**a:** b\n**c**\nplain é\n~~~\ny\n~~~\nt\n***\nu\n* v\n",
)


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
    if "\\|" not in s and (not protect or "`" not in s):  # nothing escaped or protected
        return list(map(str.strip, s.split("|")))
    return split_cells(s, protect)


def split_cells(s: str, protect: bool) -> list[str]:
    """Cells of a row without its outer pipes, read character by character."""
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
    """A table node of pipe rows; delimiter rows are left out (and make it "gfm")."""
    text = "\n".join(lines)
    if "\\" in text or "`" in text:
        cells = [split_row(ln) for ln in lines]
    else:  # nothing escaped or protected: every row's outer pipes dropped at once, as `split_row` drops them
        bare = ("\n" + "\n".join(map(str.strip, lines)) + "\n").replace("\n|", "\n").replace("|\n", "\n")
        cells = [list(map(str.strip, row.split("|"))) for row in bare[1:-1].split("\n")]
    seps = {k for k in [k for k, ln in enumerate(lines) if not _NOT_SEP_RE.search(ln)] if _is_separator(cells[k])}
    rows = [c for k, c in enumerate(cells) if k not in seps] if seps else cells
    return Node("table", start, depth=depth, rows=rows, end=start + len(lines) - 1, header=True,
                info="gfm" if seps else "")


def _is_pipe_line(s: str) -> bool:
    s = s.strip()
    return s.startswith("|") and s.count("|") >= 2


def parse_tokens(text: str) -> list:
    """markdown-it's block tokens for a text (every `map` is 0-based, end exclusive)."""
    md = _parser()
    if "\r" in text or "\0" in text:
        return md.parse(text)
    return _block_tokens(md, text)


def _block_tokens(md, text: str) -> list:
    """The block step alone, on a text the core's normalize step would leave as it is
    (no CR, no NUL): it would cost a regex substitution per line for nothing."""
    tokens: list = []
    if text:  # what markdown-it's block parse does, with a faster state
        state = _state_class()(text, md, {}, tokens)
        md.block.tokenize(state, state.line, state.lineMax)
    return tokens


# The fields of markdown-it's Token, each set by `_State.push`.
_TOKEN_FIELDS = ("type", "tag", "nesting", "attrs", "map", "level", "children", "content", "markup", "info", "meta",
                 "block", "hidden")


@lru_cache(maxsize=1)
def _state_class():
    """`_State`, or markdown-it's own state when its Token has other fields than
    those `_State.push` sets."""
    import dataclasses

    from markdown_it.rules_block.state_block import StateBlock
    from markdown_it.token import Token

    if tuple(f.name for f in dataclasses.fields(Token)) != _TOKEN_FIELDS:
        return StateBlock
    md = plain_parser()
    for text in PROBES + _MARK_PROBES:  # the line marks as markdown-it's own state cuts them
        if line_marks(text) != _marks(StateBlock(text, md, {}, [])):
            return StateBlock

    new = Token.__new__

    class _State(StateBlock):
        """markdown-it's block state, three of its steps done with fewer Python steps:
        the line marks are cut by `line_marks` instead of a loop over the lines,
        `push` (every token) fills the token's fields directly instead of through the
        dataclass constructor, and `getLines` (every paragraph, fence and HTML block)
        takes lines that need no indent removed, and that no blockquote or checkbox
        has moved the start of, as one slice of the source."""

        takes_lines = True  # see `block_state`

        def __init__(self, src, md, env, tokens, lines=None) -> None:
            super().__init__("", md, env, tokens)  # every other field as markdown-it sets it
            self.src = src
            self.bMarks, self.eMarks, self.tShift, self.sCount = line_marks(src, lines)
            self.bsCount = [0] * len(self.bMarks)
            self.lineMax = len(self.bMarks) - 1
            self.starts = self.bMarks[:]  # line starts as read

        def push(self, ttype, tag, nesting):
            token = new(Token)
            token.type, token.tag, token.nesting, token.attrs, token.map = ttype, tag, nesting, {}, None
            token.children, token.content, token.markup, token.info, token.meta = None, "", "", "", {}
            token.block, token.hidden = True, False
            if nesting < 0:
                self.level -= 1
            token.level = self.level
            if nesting > 0:
                self.level += 1
            self.tokens.append(token)
            return token

        def getLines(self, begin, end, indent, keepLastLF):
            b = self.bMarks
            if indent or not begin < end <= self.lineMax or b[begin:end] != self.starts[begin:end]:
                return super().getLines(begin, end, indent, keepLastLF)
            return self.src[b[begin] : self.eMarks[end - 1] + 1 if keepLastLF else self.eMarks[end - 1]]

    return _State


def block_state(src: str, md, tokens: list, lines: list[str] | None = None):
    """A block state for `src` as `_state_class()` makes it; `lines`, when given,
    must be `src.split("\n")` (the fast state then does not split it again)."""
    cls = _state_class()
    if lines is not None and getattr(cls, "takes_lines", False):
        return cls(src, md, {}, tokens, lines)
    return cls(src, md, {}, tokens)


def line_marks(src: str, lines: list[str] | None = None) -> tuple[list[int], list[int], list[int], list[int]]:
    """markdown-it's per-line marks of `src` (start, end, offset of the first
    character other than a space or tab, indent with tabs expanded), plus its
    closing entry, computed a list at a time: its own state walks the lines one
    by one in Python, a sizeable part of a big document's block parse. `lines`,
    when given, must be `src.split("\n")`."""
    if lines is None:
        lines = src.split("\n")
    if not lines[-1].strip(" \t"):  # after a final "\n", or a last line of blanks: no line
        lines = lines[:-1]
    lens = list(map(len, lines))
    size = len(src)
    begins = list(accumulate(map(add, lens, repeat(1)), initial=0))
    begins[-1] = size
    ends = list(map(add, begins, lens))
    ends.append(size)
    if src[:1] not in (" ", "\t") and "\n " not in src and "\n\t" not in src:  # no line starts with a blank
        shifts = [0] * len(begins)
        return begins, ends, shifts, shifts[:]
    shifts = list(map(sub, lens, map(len, map(str.lstrip, lines, repeat(" \t")))))
    shifts.append(0)
    counts = shifts[:]
    if "\t" in src:
        for k, n in enumerate(shifts):
            if n and "\t" in lines[k][:n]:
                offset = 0
                for ch in lines[k][:n]:
                    offset += 4 - offset % 4 if ch == "\t" else 1
                counts[k] = offset
    return begins, ends, shifts, counts


def _marks(state) -> tuple[list[int], list[int], list[int], list[int]]:
    return state.bMarks, state.eMarks, state.tShift, state.sCount


# Line shapes the line marks must get right: blank and tab-indented lines, a last
# line with or without its newline, blank or not.
_MARK_PROBES = ("", "\n", "a", " ", "\t", "a\n ", "a\n \t", " a\n\t b\n  \t c", "\n\n x \n", "x\n\t\n", "\t\t-\n \t>")


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
        if tt == "paragraph_open":  # the most frequent blocks first
            a, b = t.map
            _paragraph(nodes, src, a, b, depth, bool(items) and items[-1] == a, offset)
            i += 3
            continue
        if tt == "heading_open":
            content = tokens[i + 1].content
            if "<!--" in content:
                content = _COMMENT_RE.sub("", content)
            nodes.append(Node("heading", t.map[0] + 1 + offset, text=content.strip(), level=int(t.tag[1]), depth=depth,
                              end=t.map[1] + offset))
            i += 3
            continue
        if tt == "fence" or tt == "code_block":
            a, b = t.map
            nodes.append(Node("fence", a + 1 + offset, t.content, 0, depth, "", False, (t.info or "").strip(), b + offset))
        elif tt == "bullet_list_open" or tt == "ordered_list_open":
            depth += 1
        elif tt == "bullet_list_close" or tt == "ordered_list_close":
            depth -= 1
        elif tt == "list_item_open":
            items.append(t.map[0] if t.map else -1)
        elif tt == "list_item_close":
            items.pop()
        elif tt == "table_open":
            a, b = t.map
            nodes.append(table_from_lines(src[a:b], a + 1 + offset, depth))
            while i < n and tokens[i].type != "table_close":
                i += 1
        elif tt == "hr":
            nodes.append(Node("rule", t.map[0] + 1 + offset, depth=depth))
        i += 1
    return nodes


def _paragraph(nodes: list[Node], src: list[str], a: int, b: int, depth: int, opens_item: bool, offset: int) -> None:
    if not opens_item and b == a + 1:  # one line (a field name before its fence, a heading-like line)
        t = src[a].strip()
        if t and t[0] != "|" and t[0] != ">" and "<!--" not in t:
            nodes.append(Node("line", a + 1 + offset, t, 0, depth, "", True))
            return
    lines = src[a:b]
    if not opens_item:
        bodies = list(map(str.strip, lines))
        joined = "\n" + "\n".join(bodies)  # no body holds a "\n": "\n|" is a body starting with "|"
        if all(bodies) and "\n|" not in joined and "\n>" not in joined and "<!--" not in joined:
            # Plain text lines (most paragraphs): one node per line, nothing to unwrap.
            base = a + 1 + offset
            nodes += [Node("line", base + k, t, 0, depth, "", k == 0) for k, t in enumerate(bodies)]
            return
    _paragraph_lines(nodes, lines, a, depth, opens_item, offset)


def _paragraph_lines(nodes: list[Node], lines: list[str], a: int, depth: int, opens_item: bool, offset: int) -> None:
    """Line nodes of a paragraph with a list marker, quote markers, comments or pipe rows."""
    if any("<!--" in ln for ln in lines):  # blank out comments, keeping the line count
        chunk = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), "\n".join(lines))
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
        if not bullet and body[:1] == "|" and body.count("|") >= 2:  # _is_pipe_line(body)
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
