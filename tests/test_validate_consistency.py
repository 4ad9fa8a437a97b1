"""D8 contradicting itself gives warnings (never a FAIL); thin sections read in any written form."""

from __future__ import annotations

from conftest import corpus_path
from generator.spec import load_spec
from generator.validate import parallel_partners, validate

H_L = "_history/fmwk-001-ledger/"


def _consistency(spec_dir):
    result = validate(load_spec(spec_dir))
    return result, next(c for c in result.checks if c.check_name == "d8_task_consistency")


def test_parallel_partners_skip_reasons_and_ordering():
    assert parallel_partners("Parallel with T-006 (both depend on T-005)") == ["T-006"]
    assert parallel_partners("Parallel (w/ T-002, T-003)") == ["T-002", "T-003"]
    assert parallel_partners("Parallel with T-003 after T-001") == ["T-003"]
    assert parallel_partners("Serial after T-005") == []


def test_parallel_with_its_own_dependency_is_a_warning(spec_copy):
    d8 = spec_copy / "D8_TASKS.md"
    text = d8.read_text(encoding="utf-8")
    head = "**Parallel/Serial:** Parallel with T-004, T-005\n**Dependency:** T-002 (needs Note and load_notes)"
    assert head in text
    d8.write_text(text.replace(head, head.replace("T-004, T-005", "T-002")), encoding="utf-8")
    result, check = _consistency(spec_copy)
    assert check.status == "PASS" and result.status == "PASS"
    assert any("T-003 is marked parallel with T-002, but T-003 depends on T-002" in d for d in check.details)
    assert any(d.severity == "warning" and d.check == "d8_task_consistency" for d in result.diagnostics)


def test_example_spec_is_consistent(example_spec):
    _, check = _consistency(example_spec)
    assert check.details == [] and "6 Summary row(s)" in check.message


def test_summary_row_disagreeing_with_task_block(spec_copy):
    d8 = spec_copy / "D8_TASKS.md"
    lines = d8.read_text(encoding="utf-8").split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("| T-001"))
    cells = lines[k].split("|")
    cells[-2] = " SC-999 "
    lines[k] = "|".join(cells)
    d8.write_text("\n".join(lines), encoding="utf-8")
    _, check = _consistency(spec_copy)
    assert any(d.startswith(f"D8_TASKS.md:{k + 1}: Summary row T-001 lists scenarios SC-999") for d in check.details)


def test_corpus_parallel_contradiction_and_summary_abbreviations():
    _, dfo = _consistency(corpus_path("dark-factory-orchestrator"))
    assert any("T-007 is marked parallel with T-006, but T-007 depends on T-006" in d for d in dfo.details)
    _, ledger = _consistency(corpus_path("fmwk-001-ledger"))
    assert ledger.details == []  # "SC-001,002,003,006" and "ERR-001..004" agree once expanded


def test_thin_sections_read_from_paragraphs_tables_and_the_right_heading():
    l1 = load_spec(corpus_path(H_L + "2026-03-01-2218-4c503ad"))
    assert len(l1.specification.not_list) == 6 and all(" NOT " in x for x in l1.specification.not_list)
    assert len(l1.agent_context.conventions) == 11 and l1.agent_context.conventions[0].startswith("Python version: ")
    l3 = load_spec(corpus_path(H_L + "2026-03-20-1636-f319bed"))
    kinds = {b.kind for b in l3.constitution.boundaries}
    assert len(l3.constitution.boundaries) == 19 and kinds == {"ALWAYS", "ASK FIRST", "NEVER"}
    assert len(l3.agent_context.conventions) == 1
    s1 = load_spec(corpus_path("_history/fmwk-900-sawmill-smoke/2026-03-07-2055-c4c196f"))
    assert len(s1.specification.not_list) == 4 and len(s1.agent_context.conventions) == 7
