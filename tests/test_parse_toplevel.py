"""Top-level blocks read straight into nodes give markdown-it's own nodes.

`toplevel.read_nodes` reads headings, paragraphs, fences, one-line-item lists
and pipe tables itself and hands every other block to markdown-it's rules.
These tests compare its nodes, field for field, with `tokens_to_nodes` over
markdown-it run as configured (`blocks.plain_parser()`), on seeded random
documents, hand-written edge cases, the example spec, synthetic specs and,
when present, every corpus document; and whole parse results with the direct
reading on and off.
"""

from __future__ import annotations

import random

import pytest
from conftest import CORPUS, EXAMPLE_SPEC

from generator.model import DOCUMENTS
from generator.spec import blocks, parse_document, toplevel
from generator.spec.document import decode


def plain_nodes(text: str) -> list[blocks.Node]:
    return blocks.tokens_to_nodes(blocks.plain_parser().parse(text), text.split("\n"))


def direct_nodes(text: str) -> list[blocks.Node]:
    return toplevel.read_nodes(blocks._parser(), text, text.split("\n"))


def test_direct_reading_in_use():
    assert toplevel.usable()


_LINES = [
    "# h", "## h ##", "### x #", "#### #", "#x", "####### seven", "# h <!-- c -->", "#\tt", "# a | b", "#",
    "#### SC-001: Title", "**Priority:** P1", "**GIVEN** a thing", "**Setup:**", "plain text", "more text", "é ü",
    "\u00a0nbsp", "\u2002", "text  ", "*em* x", "**", "***", "* * *", "_a_", "___", "+x", "-x", "--", "---", "===",
    "- a", "- `b` c", "- a <!-- c -->", "* s", "+ p", "- - n", "- # h", "- ```", "-  two", "-\ttab", "- ", "-", "*",
    "  - indented", "1. one", "2) two", "```", "```bash", "```` x", "~~~", "~~~ yaml", "``` a`b", "   ```", "    ```",
    "| a | b |", "|---|---|", "| 1 | 2 |", "| 3 |", "|-|", "|", "||", "| `x|y` | z |", "a | b", "--|--", ":-:",
    " | r |", "> q", ">", "<div>", "</div>", "<!-- c -->", "<!-- c", "-->", "[r]: /u", "[x]", "    code", "\tcode",
    "  two", "", "", "", "  ", "\t", "**  ", "*\tx", "**\t**", "***x*", "* ", "x\t|", " :", "\t-",
]


def _random_text(rnd: random.Random) -> str:
    lines = [rnd.choice(_LINES) for _ in range(rnd.randint(1, 25))]
    return "\n".join(lines) + rnd.choice(("", "\n", "\n\n", "  ", "\n  ", "\n\t"))


def test_random_documents_same_nodes():
    rnd = random.Random(20260522)
    for _ in range(12000):
        text = _random_text(rnd)
        assert direct_nodes(text) == plain_nodes(text), text


def _spec_like(rnd: random.Random) -> str:
    """A document made of the block shapes a spec uses, with now and then a line that
    could change how the block around it reads."""
    blocks_ = [
        "#### SC-{n}: Title {n}\n\n**Priority:** P1\n**Source:** NEW\n**GIVEN** a\n**WHEN** b\n**THEN** c\n",
        "### HS-{n}: t\n\n```yaml\nscenario: s-{n}\n```\n\n**Validates:** SC-{n}\n\n**Setup:**\n```bash\nx\n```\n",
        "#### T-{n}: t\n\n**Dependency:** None\n**Acceptance Criteria:**\n- `a()` works\n- errors\n- tests: 2+\n",
        "### E-{n}: Rec\n\n**Scope:** PRIVATE\n\n| Field | Type |\n|---|---|\n| id | string |\n| s | int |\n",
        "## Section {n}\n\nSome prose\nover lines.\n",
    ]
    odd = ["---", "===", "  indented", "    code", "| x |", "|---|", "- item", "> q", "<div>", "```", "1. n", "\t- t",
           "text", "", "* * *", "**k:** v", "- a\n  b", "~~~"]
    out = []
    for n in range(rnd.randint(1, 8)):
        chunk = rnd.choice(blocks_).format(n=n + 1).split("\n")
        if rnd.random() < 0.5:
            chunk.insert(rnd.randrange(len(chunk) + 1), rnd.choice(odd))
        out += chunk
    return "\n".join(out)


def test_random_spec_like_documents_same_nodes():
    rnd = random.Random(5151)
    for _ in range(4000):
        text = _spec_like(rnd)
        assert direct_nodes(text) == plain_nodes(text), text


EDGE_CASES = [
    "# h\n===\n", "text\n===\n", "text\n---\n", "**k:** v\n---\n", "a | b\n--|--\nc\n", "# a | b\n|---|\n| c |\n",
    "| a |\n|---|\n| b |\ntext\n", "| a |\n|---|\n| b |\n  | c |\n", "| a |\n|---|\n| b |\n> q\n", "| a |\n|-|-|\n| b |\n",
    "```\nunclosed\n", "```\n  ```\n", "```\n    ```\n```\n", "````\n```\n````\n", "~~~\n```\n~~~\n", "```\n```  \n",
    "- a\n- b\n\n- c\n", "- a\n- b\n\n  c\n", "- a\n* b\n", "- a\n\ntext\n", "- a\n  b\n", "- a\n- b", "text\n- a\n",
    "**A:**\n- a\n- b\n", "para\n    lazy\n", "para\n| x |\n|---|\n", "#\n", "#  \n", "# #\n", "## a ##  \n", "# a\\#\n",
    "\u00a0\n", "*\n", "-\n", "+\n", "_\n", "* x\n", "+ x\n", "*x*\n", "_x_\n", "+x\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_same_nodes(text):
    for t in (text, text.rstrip("\n"), "para\n\n" + text, text + "\ntext\n"):
        assert direct_nodes(t) == plain_nodes(t), t


def _taken(name: str, text: str) -> list[bool]:
    """Whether each call of `toplevel.<name>` read its block (nodes checked on the way)."""
    taken: list[bool] = []
    real = getattr(toplevel, name)

    def spy(*args):
        stop = real(*args)
        taken.append(stop >= 0)
        return stop

    setattr(toplevel, name, spy)
    try:
        assert direct_nodes(text) == plain_nodes(text), text
    finally:
        setattr(toplevel, name, real)
    return taken


def test_each_direct_reading_is_taken_for_its_shape():
    """The readings are taken for the shapes they are made for (so the tests above
    compare them) and decline the others."""
    cases = {
        ("_heading", "# Title\n"): True, ("_heading", "#nope\n"): False, ("_heading", "####### x\n"): False,
        ("_fence", "```bash\nx\n```\n"): True, ("_fence", "```\nopen\n"): False, ("_fence", "``` a`b\n```\n"): False,
        ("_list", "- a\n- b\n"): True, ("_list", "- a\n  more\n"): False,
        ("_table", "| a |\n|---|\n| b |\n"): True, ("_table", "| a |\n|---|\n| b |\nrow\n"): False,
    }
    for (name, text), want in cases.items():
        assert any(_taken(name, text)) == want, (name, text)


def test_probes_catch_a_wrong_reading(monkeypatch):
    """`usable` turns the direct reading off when it disagrees with markdown-it."""
    real = toplevel._heading

    def off_by_one(s, line, nodes):
        stop = real(s, line, nodes)
        if stop >= 0:
            nodes[-1].level += 1
        return stop

    monkeypatch.setattr(toplevel, "_heading", off_by_one)
    assert toplevel.usable.__wrapped__() is False


def test_text_with_cr_or_nul_goes_through_markdown_it():
    for text in ("a\r\nb\n", "# h\n\0\n"):
        assert toplevel.parse_nodes(text, text.split("\n")) == blocks.tokens_to_nodes(blocks.parse_tokens(text),
                                                                                      text.split("\n"))


def _texts(folder):
    for path in sorted(folder.rglob("*.md")):
        text, problem = decode(path.name, path.read_bytes())
        if text:
            yield path, text


def test_example_spec_same_nodes():
    found = list(_texts(EXAMPLE_SPEC))
    assert len(found) >= 10
    for path, text in found:
        assert direct_nodes(text) == plain_nodes(text), path


def test_corpus_same_nodes():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available: {CORPUS}")
    found = list(_texts(CORPUS))
    assert found
    for path, text in found:
        assert direct_nodes(text) == plain_nodes(text), path


@pytest.mark.parametrize("style", ["full", "compressed"])
def test_synthetic_spec_same_results_with_and_without_direct_reading(tmp_path, style, monkeypatch):
    from synth import generate_spec

    spec = tmp_path / "spec"
    generate_spec(spec, tasks=40, style=style, seed=9)
    codes = {name: code for code, name in DOCUMENTS.items()}
    paths = sorted(spec.glob("*.md"))
    assert len(paths) == 10
    for p in paths:
        text = p.read_text()
        assert direct_nodes(text) == plain_nodes(text), p
    direct = {p.name: parse_document(codes[p.name], p.name, p.read_bytes()) for p in paths}
    monkeypatch.setattr(toplevel, "usable", lambda: False)
    monkeypatch.setattr(blocks, "_parser", blocks.plain_parser)
    plain = {p.name: parse_document(codes[p.name], p.name, p.read_bytes()) for p in paths}
    assert direct == plain


def _paragraph_stops(text: str) -> list[tuple[int, int, str]]:
    """(line, `simple_paragraph_stop`, parent type left) for every line of `text`, each
    read from a fresh state."""
    md = blocks._parser()
    out = []
    for line in range(len(text.split("\n"))):
        state = blocks._state_class()(text, md, {}, [])
        if line < state.lineMax and state.bMarks[line] + state.tShift[line] < state.eMarks[line]:
            stop = blocks.simple_paragraph_stop(state, line, state.lineMax)
            out.append((line, stop, state.parentType))
    return out


def test_plain_line_runs_skipped_as_the_line_loop_takes_them(monkeypatch):
    """`simple_paragraph_stop` skips runs of plain lines with one regex; with the
    regex matching nothing (every line read by the loop) the stops are the same."""
    import re

    rnd = random.Random(808)
    texts = [_random_text(rnd) for _ in range(2500)] + [_spec_like(rnd) for _ in range(500)]
    fast = [_paragraph_stops(t) for t in texts]
    monkeypatch.setattr(blocks, "_PLAIN_LINES", re.compile("(?!)|"))
    assert blocks._PLAIN_LINES.match("text\n").end() == 0
    for text, want in zip(texts, fast):
        assert _paragraph_stops(text) == want, text


def test_paragraph_ends_at_sure_block_openers_as_the_rules_say(monkeypatch):
    """`simple_paragraph_stop` ends a paragraph at a fence, a list item or a heading
    without asking the rules; asking them every time gives the same stops."""
    rnd = random.Random(909)
    texts = [_random_text(rnd) for _ in range(2500)] + [_spec_like(rnd) for _ in range(500)]
    fast = [_paragraph_stops(t) for t in texts]
    monkeypatch.setattr(blocks, "_opens_block", lambda *args: False)
    for text, want in zip(texts, fast):
        assert _paragraph_stops(text) == want, text


def _table_long_way(lines: list[str], start: int, depth: int) -> blocks.Node:
    """A table node read row by row with `split_row`."""
    rows, has_sep = [], False
    for ln in lines:
        cells = blocks.split_row(ln)
        if not blocks._NOT_SEP_RE.search(ln) and blocks._is_separator(cells):
            has_sep = True
            continue
        rows.append(cells)
    return blocks.Node("table", start, depth=depth, rows=rows, end=start + len(lines) - 1, header=True,
                       info="gfm" if has_sep else "")


_ROW_PIECES = ["|", "||", " ", "  ", "a", "b c", "-", "--", ":", ":-:", "\\|", "\\", "`", "`x|y`", "é", "\u00a0", "\t",
               "\u2002", "\u3000", "\x1c", "—", "x "]


def test_table_rows_cut_as_row_by_row():
    rnd = random.Random(3030)
    for _ in range(6000):
        lines = ["".join(rnd.choice(_ROW_PIECES) for _ in range(rnd.randint(0, 9))) for _ in range(rnd.randint(1, 6))]
        if rnd.random() < 0.6:  # most tables hold nothing escaped or protected
            lines = [ln.replace("\\", "").replace("`", "") for ln in lines]
        assert blocks.table_from_lines(lines, 7, 1) == _table_long_way(lines, 7, 1), lines


def test_probe_tokens_are_markdown_its_own():
    """The probes compare with tokens parsed once; they equal a fresh parse."""
    for text in toplevel._PROBES + blocks.PROBES:
        assert blocks.probe_tokens(text) == blocks.plain_parser().parse(text), text


def test_line_marks_from_given_lines_as_markdown_its_state():
    """`line_marks` cuts the marks markdown-it's state cuts, from the text alone or
    from its lines (left as they were), with and without indented lines."""
    from markdown_it.rules_block.state_block import StateBlock

    md = blocks._parser()
    rnd = random.Random(14)
    pieces = ("a", "b c", " ", "  ", "\t", "\n", "\n\n", "\n ", "\n\t", "- ", "xy\n", " \t ", "\u00a0", "é", "\n|")
    for _ in range(6000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        lines = text.split("\n")
        want = blocks._marks(StateBlock(text, md, {}, []))
        assert blocks.line_marks(text) == want, repr(text)
        assert blocks.line_marks(text, lines) == want, repr(text)
        assert lines == text.split("\n")
        state = blocks.block_state(text, md, [], lines)
        assert blocks._marks(state) == want and state.src == text, repr(text)


def test_direct_reading_off_for_other_rules():
    """A parser with another rule (or another rule order, or a table-ending rule that
    may start a row) is left to markdown-it's own rules."""
    md = blocks.plain_parser()
    assert toplevel._known_rules(md)
    md.block.ruler.disable("html_block")
    assert not toplevel._known_rules(md)
    md = blocks.plain_parser()
    md.block.ruler.before("paragraph", "extra", lambda state, start, end, silent: False, {"alt": ["blockquote"]})
    assert not toplevel._known_rules(md)
