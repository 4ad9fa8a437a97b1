"""Broken copies of the example spec: each defect gives the right check, message and line."""

from __future__ import annotations

import re
from pathlib import Path

from generator.spec import load_spec
from generator.validate import validate


def _edit(spec: Path, name: str, pattern: str, repl: str, count: int = 1) -> int:
    """Apply one regex edit to a document; return the 1-based line of the first match."""
    p = spec / name
    text = p.read_text(encoding="utf-8")
    m = re.search(pattern, text, flags=re.M)
    assert m, f"{pattern!r} not in {name}"
    p.write_text(re.sub(pattern, repl, text, count=count, flags=re.M), encoding="utf-8")
    return text[: m.start()].count("\n") + 1


def _check(result, name):
    return next(c for c in result.checks if c.check_name == name)


def _texts(result) -> list[str]:
    return [str(d) for d in result.diagnostics]


def test_example_spec_passes(example_spec):
    result = validate(load_spec(example_spec))
    assert result.status == "PASS", _texts(result)
    assert result.summary and result.summary["tasks"] >= 5


def test_missing_document(spec_copy):
    (spec_copy / "D3_DATA_MODEL.md").unlink()
    c = _check(validate(load_spec(spec_copy)), "all_documents_present")
    assert (c.status, c.message) == ("FAIL", "Missing required document: D3_DATA_MODEL.md")


def test_open_clarification(spec_copy):
    title = re.search(r"^#### CLR-001: (.*)$", (spec_copy / "D6_GAP_ANALYSIS.md").read_text(), re.M).group(1)
    _edit(spec_copy, "D6_GAP_ANALYSIS.md", r"(#### CLR-001:[^\n]*\n(?:(?!####)[^\n]*\n)*?\*\*Status:\*\*) RESOLVED", r"\1 OPEN")
    c = _check(validate(load_spec(spec_copy)), "d6_no_open_items")
    assert c.status == "FAIL"
    assert c.message == f"D6 has 1 OPEN clarification(s): CLR-001 [{title}]. Resolve before proceeding."


def test_open_word_inside_prose_is_not_a_status(spec_copy):
    _edit(spec_copy, "D6_GAP_ANALYSIS.md", r"^(\*\*Question:\*\*) ", r"\1 Was this OPEN before? ")
    assert _check(validate(load_spec(spec_copy)), "d6_no_open_items").status == "PASS"


def test_dependency_cycle(spec_copy):
    line = _edit(spec_copy, "D8_TASKS.md", r"^\*\*Dependency:\*\* T-001 \(errors and directory checks\)", "**Dependency:** T-003")
    result = validate(load_spec(spec_copy))
    c = _check(result, "d8_no_dependency_cycles")
    assert (c.status, c.message) == ("FAIL", "Dependency cycle detected in D8: T-002 → T-003 → T-002")
    assert f"D8_TASKS.md:{line}: Dependency cycle detected in D8: T-002 → T-003 → T-002" in _texts(result)


def test_dangling_dependency(spec_copy):
    line = _edit(spec_copy, "D8_TASKS.md", r"^\*\*Dependency:\*\* T-002 \(needs Note and load_notes\)", "**Dependency:** T-002, T-099")
    result = validate(load_spec(spec_copy))
    assert _check(result, "references_resolve").status == "FAIL"
    assert f"D8_TASKS.md:{line}: T-003 depends on unknown task T-099" in _texts(result)


def test_dangling_scenario_and_contract(spec_copy):
    sl = _edit(spec_copy, "D8_TASKS.md", r"^\*\*Scenarios Satisfied:\*\* SC-004$", "**Scenarios Satisfied:** SC-004, SC-042")
    cl = _edit(spec_copy, "D8_TASKS.md", r"^(\*\*Contracts Implemented:\*\* SIDE-001, OUT-001, ERR-004)$", r"\1, OUT-077")
    texts = _texts(validate(load_spec(spec_copy)))
    assert f"D8_TASKS.md:{sl}: T-003 lists unknown scenario SC-042" in texts
    assert f"D8_TASKS.md:{cl}: T-002 implements unknown contract OUT-077" in texts


def test_duplicate_task(spec_copy):
    line = _edit(spec_copy, "D8_TASKS.md", r"^#### T-004: ", "#### T-003: ")
    result = validate(load_spec(spec_copy))
    c = _check(result, "unique_ids")
    assert c.status == "FAIL"
    assert any(t.startswith(f"D8_TASKS.md:{line}: duplicate id T-003") for t in _texts(result))


def test_uncovered_scenario_and_contract(spec_copy):
    _edit(spec_copy, "D8_TASKS.md", r"^\*\*Scenarios Satisfied:\*\* SC-004$", "**Scenarios Satisfied:** None")
    _edit(spec_copy, "D8_TASKS.md", r"^(\*\*Contracts Implemented:\*\* SIDE-001, OUT-001), ERR-004$", r"\1")
    result = validate(load_spec(spec_copy))
    sc, ct = _check(result, "d2_scenarios_covered"), _check(result, "d4_contracts_covered")
    assert sc.details == ["D2 SC-004 not covered by any D8 task"]
    err4 = [t for t in _texts(result) if "ERR-004 is implemented by no D8 task" in t]
    if "ERR-004" in " ".join(x for t in load_spec(spec_copy).tasks for x in t.contracts):
        assert ct.status == "PASS"  # another task still implements it
    else:
        assert ct.details == ["D4 ERR-004 not implemented by any D8 task"] and err4[0].startswith("D4_CONTRACTS.md:")


def test_comment_in_fence_is_not_a_heading(spec_copy):
    p = spec_copy / "D8_TASKS.md"
    p.write_text(p.read_text() + "\n```bash\n# T-777: not a task\n## Phase 9: not a phase\necho hi\n```\n", encoding="utf-8")
    spec = load_spec(spec_copy)
    assert "T-777" not in {t.id for t in spec.tasks}
    assert validate(spec).status == "PASS"


def test_zero_holdouts(spec_copy):
    p = spec_copy / "D9_HOLDOUT_SCENARIOS.md"
    p.write_text("# D9: Holdout Scenarios — Inkwell\n\nNothing yet.\n", encoding="utf-8")
    result = validate(load_spec(spec_copy))
    c = _check(result, "d9_minimum_holdouts")
    assert (c.status, c.message) == ("FAIL", "D9 has 0 holdout scenario(s); at least 3 required")
    assert _check(result, "d9_coverage_gate").status == "FAIL"


def test_no_tasks_is_not_a_vacuous_pass(spec_copy):
    (spec_copy / "D8_TASKS.md").write_text("# D8: Tasks — Inkwell\n\nTo be written.\n", encoding="utf-8")
    result = validate(load_spec(spec_copy))
    assert _check(result, "d2_scenarios_covered").message == "D8 defines no tasks: no scenario is covered"
    assert _check(result, "d8_no_dependency_cycles").status == "FAIL"


def test_metadata_claim_disagreeing_with_body(spec_copy):
    line = _edit(spec_copy, "D8_TASKS.md", r"^\*\*Total Tasks:\*\* \d+", "**Total Tasks:** 9")
    result = validate(load_spec(spec_copy))
    assert result.status == "PASS"
    assert any(t.startswith("D8_TASKS.md:") and "Total Tasks: 9" in t and "warning" in t for t in _texts(result))
    _ = line


def test_unknown_references_from_every_kind_of_owner(spec_copy):
    """Each place a reference can stand reports an unknown id at its own line."""
    hs = _edit(spec_copy, "D9_HOLDOUT_SCENARIOS.md", r"^\*\*Validates:\*\* D2 SC-001, SC-002", "**Validates:** D2 SC-001, SC-777")
    row = _edit(spec_copy, "D9_HOLDOUT_SCENARIOS.md", r"^\| SC-002 \| P0 \| HS-001 \|", "| SC-002 | P0 | HS-404 |")
    ct = _edit(spec_copy, "D4_CONTRACTS.md", r"^\*\*Scenarios:\*\* SC-001, SC-009", "**Scenarios:** SC-001, SC-778")
    _edit(spec_copy, "D7_PLAN.md", r"^\*\*Implements:\*\* ERR-003, SC-011", "**Implements:** ERR-003, SC-779")
    texts = _texts(validate(load_spec(spec_copy)))
    assert any(t.startswith(f"D9_HOLDOUT_SCENARIOS.md:{hs}: HS-") and t.endswith("validates unknown scenario SC-777") for t in texts), texts
    assert f"D9_HOLDOUT_SCENARIOS.md:{row}: coverage matrix row SC-002 names unknown holdout HS-404" in texts, texts
    assert any(t.startswith(f"D4_CONTRACTS.md:{ct}: ") and t.endswith("names unknown scenario SC-778") for t in texts), texts
    assert any(t.endswith("implements unknown scenario SC-779") and "component" in t for t in texts), texts
