"""Run protocol, traceability and verdict, on specs built in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import HoldoutConfig
from generator.holdout import run_holdouts
from generator.holdout.outcome import HoldoutOutcome
from generator.holdout.trace import responsible_tasks
from generator.holdout.verdict import Threshold, parse_threshold, verdict
from generator.model import (
    CoverageRow, Document, Holdout, HoldoutResult, Holdouts, HoldoutStep, ProductSpec, Scenario,
    Specification, Task,
)

PASS, FAIL = "exit 0", 'echo "observed: 41"; exit 1'


def hs(ident: str, priority: str, verify: str, validates=(), contracts=(), **kw) -> Holdout:
    return Holdout(id=ident, title=f"title of {ident}", priority=priority, validates=list(validates),
                   contracts=list(contracts), steps=[HoldoutStep("verify", verify)], **kw)


def make_spec(tmp_path: Path, holdouts: list[Holdout], **kw) -> ProductSpec:
    spec = ProductSpec(spec_dir=tmp_path, name="demo")
    spec.documents["D9"] = Document("D9", "D9_HOLDOUT_SCENARIOS.md", tmp_path / "D9", present=True)
    spec.holdouts = Holdouts(holdouts=holdouts, coverage=kw.pop("coverage", []),
                             run_protocol=kw.pop("run_protocol", {}))
    spec.specification = Specification(scenarios=[
        Scenario(id="SC-001", then="the total is 42", and_=["nothing else changes"]),
        Scenario(id="SC-002", then="the export is written"),
    ])
    spec.tasks = kw.pop("tasks", [
        Task(id="T-001", scenarios=["SC-001"]),
        Task(id="T-002", depends_on=["T-001"], scenarios=["SC-001"], contracts=["OUT-001"]),
        Task(id="T-003", depends_on=["T-002"], scenarios=["SC-001"]),
        Task(id="T-004", depends_on=["T-001"], scenarios=["SC-002"]),
    ])
    return spec


CFG = HoldoutConfig(step_timeout=20, scenario_timeout=60)


def test_p0_first_and_a_failing_p0_stops_the_run(tmp_path: Path):
    spec = make_spec(tmp_path, [
        hs("HS-001", "P1", PASS), hs("HS-002", "P0", FAIL), hs("HS-003", "P0", PASS), hs("HS-004", "P2", PASS),
    ])
    run = run_holdouts(spec, tmp_path, CFG)
    assert [o.holdout_id for o in run.outcomes] == ["HS-002", "HS-003", "HS-001", "HS-004"]
    assert [o.status for o in run.outcomes] == ["FAIL", "ERROR", "ERROR", "ERROR"]
    assert all("not run: stopped after P0 HS-002 failed" in o.result.error_message for o in run.outcomes[1:])
    assert not any(o.ran for o in run.outcomes[1:])
    assert (run.p0_total, run.p0_passed, run.p0_pass) == (2, 0, False)
    assert run.verdict == "REJECT" and "HS-002 failed" in run.verdict_reason


def test_without_the_p0_stop_everything_runs_but_still_rejects(tmp_path: Path):
    spec = make_spec(tmp_path, [hs("HS-001", "P1", PASS), hs("HS-002", "P0", FAIL), hs("HS-003", "P0", PASS)])
    cfg = HoldoutConfig(step_timeout=20, scenario_timeout=60, stop_on_p0_failure=False)
    run = run_holdouts(spec, tmp_path, cfg)
    assert [o.status for o in run.outcomes] == ["FAIL", "PASS", "PASS"]
    assert run.verdict == "REJECT" and (run.p0_total, run.p0_passed) == (2, 1)


def test_failing_holdout_traces_to_scenarios_contracts_and_task(tmp_path: Path):
    """A failure names what it validates, what it tests, who answers for it, actual vs expected."""
    h = hs("HS-001", "P0", FAIL, validates=["SC-001"], contracts=["OUT-001"])
    spec = make_spec(tmp_path, [h], coverage=[CoverageRow("SC-002", "P1", ["HS-001"])])
    out = run_holdouts(spec, tmp_path, CFG).outcomes[0]
    r = out.result
    assert r.status == "FAIL"
    assert r.validates_scenarios == ["SC-001", "SC-002"]  # its own list plus the coverage matrix
    assert r.validates_contracts == ["OUT-001"]
    assert r.responsible_task == "T-002"  # SC-001 and OUT-001: the most overlap
    assert out.responsible_tasks == ["T-002", "T-003", "T-004", "T-001"]
    assert "observed: 41" in r.actual_output
    assert "THEN the total is 42 AND nothing else changes" in r.expected_output
    assert r.error_message is None
    assert set(r.to_dict()) == {"holdout_id", "priority", "status", "validates_scenarios",
                                "validates_contracts", "responsible_task", "actual_output", "expected_output"}


def test_expected_output_prefers_the_verify_table(tmp_path: Path):
    h = hs("HS-001", "P0", FAIL, validates=["SC-001"],
           verify_table=[{"Check": "Total", "What to Examine": "out", "PASS Condition": "prints 42",
                          "FAIL Condition": "anything else"}])
    r = run_holdouts(make_spec(tmp_path, [h]), tmp_path, CFG).outcomes[0].result
    assert r.expected_output == "Total: prints 42"


def test_responsible_task_ties_go_to_the_latest_then_lowest_id(tmp_path: Path):
    h = hs("HS-001", "P0", PASS, validates=["SC-001"])
    spec = make_spec(tmp_path, [h])
    assert responsible_tasks(h, spec) == ["T-003", "T-002", "T-001"]  # same overlap: deepest first
    spec.tasks = [Task(id="T-009", scenarios=["SC-1"]), Task(id="T-002", scenarios=["SC-001"])]
    assert responsible_tasks(h, spec) == ["T-002", "T-009"]  # same depth: lowest id; SC-1 is SC-001
    spec.tasks = [Task(id="T-001", scenarios=["SC-002"])]
    assert responsible_tasks(h, spec) == []


def test_stub_and_behavioural_without_evaluator_are_errors(tmp_path: Path):
    stub = Holdout(id="HS-001", priority="P0", form="stub")
    beh = Holdout(id="HS-002", priority="P1", form="behavioural", behaviour={"scenario_id": "HS-002"})
    run = run_holdouts(make_spec(tmp_path, [stub, beh]), tmp_path, CFG)
    assert [o.status for o in run.outcomes] == ["ERROR", "ERROR"]
    assert "no executable steps" in run.outcomes[0].result.error_message
    assert "not executable" in run.outcomes[1].result.error_message  # said even after the P0 stop
    assert run.verdict == "REJECT"


def test_missing_or_empty_d9_is_never_accepted(tmp_path: Path):
    spec = make_spec(tmp_path, [])
    run = run_holdouts(spec, tmp_path, CFG)
    assert run.verdict == "REJECT" and "no holdout" in run.verdict_reason
    spec.documents["D9"].present = False
    assert "missing" in run_holdouts(spec, tmp_path, CFG).verdict_reason


def outcome(ident: str, priority: str, status: str, ran: bool = True) -> HoldoutOutcome:
    r = HoldoutResult(ident, priority, status, [], [], "", error_message="HOLDOUT_EXECUTION_ERROR: boom"
                      if status == "ERROR" else None)
    return HoldoutOutcome(result=r, ran=ran)


@pytest.mark.parametrize("rows, th, expect", [
    ([("HS-1", "P0", "PASS"), ("HS-2", "P1", "PASS")], Threshold(), "ACCEPT"),
    ([("HS-1", "P1", "PASS")], Threshold(), "REJECT"),  # no P0 to gate on
    ([("HS-1", "P0", "PASS"), ("HS-2", "P1", "FAIL")], Threshold(), "PARTIAL"),
    ([("HS-1", "P0", "PASS"), ("HS-2", "P1", "ERROR")], Threshold(p1_ratio=0.0), "PARTIAL"),
    ([("HS-1", "P0", "PASS"), ("HS-2", "P2", "FAIL")], Threshold(), "ACCEPT"),
    ([("HS-1", "P0", "PASS"), ("HS-2", "P2", "FAIL")], Threshold(all_required=True), "PARTIAL"),
    ([("HS-1", "P0", "PASS")] + [(f"HS-{i}", "P1", "PASS") for i in range(2, 6)] + [("HS-6", "P1", "FAIL")],
     Threshold(p1_ratio=0.8), "ACCEPT"),
    ([("HS-1", "P0", "PASS"), ("HS-2", "P1", "PASS"), ("HS-3", "P2", "FAIL")],
     Threshold(overall_ratio=0.9), "PARTIAL"),
    ([("HS-1", "P0", "ERROR"), ("HS-2", "P1", "PASS")], Threshold(), "REJECT"),
])
def test_verdict_rules(rows, th, expect):
    v, reason = verdict([outcome(*r) for r in rows], th)
    assert v == expect, reason
    assert reason


def test_threshold_is_read_from_the_run_protocol():
    t = parse_threshold({"overall pass": "all P0 pass, all P1 pass, overall >= 90%.", "order": "P0 first"})
    assert (t.p1_ratio, t.overall_ratio, t.all_required) == (1.0, 0.9, False)
    t = parse_threshold({"threshold": "All 7 scenarios must exit 0. No partial credit."})
    assert t.all_required
    t = parse_threshold({"threshold": "all P0 pass; at least 75% of P1"})
    assert t.p1_ratio == 0.75
    assert parse_threshold({}) == Threshold()
