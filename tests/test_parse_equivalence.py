"""The parser's speed-ups change nothing: same markdown-it tokens, same cells, same results.

`blocks._parser()` puts a gate in front of markdown-it's block rule chains that
skips rules which would return False for a line. These tests compare it with
markdown-it run as configured (`blocks.plain_parser()`), token for token, on
hand-written edge cases, seeded random documents, our example spec, synthetic
specs and, when present, every corpus document; and whole parse results with
the gate on and off.
"""

from __future__ import annotations

import random

import pytest
from conftest import CORPUS, EXAMPLE_SPEC

from generator.model import DOCUMENTS
from generator.spec import blocks, parse_document
from generator.spec.document import decode


@pytest.fixture(scope="module")
def parsers():
    gated = blocks._parser()
    assert gated.block.ruler.getRules("") != blocks.plain_parser().block.ruler.getRules(""), "gate not in use"
    return gated, blocks.plain_parser()


def same_tokens(parsers, text: str) -> bool:
    gated, plain = parsers
    return blocks._token_rows(gated.parse(text)) == blocks._token_rows(plain.parse(text))


EDGE_CASES = [
    "para\n===\n", "para\nmore\n---\n", "- a\n---\n", "para\n- item\n---\n", "text\n***\n* * *\n- - -\n_ _ _\n",
    "-\n--\n---\n", "a | b\n--|--\nc | d\n", "|a|\n|-|\n", "para\n| a | b |\n|---|---|\n", "x\n:-:\n",
    "    code\n  - list\n      code in list\n", "> quote\nlazy\n> - item\n>\n> ---\n", "1. one\n2) two\n10. ten\n",
    "para\n2. not a list\n1. a list\n", "<div>\n# in html\n</div>\n", "<!-- c\n# in comment\n-->\n",
    "[ref]: /url\n[ref2]:\n/url\n'title'\n", "```\n# in fence\n```\n~~~~ yaml\nk: v\n~~~~\n", "#\n# \n#x\n####### seven\n",
    "- a\n\n  ===\n- b\n  ---\n", "\t- tab\n\t\t- nested\n", "text\n    ---\n", "text\n   ===\n", "- a\n -\n  ---",
    "* a\n\n* b\n+ c\n", "> > nested\n> lazy\n---\n", "para\n<div>\nx\n", "| a |\n|---|\n| b |\ntext\n---\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_same_tokens(parsers, text):
    assert same_tokens(parsers, text)
    assert same_tokens(parsers, text.replace("\n", "\r\n"))
    assert same_tokens(parsers, "  " + text.replace("\n", "\n  "))


_FRAGMENTS = [
    "# h", "## h ##", "#x", "text", "more text", "a | b", "|a|b|", "|---|---|", "--- | ---", ":-:|-", "-", "---", "===",
    "- x", "* x", "+ x", "1. x", "2) x", "10. x", "> q", ">", "```", "```py", "~~~", "    code", "\tcode", "[r]: /u",
    "[r]:", "<div>", "</div>", "<!-- c", "-->", "***", "___", "* * *", "- - -", "", "", "  - n", "   > q", "<script>",
    "</script>", "**b:** v", "\\| x", "`a|b`", "- [ ] t", "1.", "-  ", ">- x", "- ---", "text ---",
]


def test_random_documents_same_tokens(parsers):
    rnd = random.Random(20260321)
    for _ in range(3000):
        lines = [" " * rnd.choice((0, 0, 0, 1, 2, 3, 4, 6)) + rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, 25))]
        text = "\n".join(lines)
        assert same_tokens(parsers, text), text


def _texts(folder):
    for path in sorted(folder.rglob("*.md")):
        text, problem = decode(path.name, path.read_bytes())
        if text is not None:
            yield path, text


def test_example_spec_same_tokens(parsers):
    found = list(_texts(EXAMPLE_SPEC))
    assert len(found) >= 10
    for path, text in found:
        assert same_tokens(parsers, text), path


@pytest.mark.parametrize("style", ["full", "compressed"])
def test_synthetic_spec_same_tokens_and_results(parsers, tmp_path, style, monkeypatch):
    from synth import generate_spec

    spec = tmp_path / "spec"
    generate_spec(spec, tasks=40, style=style, seed=5)
    found = list(_texts(spec))
    assert len(found) == 10
    for path, text in found:
        assert same_tokens(parsers, text), path
    codes = {name: code for code, name in DOCUMENTS.items()}
    gated = {p.name: parse_document(codes[p.name], p.name, p.read_bytes()) for p, _ in found}
    monkeypatch.setattr(blocks, "_parser", blocks.plain_parser)
    plain = {p.name: parse_document(codes[p.name], p.name, p.read_bytes()) for p, _ in found}
    assert gated == plain


def test_corpus_same_tokens(parsers):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available: {CORPUS}")
    found = list(_texts(CORPUS))
    assert found
    for path, text in found:
        assert same_tokens(parsers, text), path


def test_unknown_rule_chain_is_left_alone():
    md = blocks.plain_parser()
    extra = lambda state, start, end, silent: False  # noqa: E731
    md.block.ruler.push("extra", extra)
    assert blocks.gate_rules(md) is False
    assert md.block.ruler.getRules("")[-1] is extra
    assert [t.type for t in md.parse("# a\n\ntext\n")][:1] == ["heading_open"]


@pytest.mark.parametrize("row", [
    "| a | b |", "a|b", "|a|", "| `x|y` | z |", "| `x|y | z |", "| a \\| b | c |", "| \\\\| x |", "| `a` | `b|c` |",
    "|", "||", "| | |", "`|`", "| a | b \\|", "| ` | ` | ` |", "| é | ü |",
])
def test_split_row_fast_path_matches_character_reading(row):
    s = row.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    assert blocks.split_row(row) == blocks.split_cells(s, s.count("`") % 2 == 0)
