"""The block parser's shortcuts give the nodes markdown-it's own run gives.

`blocks._parser()` skips list attempts that cannot match, runs markdown-it's
block step without the (here no-op) normalize step, and keeps only the outer
tokens of tables. These tests compare the resulting nodes, and the table
extents, with markdown-it as configured (`blocks.plain_parser()`).
"""

from __future__ import annotations

import random

import pytest

from generator.spec import blocks


def plain_nodes(text: str) -> list[blocks.Node]:
    return blocks.tokens_to_nodes(blocks.plain_parser().parse(text), text.split("\n"))


def gated_nodes(text: str) -> list[blocks.Node]:
    return blocks.tokens_to_nodes(blocks.parse_tokens(text), text.split("\n"))


def table_maps(tokens: list) -> list[tuple]:
    return [(t.type, t.level, t.map) for t in tokens if t.type in ("table_open", "table_close")]


TABLES = [
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n# heading ends it\n| 3 |\n",
    "| a | b |\n|---|---|\n| 1 |\n> quote ends it\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n- list ends it\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n```\nfence ends it\n```\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\ntext after a blank\n",
    "| a | b |\n|---|---|\nno pipes still a row\n---\n",
    "- item\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n| 3 | 4 |\n",
    "> | a | b |\n> |---|---|\n> | 1 | 2 |\nlazy\n",
    "| a \\| b | c |\n|:--|--:|\n| `x|y` | z |\n    | code? |\n",
    "|a|\n|-|\n" + "|x|\n" * 50 + "para\n",
    "text\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "| a | b | c |\n|---|---|\n| 1 | 2 |\n",
]


@pytest.mark.parametrize("text", TABLES)
def test_tables_same_extent_and_nodes(text):
    assert table_maps(blocks.parse_tokens(text)) == table_maps(blocks.plain_parser().parse(text))
    assert gated_nodes(text) == plain_nodes(text)


def test_table_autocompleted_cell_limit_same_extent():
    # markdown-it stops a table once 65,536 cells had to be made up for short rows.
    head = "|" + "|".join("c" * 1 for _ in range(300)) + "|\n|" + "|".join("-" for _ in range(300)) + "|\n"
    text = head + "|x|\n" * 240 + "after\n"
    assert table_maps(blocks.parse_tokens(text)) == table_maps(blocks.plain_parser().parse(text))
    assert gated_nodes(text) == plain_nodes(text)


def test_table_rule_cell_splitter_splits_as_markdown_it():
    import sys

    table = sys.modules["markdown_it.rules_block.table"]
    quick = blocks._quick_split(table.table)
    assert quick is not table.table
    split = quick.__globals__["escapedSplit"]
    rnd = random.Random(3)
    for _ in range(3000):
        row = "".join(rnd.choice(("|", "\\", "a", " ", "`", "-", "\\|")) for _ in range(rnd.randint(0, 12)))
        assert split(row) == table.escapedSplit(row), row


def test_list_markers_glued_to_text_are_not_lists():
    text = "**Priority:** P1\n*emphasis* line\n-dash\n+plus\n- real\n* real\n+ real\n-\n*\n**\n"
    assert blocks._token_rows(blocks.parse_tokens(text)) == blocks._token_rows(blocks.plain_parser().parse(text))
    assert gated_nodes(text) == plain_nodes(text)


def test_text_needing_normalize_still_goes_through_it():
    for text in ("a\r\nb\r\n", "a\rb\n", "a\0b\n| x |\n|---|\n| \0 |\n"):
        assert blocks._token_rows(blocks.parse_tokens(text)) == blocks._token_rows(blocks.plain_parser().parse(text))


_FRAGMENTS = ["| a | b |", "|---|---|", "|:-:|", "a | b", "--|--", "| x", "x |", "", "# h", "> q", "- l", "* l",
              "**k:** v", "```", "    code", "text", "1. n", "<div>", "|", "||", "| `a|b` | c |", "---"]


def test_random_table_documents_same_nodes():
    rnd = random.Random(77)
    for _ in range(2000):
        lines = [" " * rnd.choice((0, 0, 0, 2, 4)) + rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, 20))]
        text = "\n".join(lines)
        assert table_maps(blocks.parse_tokens(text)) == table_maps(blocks.plain_parser().parse(text)), text
        assert gated_nodes(text) == plain_nodes(text), text


_LINES = ["text", "  indented", "> quoted", ">> q", "| a | b |", "|x", "a | b", "<!-- c -->", "x <!-- c", "-->",
          "**k:** v", "\u00a0", "- item", "1. one", "  ", "tail  "]


def test_plain_paragraph_shortcut_matches_line_reading():
    rnd = random.Random(5)
    for _ in range(3000):
        lines = [rnd.choice(_LINES) for _ in range(rnd.randint(1, 6))]
        depth, a, offset = rnd.randint(0, 2), rnd.randint(0, 9), rnd.choice((0, 40))
        fast: list[blocks.Node] = []
        blocks._paragraph(fast, ["pad"] * a + lines, a, a + len(lines), depth, False, offset)
        slow: list[blocks.Node] = []
        blocks._paragraph_lines(slow, lines, a, depth, False, offset)
        assert fast == slow, lines


GATE_CASES = [
    "para\n- item\n---\n", "para\n-x\n===\n", "para\n- - -\n", "para\n--  \n", "para\n== =\n", "para\n=\n",
    "para\n  -\n", "para\n\t---\n", "para\n-- x\nmore\n---\n", "a|b\n- -|-\n", "a|b\n-\n", "a | b\n-- |\n",
    "a | b\n|-\t|\n", "a | b\n:-\n", "a | b\n|x|\n", "**k:** v\n- `x`\n- y\n", "x\n- a\n  ---\n",
]


@pytest.mark.parametrize("text", GATE_CASES)
def test_gate_refinements_same_tokens(text):
    for t in (text, "  " + text.replace("\n", "\n  "), "- " + text.replace("\n", "\n  ")):
        assert blocks._token_rows(blocks.parse_tokens(t)) == blocks._token_rows(blocks.plain_parser().parse(t)), t


def test_gate_skips_first_character_rules_for_other_characters():
    """A line starting with a character no rule asks for ("text", "| row") is
    offered only the rules without a first-character test."""
    md = blocks.plain_parser()
    calls = []
    for name, first in (("fence", "`"), ("heading", "#"), ("list", "-")):
        fn = next(r.fn for r in md.block.ruler.__rules__ if r.name == name)
        md.block.ruler.at(name, lambda s, a, b, q, fn=fn: calls.append(s.src[s.bMarks[a] + s.tShift[a]]) or fn(s, a, b, q))
    assert blocks.gate_rules(md)
    md.parse("text\nmore text\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\n# h\n- i\n```\nx\n```\n")
    assert calls and set(calls) <= {"`", "#", "-"}, calls


def _outside_tables(tokens: list) -> list:
    out, inside = [], False
    for t in tokens:
        inside = (inside or t.type == "table_open") and t.type != "table_close"
        if not inside or t.type == "table_open":
            out.append(t)
    return out


def test_fast_state_makes_equal_tokens_field_for_field():
    rnd = random.Random(11)
    lines = _FRAGMENTS + ["> > q", "- [ ] box", "- [x] done", "  ```", "    x", "\t> q", "   ", "~~~ y"]
    for _ in range(1500):
        text = "\n".join(" " * rnd.choice((0, 0, 1, 2, 4)) + rnd.choice(lines) for _ in range(rnd.randint(1, 20)))
        text += rnd.choice(("", "\n", "  ", "\n  "))
        fast = _outside_tables(blocks.parse_tokens(text))
        plain = _outside_tables(blocks.plain_parser().parse(text))
        assert fast == plain, text


def test_fast_state_cuts_lines_as_markdown_it():
    from markdown_it.rules_block.state_block import StateBlock

    md = blocks._parser()
    fast_cls = blocks._state_class()
    assert fast_cls is not StateBlock
    rnd = random.Random(12)
    for _ in range(1500):
        text = "".join(rnd.choice(("a", " ", "\t", "\n", "> ", "xy\n")) for _ in range(rnd.randint(1, 30)))
        fast, plain = fast_cls(text, md, {}, []), StateBlock(text, md, {}, [])
        for k in range(rnd.randint(0, 2)):  # a blockquote or checkbox moving a line start
            line = rnd.randrange(max(plain.lineMax, 1))
            fast.bMarks[line] = plain.bMarks[line] = min(plain.bMarks[line] + 1, plain.eMarks[line])
        for _ in range(5):
            a = rnd.randint(0, plain.lineMax)
            b = rnd.randint(a, plain.lineMax)
            indent, keep = rnd.choice((0, 0, 1, 4)), rnd.random() < 0.5
            assert _outcome(fast.getLines, a, b, indent, keep) == _outcome(plain.getLines, a, b, indent, keep), \
                (text, a, b, indent, keep)


def _outcome(fn, *args):
    try:
        return fn(*args)
    except IndexError as exc:  # markdown-it's own, for ranges its rules never ask for
        return type(exc)


def test_heading_definition_title_read_as_with_a_lazy_match():
    import re

    from generator.spec import records

    lazy = re.compile(rf"^[*`_]*({records._ID})[*`_]*(?:\s*(?:[:—–]|\s-\s|\s)\s*(.*?))?[*`_]*$")
    parts = ["SC-001", "T-12", "HS-3", "SC-EC-002", " ", "  ", ":", "—", " - ", "-", "*", "**", "`", "_", "x", "Title",
             "\n", "\t", "é", "(a)", "T-"]
    rnd = random.Random(21)
    for _ in range(20000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 8)))
        a, b = lazy.match(text), records._HEAD_DEF_RE.match(text)
        assert (a and (a.groups(), a.span())) == (b and (b.groups(), b.span())), repr(text)


def test_fast_state_starts_as_markdown_its_state():
    """`line_marks` and the fast state's other fields equal markdown-it's own on
    texts of blanks, tabs, indents and a last line with or without a newline."""
    from markdown_it.rules_block.state_block import StateBlock

    md = blocks._parser()
    fast_cls = blocks._state_class()
    assert fast_cls is not StateBlock
    rnd = random.Random(13)
    pieces = ("a", " ", "  ", "\t", "\n", "\n\n", "> ", "- ", "xy\n", " \t ", "\u00a0", "\u3000", "é")
    for _ in range(5000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        fast, plain = fast_cls(text, md, {}, []), StateBlock(text, md, {}, [])
        mine = dict(vars(fast))
        del mine["starts"]
        assert mine == vars(plain), repr(text)


_LIST_LINES = ["- item", "- `code` text", "- **bold**", "- x", "* star", "+ plus", "-  two spaces", "-\ttab", "- ",
               "-", "- - nested", "- 1. n", "- # h", "- > q", "- ```", "- ~~~", "- ``x``", "- <b>", "- [ref]",
               "- ---", "- ***", "- _x_", "- |a|", "- a | b", "- ===", "  - indented", " - one space", "   - three",
               "    - code", "1. one", "2) two", "", "", "", "  ", "\t", "text", "lazy line", "  cont", "    deep",
               "---", "===", "> quote", "```", "# head", "|---|", "<div>", "[r]: /u", "- [ ] box", "- [x] done",
               "- é", "- \u00a0nbsp", "-\u00a0x", "- x  ", "- \\- esc"]


def test_simple_list_tokens_equal_markdown_its():
    """Documents made mostly of list lines, one-line items mixed with every way a
    list can go on, nest, break or be interrupted: the gated parser's tokens
    (field for field) equal markdown-it's own."""
    rnd = random.Random(31)
    plain = blocks.plain_parser()
    for _ in range(4000):
        lines = [rnd.choice(_LIST_LINES) for _ in range(rnd.randint(1, 14))]
        if rnd.random() < 0.3:
            lines.insert(0, "**Key:** value")
        text = "\n".join(lines) + rnd.choice(("", "\n", "\n\n", "\n  "))
        fast = _outside_tables(blocks.parse_tokens(text))
        assert fast == _outside_tables(plain.parse(text)), text
        for wrap in ("> ", "- ", "  "):  # the same lines inside a quote, a list item, an indent
            inner = wrap + text.replace("\n", "\n" + wrap)
            assert _outside_tables(blocks.parse_tokens(inner)) == _outside_tables(plain.parse(inner)), inner


def _shortcut_calls(name: str, text: str) -> list[bool]:
    """What each call of the shortcut `blocks.<name>` answered while `text` was parsed;
    the tokens are checked against markdown-it's own on the way."""
    taken: list[bool] = []
    real = getattr(blocks, name)

    def spy(state, line, end):
        ok = real(state, line, end)
        taken.append(ok)
        return ok

    setattr(blocks, name, spy)
    try:
        tokens = blocks.parse_tokens(text)
    finally:
        setattr(blocks, name, real)
    assert _outside_tables(tokens) == _outside_tables(blocks.plain_parser().parse(text)), text
    return taken


def test_simple_list_taken_for_one_line_items():
    """The shortcut is taken for the task lists it is made for (so the test above
    compares it), and declines lists it does not handle."""
    texts = {"**Acceptance Criteria:**\n- `a()` works\n- errors\n- tests: 2+\n\n#### T-002\n": True,
             "- a\n- b\n\n- c\n": False, "- a\n  more\n": False, "- a\n\n  more\n": False, "text\n- a\n- b": True}
    for text, want in texts.items():
        assert any(_shortcut_calls("_simple_list", text)) == want, text


_PARA_LINES = ["plain text", "**Key:** value", "**Setup:**", "*em* x", "**", "***", "* * *", "* x", "*", "- x", "-",
               "--", "---", "- - -", "-x", "+ y", "+", "1. one", "2. two", "1) x", "12345678901. n", "===", "=", "= x",
               "| a | b |", "|---|---|", "a | b", "--|--", ":-:", ": x", "```", "```bash", "``x``", "~~~", "~~", "> q",
               "# h", "#nope", "<div>", "<!-- c -->", "[ref]: /u", "[x]", "_x_", "___", " lead", "   three", "    four",
               "\tTab", "\u00a0nbsp", "é", "", "", "  ", "\\*", "text  "]


def test_simple_paragraph_tokens_equal_markdown_its():
    """Paragraphs followed by every kind of line that may continue, end or turn
    them into something else (lists, rules, setext underlines, table rows, fences,
    quotes, HTML, headings, indents, tabs): the gated parser's tokens, field for
    field, equal markdown-it's own, at the top level and nested."""
    rnd = random.Random(41)
    plain = blocks.plain_parser()
    for _ in range(5000):
        lines = [rnd.choice(_PARA_LINES) for _ in range(rnd.randint(1, 12))]
        text = "\n".join(lines) + rnd.choice(("", "\n", "\n\n", "\n  "))
        assert _outside_tables(blocks.parse_tokens(text)) == _outside_tables(plain.parse(text)), text
        wrap = rnd.choice(("> ", "- ", "  ", "1. "))
        inner = wrap + text.replace("\n", "\n" + " " * len(wrap) if wrap != "> " else "\n> ")
        assert _outside_tables(blocks.parse_tokens(inner)) == _outside_tables(plain.parse(inner)), inner


def test_simple_paragraph_taken_for_field_paragraphs():
    """The shortcut makes the paragraphs of a spec's field lines (so the test above
    compares it) and leaves those with an underline or an indent to the rules."""
    texts = {"**Priority:** P0\n**Source:** NEW\n\n": True, "**Setup:**\n```bash\nx\n```\n": True,
             "**Acceptance Criteria:**\n- a\n- b\n": True, "Title\n===\n": False, "a\n  b\n": False}
    for text, want in texts.items():
        assert (_shortcut_calls("_simple_paragraph", text)[:1] == [True]) == want, text
