"""The run verdict and the report files, without dispatching anything."""

from __future__ import annotations

import json

import pytest
import tomlkit

from generator.holdout import HoldoutRun, StepRecord
from generator.holdout.outcome import HoldoutOutcome
from generator.model import CheckResult, DispatchRecord, HoldoutResult, ValidationResult
from generator.pipeline import combine_verdict
from generator.report import factory_report, holdouts_toml, report_json, report_toml


@pytest.mark.parametrize("holdouts, tasks, dispatch, expect, words", [
    ("ACCEPT", {"T-001": "COMPLETED"}, "FINISHED", "ACCEPT", "holdouts ok"),
    ("ACCEPT", {"T-001": "COMPLETED", "T-002": "FAILED", "T-003": "BLOCKED"}, "FINISHED", "PARTIAL",
     "2 task(s) did not complete (T-002 FAILED, T-003 BLOCKED)"),
    ("REJECT", {"T-001": "DISPATCH_FAILED"}, "FINISHED", "REJECT", "holdouts ok; also 1 task(s)"),
    ("PARTIAL", {"T-001": "COMPLETED"}, "FINISHED", "PARTIAL", "holdouts ok"),
    ("ACCEPT", {"T-001": "AWAITING_APPROVAL"}, "AWAITING_APPROVAL", "REJECT", "await approval (T-001)"),
    ("ACCEPT", {"T-001": "INTERRUPTED"}, "INTERRUPTED", "REJECT", "interrupted"),
])
def test_run_verdict_is_capped_by_the_tasks(holdouts, tasks, dispatch, expect, words):
    verdict, reason = combine_verdict(holdouts, "holdouts ok", tasks, dispatch)
    assert verdict == expect and words in reason


NASTY = 'ansi \x1b[31m, nul \x00, quotes """ \'\'\' and a backslash \\\nsecond line — ünïcode\n'


def sample_run() -> HoldoutRun:
    fail = HoldoutResult("HS-002", "P1", "FAIL", ["SC-002"], ["OUT-001"], "T-002",
                         actual_output=NASTY, expected_output="prints 42")
    ok = HoldoutResult("HS-001", "P0", "PASS", ["SC-001"], [], "")
    steps = [StepRecord("verify", 1, 12, stdout=NASTY, stderr=""), StepRecord("cleanup", None, 5, timed_out=True)]
    outcomes = [HoldoutOutcome(ok, title="first", responsible_tasks=[]),
                HoldoutOutcome(fail, title="second", responsible_tasks=["T-002", "T-001"], steps=steps)]
    return HoldoutRun(outcomes=outcomes, verdict="PARTIAL", verdict_reason="P1 short")


def test_holdouts_toml_round_trips_any_output():
    doc = tomlkit.parse(holdouts_toml(sample_run(), {"run_id": "r1"})).unwrap()
    assert (doc["run_id"], doc["verdict"], doc["p0_pass"], doc["p0_total"], doc["p0_passed"]) == \
        ("r1", "PARTIAL", True, 1, 1)
    first, second = doc["holdout"]
    assert first["responsible_tasks"] == [] and "actual_output" not in first and "step" not in first
    assert second["actual_output"] == NASTY and second["responsible_tasks"] == ["T-002", "T-001"]
    assert second["step"][0] == {"name": "verify", "exit_code": 1, "duration_ms": 12, "stdout": NASTY,
                                 "stderr": "", "timed_out": False, "fresh_session": False}
    assert "exit_code" not in second["step"][1] and second["step"][1]["timed_out"] is True


def test_factory_report_files_hold_the_seed_fields():
    validation = ValidationResult("PASS", "specs/x", "X", [CheckResult("docs", "PASS", "all there")],
                                  summary={"tasks": 2})
    records = [DispatchRecord("d1", "H-1", "T-001", "t0", "DISPATCHED"),
               DispatchRecord("d1", "H-1", "T-001", "t0", "COMPLETED", tokens_used=120),
               DispatchRecord("d2", "H-2", "T-002", "t1", "COMPLETED", tokens_used=30)]
    hrun = sample_run()
    report = factory_report(spec_dir="specs/x", component_name="X", validation=validation, dispatches=records,
                            holdouts=hrun, verdict="PARTIAL", verdict_reason="P1 short", total_duration_ms=9)
    assert report.total_tokens == 150
    data = json.loads(report_json(report))
    assert set(data) == {"spec_dir", "component_name", "validation", "dispatches", "holdouts", "verdict",
                         "verdict_reason", "total_tokens", "total_duration_ms"}
    doc = tomlkit.parse(report_toml(report, meta={"run_id": "r1"}, tasks=[{"task_id": "T-001"}],
                                    holdouts=hrun)).unwrap()
    assert doc["verdict"] == "PARTIAL" and doc["total_tokens"] == 150
    assert doc["validation"]["check"][0]["check_name"] == "docs" and doc["validation"]["summary"] == {"tasks": 2}
    assert [d["status"] for d in doc["dispatch"]] == ["DISPATCHED", "COMPLETED", "COMPLETED"]
    assert [h["holdout_id"] for h in doc["holdout"]] == ["HS-001", "HS-002"]
    assert doc["holdout"][1]["title"] == "second" and "step" not in doc["holdout"][1]
