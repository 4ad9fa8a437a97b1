"""The record reading's shortcuts give what the straightforward reading gives.

Each test compares a shortcut in `records` with a plain reading written out
here, on seeded random nodes and on the nodes of the example spec, synthetic
specs and, when present, the corpus.
"""

from __future__ import annotations

import random

from test_parse_build_shortcuts import _spec_texts
from test_parse_refs_fast import random_nodes

from generator.spec import records
from generator.spec.toplevel import parse_nodes


def reference_choose(nodes, kinds):
    """Definitions chosen by offering every node to `_def_candidate`, strongest form per family."""
    cands, best = [], {}
    for i, n in enumerate(nodes):
        c = records._def_candidate(n, kinds)
        if c:
            form, ident, title = c
            fam = records.scenario_family(records.id_kind(ident))
            cands.append((i, form, ident, title))
            best[fam] = max(best.get(fam, -1), records.FORM_RANK[form])
    chosen, skipped = {}, []
    for i, form, ident, title in cands:
        fam = records.scenario_family(records.id_kind(ident))
        if records.FORM_RANK[form] == best[fam]:
            chosen[i] = (form, ident, title)
        elif form != "yaml":
            rank = best[fam]
            skipped.append(records.Skipped(ident, form, nodes[i].line,
                                           next(f for f, r in records.FORM_RANK.items() if r == rank)))
    return chosen, skipped


_KINDS = (("T",), ("SC", "SC-EC"), ("HS",), ("SC", "SC-EC", "DEF"), ("E",))


def test_choose_matches_offering_every_node():
    rnd = random.Random(31337)
    for _ in range(3000):
        nodes = random_nodes(rnd)
        for kinds in _KINDS:
            assert records._choose(nodes, kinds) == reference_choose(nodes, kinds)


def test_choose_on_spec_documents():
    seen = 0
    for code, kinds in records.DEFINES.items():
        for name, text in _spec_texts(code):
            nodes = parse_nodes(text, text.split("\n"))
            assert records._choose(nodes, kinds) == reference_choose(nodes, kinds), name
            seen += 1
    assert seen >= len(records.DEFINES) * 3


def test_heading_indexes():
    rnd = random.Random(5)
    for _ in range(500):
        nodes = random_nodes(rnd)
        assert records.heading_indexes(nodes) == [i for i, n in enumerate(nodes) if n.kind == "heading"]


_LINE_PIECES = ["**", "*", "GIVEN", "WHEN", "THEN", "AND", "Priority", "Setup", ":", "?", " ", "(x)", "|", " | ", "x",
                "é", "_", "`", "Scope S", "Depends on", "T-001", "CRITICAL", "\u00a0", "-", "GIVENS", "and"]


def test_bold_gwt_openings_are_gwt_lines():
    rnd = random.Random(17)
    for prefix in records._BOLD_GWT:
        for _ in range(300):
            text = prefix + "".join(rnd.choice(_LINE_PIECES) for _ in range(rnd.randint(0, 6)))
            assert records._GWT_RE.match(text), text


def test_line_form_reads_as_parse_field():
    """`_line_form` (and `_read_fields`' shortcut for "**GIVEN**" lines) reads each
    line as the GIVEN/WHEN/THEN test, `parse_field` and the pipe-record reading do."""
    rnd = random.Random(18)
    for _ in range(20000):
        text = "".join(rnd.choice(_LINE_PIECES) for _ in range(rnd.randint(1, 8)))
        gwt = bool(records._GWT_RE.match(text))
        f = records.parse_field(text)
        recs = ()
        if not gwt and f is None and " | " in text:
            r = records.parse_pipe_record(text)
            recs = tuple(r) if len(r) >= 2 else ()
        assert records._line_form.__wrapped__(text) == (gwt, None if recs else f, recs), text
