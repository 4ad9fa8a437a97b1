"""The pure compile core, on hand-built specs, the example spec and the corpus."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import EXAMPLE_SPEC, corpus_path
from generator.compile import CompileOptions, compile_shared, compile_spec, compile_task, handoff_id, task_inputs
from generator.compile.sections import SECTIONS
from generator.errors import FactoryError
from generator.model import (
    Article,
    BoundaryItem,
    Component,
    Constitution,
    Contract,
    Document,
    Entity,
    Plan,
    ProductSpec,
    Scenario,
    Source,
    Specification,
    Task,
)

SECTION_RE = re.compile(r"^## (\d+)\. (.+)$", re.MULTILINE)


def small_spec(n_tasks: int = 3) -> ProductSpec:
    """A spec built in code: tasks T-1..T-n each owning one scenario and one contract."""
    docs = {c: Document(c, f"{c}_X.md", Path("/nowhere"), True, digest=f"d-{c}") for c in ("D1", "D2", "D8")}
    docs["D8"] = dataclasses.replace(docs["D8"], filename="D8_TASKS.md")
    scenarios = [
        Scenario(f"SC-{i:03d}", f"Scenario {i} title", "P1", f"state {i}", f"action {i}", f"outcome {i}", source=Source("D2_SPECIFICATION.md", 10 * i))
        for i in range(1, n_tasks + 1)
    ]
    contracts = [
        Contract(f"IN-{i:03d}", "IN", f"call {i}", [f"SC-{i:03d}"], {"Trigger": f"cmd{i} --flag"}, source=Source("D4_CONTRACTS.md", 5 * i))
        for i in range(1, n_tasks + 1)
    ]
    tasks = [
        Task(
            f"T-{i:03d}",
            f"Build part {i}",
            depends_on=[f"T-{i - 1:03d}"] if i > 1 else [],
            scenarios=[f"SC-{i:03d}"],
            contracts=[f"IN-{i:03d}"],
            acceptance_criteria=[f"part{i}.py exists", "Unit tests: 4+"],
            source=Source("D8_TASKS.md", 20 * i),
        )
        for i in range(1, n_tasks + 1)
    ]
    return ProductSpec(
        spec_dir=Path("/nowhere/demo"),
        name="demo",
        documents=docs,
        constitution=Constitution(
            articles=[Article(1, "Small", rule="Keep it small.", why="Less to break.", source=Source("D1_CONSTITUTION.md", 3))],
            boundaries=[BoundaryItem("NEVER", "Touch the network.", Source("D1_CONSTITUTION.md", 9))],
        ),
        specification=Specification(purpose="demo", not_list=["A server"], scenarios=scenarios),
        entities=[Entity("E-001", "Record", "SHARED", scenarios=["SC-001"], fields=[{"Field": "id", "Required": "yes"}], source=Source("D3_DATA_MODEL.md", 4))],
        contracts=contracts,
        plan=Plan(
            components=[Component("part1", "part1.py", "first part", ["SC-001"], source=Source("D7_PLAN.md", 12))],
            files=["src/part1.py", "src/part2.py"],
        ),
        tasks=tasks,
    )


def test_handoff_id_uses_the_task_number_not_its_position():
    assert handoff_id("T-001") == "H-FACTORY-001"
    assert handoff_id("T-7") == "H-FACTORY-007"
    assert handoff_id("T-1000") == "H-FACTORY-1000"
    with pytest.raises(ValueError):
        handoff_id("task one")


def test_tasks_map_by_id_even_out_of_order():
    spec = small_spec(3)
    spec.tasks.reverse()
    out = compile_spec(spec, CompileOptions(source_label="specs/demo"))
    text = out["H-FACTORY-001/H-FACTORY-001_BUILDER_HANDOFF.md"].decode()
    assert "# H-FACTORY-001: Build part 1" in text
    index = json.loads(out["handoff_index.json"])
    assert list(index) == ["T-001", "T-002", "T-003"]
    assert index["T-002"]["handoff_id"] == "H-FACTORY-002"


def test_duplicate_handoff_ids_are_refused():
    spec = small_spec(2)
    spec.tasks[1].id = "T-1"
    with pytest.raises(FactoryError, match="both map to H-FACTORY-001"):
        compile_spec(spec)


def test_handoff_has_ten_sections_traceability_and_header():
    out = compile_spec(small_spec(), CompileOptions(source_label="specs/demo"))
    text = out["H-FACTORY-001/H-FACTORY-001_BUILDER_HANDOFF.md"].decode()
    assert text.startswith("<!-- generated from specs/demo/D8_TASKS.md")
    assert [t for _, t in SECTION_RE.findall(text)] == [t for _, t in SECTIONS]
    assert "| D2 scenarios | SC-001 |" in text
    assert "| D4 contracts | IN-001 |" in text
    assert "| D3 entities | E-001 |" in text
    assert "| 1. Mission | D8_TASKS.md:20 |" in text and "D1_CONSTITUTION.md:3" in text
    assert "FACTORY_RESULTS_PATH" in text
    assert "Keep it small." in text and "Touch the network." in text
    # no file of T-003 in the plan: the section says so instead of inventing one
    t3 = out["H-FACTORY-003/H-FACTORY-003_BUILDER_HANDOFF.md"].decode()
    files_section = t3.split("## 9. Files Summary", 1)[1].split("## 10.", 1)[0]
    assert "The spec gives nothing for this section" in files_section


def test_prompt_has_ten_plus_three_questions_and_no_answers():
    out = compile_spec(small_spec(), CompileOptions(adversarial="infrastructure"))
    prompt = out["H-FACTORY-002/H-FACTORY-002_AGENT_PROMPT.md"].decode()
    numbered = re.findall(r"^(\d+)\. ", prompt.split("Verification (10):", 1)[1], re.MULTILINE)
    assert numbered == [str(n) for n in range(1, 14)]
    assert "Adversarial (3, infrastructure set)" in prompt
    assert "`H-FACTORY-002/H-FACTORY-002_BUILDER_HANDOFF.md`" in prompt
    assert "## 1. Mission" not in prompt  # points at the handoff, does not inline it
    answers = out["H-FACTORY-002/H-FACTORY-002_EXPECTED_ANSWERS.md"].decode()
    assert "reviewer only" in answers and "reviewer only" not in prompt
    assert "- then: outcome 2" in answers and "outcome 2" not in prompt
    meta = tomllib.loads(out["H-FACTORY-002/prompt.toml"].decode())
    assert [q["number"] for q in meta["question"]] == list(range(1, 14))
    assert all(set(q) == {"number", "category", "text", "sources"} for q in meta["question"])


def test_questions_differ_between_tasks():
    out = compile_spec(small_spec())

    def qs(hid):
        return {q["number"]: q["text"] for q in tomllib.loads(out[f"{hid}/prompt.toml"].decode())["question"]}

    a, b = qs("H-FACTORY-001"), qs("H-FACTORY-002")
    assert all(a[n] != b[n] for n in range(1, 14))


def test_adversarial_set_is_chosen_by_options():
    spec = small_spec(1)
    g = compile_spec(spec, CompileOptions(adversarial="genesis"))["H-FACTORY-001/H-FACTORY-001_AGENT_PROMPT.md"]
    i = compile_spec(spec, CompileOptions(adversarial="infrastructure"))["H-FACTORY-001/H-FACTORY-001_AGENT_PROMPT.md"]
    assert b"Missing ground" in g and b"Missing ground" not in i
    assert b"Likely failure" in i
    with pytest.raises(ValueError):
        CompileOptions(adversarial="other")


def test_parts_select_outputs():
    spec = small_spec(2)
    handoffs = compile_spec(spec, CompileOptions(parts=frozenset({"handoffs"})))
    prompts = compile_spec(spec, CompileOptions(parts=frozenset({"prompts"})))
    assert any(p.endswith("_BUILDER_HANDOFF.md") for p in handoffs) and not any("PROMPT" in p for p in handoffs)
    assert "handoff_index.json" in handoffs and not any(p.startswith("facets/") for p in handoffs)
    assert all(p.endswith(("_AGENT_PROMPT.md", "_EXPECTED_ANSWERS.md", "prompt.toml")) for p in prompts)


def test_task_inputs_are_hashable_and_track_only_what_the_task_uses():
    spec = small_spec(3)
    before = {t.id: task_inputs(spec, t) for t in spec.tasks}
    assert len({hash(v) for v in before.values()}) == 3
    shared_before = compile_shared(spec, CompileOptions())
    spec.specification.scenarios[1].then = "a different outcome"
    after = {t.id: task_inputs(spec, t) for t in spec.tasks}
    assert [k for k in before if before[k] != after[k]] == ["T-002"]
    shared_after = compile_shared(spec, CompileOptions())
    assert shared_before == shared_after  # outcome text is not in the shared files
    spec.specification.scenarios[1].title = "Renamed"
    changed = {k for k, v in compile_shared(spec, CompileOptions()).items() if shared_before[k] != v}
    assert changed == {"facets/scenarios.toml"}
    old = shared_before["facets/scenarios.toml"].decode().splitlines()
    new = compile_shared(spec, CompileOptions())["facets/scenarios.toml"].decode().splitlines()
    assert sum(a != b for a, b in zip(old, new)) == 1 and len(old) == len(new)


def test_compile_task_depends_only_on_inputs():
    spec = small_spec(2)
    t = task_inputs(spec, spec.tasks[0])
    assert compile_task(t, CompileOptions()) == compile_task(t, CompileOptions())
    full = compile_spec(spec, CompileOptions())
    for path, data in compile_task(t, CompileOptions()).items():
        assert full[path] == data


def test_template_overlay_replaces_default_and_missing_values_are_harmless(tmp_path):
    (tmp_path / "prompt.md.j2").write_text("Custom {{ hid }} {{ no_such_value }}{{ t.nothing }}!\n")
    out = compile_spec(small_spec(1), CompileOptions(templates=str(tmp_path)))
    assert out["H-FACTORY-001/H-FACTORY-001_AGENT_PROMPT.md"] == b"Custom H-FACTORY-001 !\n"
    assert b"## 1. Mission" in out["H-FACTORY-001/H-FACTORY-001_BUILDER_HANDOFF.md"]  # default kept


def test_broken_overlay_template_names_file_and_line(tmp_path):
    (tmp_path / "handoff.md.j2").write_text("ok\n{% if %}\n")
    with pytest.raises(FactoryError, match=r"handoff\.md\.j2:2"):
        compile_spec(small_spec(1), CompileOptions(templates=str(tmp_path)))


def test_facets_and_edges():
    out = compile_spec(small_spec(2), CompileOptions(source_label="specs/demo"))
    spec_toml = tomllib.loads(out["facets/spec.toml"].decode())
    assert spec_toml["source"] == "specs/demo" and spec_toml["digest"].startswith("sha256:")
    edges = {(e["from"], e["rel"], e["to"]) for e in tomllib.loads(out["facets/edges.toml"].decode())["edge"]}
    assert ("T-002", "depends_on", "T-001") in edges
    assert ("T-001", "satisfies", "SC-001") in edges
    assert ("T-001", "implements", "IN-001") in edges
    assert ("T-001", "uses", "E-001") in edges
    assert ("SC-002", "specified_by", "IN-002") in edges


# ---------------------------------------------------------------------------
# Real specs: the example and the complete corpus specs.


def check_outputs(spec: ProductSpec, out: dict[str, bytes]) -> None:
    """The properties every compiled spec must have."""
    index = json.loads(out["handoff_index.json"])
    tasks_facet = tomllib.loads(out["facets/tasks.toml"].decode())["task"]
    assert {t["id"]: t["handoff_id"] for t in tasks_facet} == {k: v["handoff_id"] for k, v in index.items()}
    assert {t["id"]: t["scenarios"] for t in tasks_facet} == {k: v["scenarios"] for k, v in index.items()}
    assert set(index) == {t.id for t in spec.tasks}
    seen_scenarios: set[str] = set()
    for task_id, entry in index.items():
        hid = entry["handoff_id"]
        handoff = out[entry["path"]].decode()
        assert [t for _, t in SECTION_RE.findall(handoff)] == [t for _, t in SECTIONS], hid
        assert f"| Task | {task_id} (" in handoff
        meta = tomllib.loads(out[f"{hid}/handoff.toml"].decode())
        assert meta["task_id"] == task_id and meta["trace"]["scenarios"] == [
            s for s in entry["scenarios"] if s in {x.id for x in spec.scenarios}
        ]
        seen_scenarios.update(re.findall(r"\bSC-[\w-]*\d+\b", handoff))
        prompt = out[f"{hid}/{hid}_AGENT_PROMPT.md"].decode()
        gate = prompt.split("Verification (10):", 1)[1]
        assert re.findall(r"^(\d+)\. ", gate, re.MULTILINE) == [str(n) for n in range(1, 14)]
        assert "reviewer only" in out[f"{hid}/{hid}_EXPECTED_ANSWERS.md"].decode()
        for text in (handoff, prompt):
            assert text.endswith("\n") and not text.endswith("\n\n") and "\r" not in text
            assert str(spec.spec_dir.resolve()) not in text
    missing = {s.id for s in spec.scenarios} - seen_scenarios
    assert not missing, f"scenarios in no handoff: {sorted(missing)}"


def test_example_spec_compiles_with_all_properties():
    from generator.spec import load_spec

    if not EXAMPLE_SPEC.is_dir():
        pytest.skip("example spec not written yet")
    spec = load_spec(EXAMPLE_SPEC)
    out = compile_spec(spec, CompileOptions(source_label="specs/inkwell"))
    check_outputs(spec, out)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["fmwk-001-ledger", "fmwk-900-sawmill-smoke", "dark-factory-orchestrator"])
def test_corpus_specs_compile_with_all_properties(name):
    from generator.compile.leakguard import check
    from generator.spec import load_spec

    spec = load_spec(corpus_path(name))
    out = compile_spec(spec, CompileOptions(source_label=f"corpus/{name}"))
    check_outputs(spec, out)
    check(spec, out)  # what the spec shows builders is not a leak: clean specs pass
    assert compile_spec(spec, CompileOptions(source_label=f"corpus/{name}")) == out


def test_template_wording_never_mentions_hidden_checks():
    from generator.compile.templating import default_dir

    for name in ("handoff.md.j2", "prompt.md.j2", "answers.md.j2"):
        text = (default_dir() / name).read_text().lower()
        assert "holdout" not in text and "hidden" not in text and "d9" not in text
