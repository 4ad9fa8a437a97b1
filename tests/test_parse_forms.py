"""The format variants of a D document, each on a small hand-written fixture.

One test per variant so a regression names the form it broke.
"""

from __future__ import annotations

import pytest

from generator.model import DOCUMENTS
from generator.spec import parse_document
from generator.spec.blocks import parse_blocks


def parse(code: str, text: str | bytes):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return parse_document(code, DOCUMENTS[code], data)


def scenarios(body: str):
    res = parse("D2", "# D2: Specification — Pantry\n\n## Scenarios\n\n" + body)
    return res.parts["specification"].scenarios


@pytest.mark.parametrize("body, title", [
    ("#### SC-001: Stock a shelf\n\n**Priority:** P1 (must-have)\n", "Stock a shelf"),
    ("### SC-001 — Stock a shelf\n\n- Priority: P1\n", "Stock a shelf"),
    ("## SC-001 - Stock a shelf\n\n- Priority: P1\n", "Stock a shelf"),
    ("#### SC-001\n\nPriority: P1\n", ""),
    ("**SC-001 — Stock a shelf**\n\n- Priority: P1\n", "Stock a shelf"),
    ("SC-001 Stock a shelf\n\n- Priority: P1\n", "Stock a shelf"),
])
def test_id_definition_forms(body, title):
    (sc,) = scenarios(body)
    assert (sc.id, sc.title, sc.priority, sc.source.line) == ("SC-001", title, "P1", 5)


def test_bullet_definition_without_fields():
    (sc,) = scenarios("- SC-001: Stock a shelf\n- SC-002: Empty a shelf\n")[:1]
    assert (sc.id, sc.title, sc.priority) == ("SC-001", "Stock a shelf", "")


def test_bullet_pipe_records():
    res = parse("D6", "# D6: Gap Analysis — Pantry\n\n## Boundary Analysis\n\n"
                      "- GAP-1: Data In | What Is Needed: a path | Shared? (YES/NO): YES | Resolution: ASSUMED — fine\n"
                      "- GAP-2: Data Out | Need: b | Shared? (YES/NO): NO | Resolution: RESOLVED (ASSUMED) — ok\n")
    got = [(g.id, g.title, g.status, g.shared) for g in res.parts["gaps"]]
    assert got == [("GAP-1", "Data In", "ASSUMED", "YES"), ("GAP-2", "Data Out", "RESOLVED", "NO")]


def test_yaml_scenario_id_is_the_only_definition():
    res = parse("D9", "# D9: Holdout Scenarios\n\n## Scenarios\n\n```yaml\nscenario_id: \"HS-001\"\npriority: P0\n"
                      "authority:\n  d2_scenarios: [SC-001]\n  d4_contracts: [IN-001]\nexpected_outcome:\n  description: x\n```\n")
    (hs,) = res.parts["holdouts"].holdouts
    assert (hs.id, hs.priority, hs.form, hs.validates, hs.contracts) == ("HS-001", "P0", "behavioural", ["SC-001"], ["IN-001"])


def test_weaker_form_is_skipped_with_a_warning():
    res = parse("D2", "# D2: Specification — Pantry\n\n#### SC-001: a\n\n- Priority: P1\n\nSC-002 b\n")
    assert [s.id for s in res.parts["specification"].scenarios] == ["SC-001"]
    assert any(d.severity == "warning" and "SC-002" in d.message for d in res.diagnostics)


@pytest.mark.parametrize("body", [
    "- GIVEN a shelf AND a crate WHEN stocked THEN it is full AND logged\n",
    "**GIVEN** a shelf AND a crate\n**WHEN** stocked\n**THEN** it is full\n**AND** logged\n",
    "- GIVEN a shelf AND a crate\n  WHEN stocked\n  THEN it is full\n  AND logged\n",
])
def test_given_when_then_forms(body):
    (sc,) = scenarios("#### SC-001: a\n\n" + body)
    assert (sc.given, sc.when, sc.then, sc.and_) == ("a shelf AND a crate", "stocked", "it is full", ["logged"])


@pytest.mark.parametrize("value, want", [("P0(blocker)", "P0"), ("P1 (must-have)", "P1"), ("**P2**", "P2"), ("soon", "")])
def test_priority_spellings(value, want):
    (sc,) = scenarios(f"#### SC-001: a\n\n- Priority: {value}\n")
    assert sc.priority == want


def test_missing_priority_is_empty():
    (sc,) = scenarios("#### SC-001: a\n\nNothing else.\n")
    assert sc.priority == ""


def test_status_words():
    res = parse("D6", "# D6: Gap Analysis — Pantry\n\n## Clarification Log\n\n"
                      "### CLR-001\n\n- Status (OPEN|RESOLVED|ASSUMED): ASSUMED\n\n"
                      "### CLR-002: b\n\n**Status:** RESOLVED(use the CLI)\n\n"
                      "### CLR-003: c\n\n- Status: RESOLVED — ASSUMED: Option B\n\n"
                      "### CLR-004: d\n\n- Question: was this OPEN before?\n- Status: OPEN\n\n"
                      "## Gap Register\n\n### GAP-001: e (RESOLVED)\n")
    assert [(c.id, c.status) for c in res.parts["clarifications"]] == [
        ("CLR-001", "ASSUMED"), ("CLR-002", "RESOLVED"), ("CLR-003", "RESOLVED"), ("CLR-004", "OPEN")]
    assert [(g.id, g.title, g.status) for g in res.parts["gaps"]] == [("GAP-001", "e", "RESOLVED")]


def test_comment_inside_bash_fence_is_never_a_heading():
    res = parse("D8", "# D8: Tasks — Pantry\n\n### T-001: a\n\n- Dependency: None\n\n```bash\n# T-002: not a task\n"
                      "## Phase 9\necho ok\n```\n")
    assert [t.id for t in res.parts["tasks"]] == ["T-001"]
    assert [n.kind for n in parse_blocks("```bash\n# x\n```\n")] == ["fence"]


def test_html_comments_hide_definitions():
    (sc,) = scenarios("#### SC-001: a <!-- draft -->\n\n<!--\n#### SC-009: hidden\n-->\n\n- Priority: P1 <!-- was P0 -->\n")
    assert (sc.id, sc.title, sc.priority) == ("SC-001", "a", "P1")


def test_setext_headings_are_sections():
    res = parse("D2", "# D2: Specification — Pantry\n\nScenarios\n---------\n\n#### SC-001: a\n\n- Priority: P1\n\n"
                      "Success Criteria\n----------------\n\n- [ ] one\n- [x] two\n")
    spec = res.parts["specification"]
    assert [s.id for s in spec.scenarios] == ["SC-001"]
    assert spec.success_criteria == ["one", "two"]


def test_table_without_separator_and_escaped_pipes():
    res = parse("D1", "# D1: Constitution — Pantry\n\n## Tooling Constraints\n\n"
                      "| Operation:text | USE:approach | NOT:anti-pattern |\n"
                      "| read files | pathlib \\| io | os.system |\n"
                      "| `a | b` | c | d |\n")
    rules = [(t.operation, t.use, t.avoid, t.source.line) for t in res.parts["constitution"].tooling]
    assert rules == [("read files", "pathlib | io", "os.system", 6), ("`a | b`", "c", "d", 7)]


SAMPLE_D8 = ("# D8: Tasks — Pantry\n\n## Phase 0: Base\n\n#### T-001: Shelf model\n\n**Dependency:** None\n"
             "**Scenarios Satisfied:** SC-001, 002\n\n#### T-002: Stocking\n\n**Dependency:** T-001 (model)\n"
             "**Contracts Implemented:** D4 IN-001, OUT-001\n\n**Acceptance Criteria:**\n- stocks\n- logs\n")


def _facts(res):
    return [(t.id, t.title, t.phase, t.depends_on, t.scenarios, t.contracts, t.acceptance_criteria, t.source.line)
            for t in res.parts["tasks"]], [str(d) for d in res.diagnostics]


def test_crlf_and_bom_read_like_lf():
    lf = parse("D8", SAMPLE_D8)
    crlf = parse("D8", SAMPLE_D8.replace("\n", "\r\n").encode())
    bom = parse("D8", b"\xef\xbb\xbf" + SAMPLE_D8.replace("\n", "\r\n").encode())
    assert _facts(lf) == _facts(crlf) == _facts(bom)
    assert _facts(lf)[0][1] == ("T-002", "Stocking", "0 — Base", ["T-001"], [], ["IN-001", "OUT-001"], ["stocks", "logs"], 10)


def test_parallel_with_a_dependency_is_kept_for_the_validator():
    res = parse("D8", "# D8: Tasks — Pantry\n\n### T-001: a\n\n- Dependency: None\n\n### T-002: b\n\n"
                      "- Dependency: T-001\n- Parallel/Serial: Parallel with T-001\n")
    assert res.parts["tasks"][1].parallel == "Parallel with T-001"
