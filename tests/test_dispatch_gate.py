"""The 13-question gate as two turns: answers recorded, approval, build in the same session."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from generator.dispatch import read_ledger, run_dispatch
from test_dispatch_helpers import ROOT, agent_log, ledger_rows, make_project, scripted_cfg, turns  # noqa: F401 (fixture)


def factory(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env)


def test_auto_gate_runs_gate_then_build_in_the_same_session(tmp_path, agent_log):
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": ["T-001"]})
    run_dir = tmp_path / "runs" / "r"
    out = run_dispatch(jobs, cfg=scripted_cfg(gate="auto"), run_dir=run_dir, workspace=tmp_path / "ws")
    assert out.ok
    t1 = [t for t in turns(agent_log) if t["task"] == "T-001"]
    assert [t["turn"] for t in t1] == ["gate", "build"]
    assert t1[0]["session_in"] == "" and t1[1]["session_in"] == t1[0]["session_out"]
    answers = (run_dir / "gate" / "H-FACTORY-001_ANSWERS.md").read_text()
    assert "1. answer one" in answers
    rows = [r for r in ledger_rows(run_dir) if r["task_id"] == "T-001"]
    assert [(r["turn"], r["status"]) for r in rows] == [
        ("gate", "DISPATCHED"), ("gate", "APPROVED"), ("build", "DISPATCHED"), ("build", "COMPLETED")]
    assert out.states["T-001"].tokens == 240 and out.states["T-001"].cost_usd == pytest.approx(0.02)
    # the build turn was told it is approved
    build_msg = (tmp_path / "ws" / ".factory" / "H-FACTORY-001" / "H-FACTORY-001_BUILD_MESSAGE.md").read_text()
    assert "Approved" in build_msg


def test_gate_off_skips_the_gate_turn(tmp_path, agent_log):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    out = run_dispatch(jobs, cfg=scripted_cfg(gate="off"), run_dir=tmp_path / "runs" / "r",
                       workspace=tmp_path / "ws")
    assert out.ok and [t["turn"] for t in turns(agent_log)] == ["build"]


def test_manual_gate_waits_for_factory_approve_then_resume_builds(tmp_path, agent_log, factory_env):
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": ["T-001"], "T-003": []})
    runs = tmp_path / "runs"
    cfg = scripted_cfg(gate="manual")
    out = run_dispatch(jobs, cfg=cfg, run_dir=runs / "r", workspace=tmp_path / "ws")
    assert out.status == "AWAITING_APPROVAL"
    assert {t: s.status for t, s in out.states.items()} == {
        "T-001": "AWAITING_APPROVAL", "T-002": "PENDING", "T-003": "AWAITING_APPROVAL"}
    assert all(t["turn"] == "gate" for t in turns(agent_log))
    shown = factory("status", "r", "--runs-dir", str(runs), env=factory_env)
    assert shown.returncode == 0 and "AWAITING_APPROVAL" in shown.stdout and "T-002" in shown.stdout

    early = factory("approve", "r", "T-002", "--runs-dir", str(runs), env=factory_env)
    assert early.returncode == 1 and "not awaiting approval" in early.stderr
    ok = factory("approve", "r", "T-001", "--runs-dir", str(runs), env=factory_env)
    assert ok.returncode == 0, ok.stderr
    assert (runs / "r" / "gate" / "H-FACTORY-001_APPROVAL.toml").is_file()

    out2 = run_dispatch(jobs, cfg=cfg, run_dir=runs / "r", workspace=tmp_path / "ws", resume=True)
    st = {t: s.status for t, s in out2.states.items()}
    assert st["T-001"] == "COMPLETED" and st["T-003"] == "AWAITING_APPROVAL"
    assert st["T-002"] == "AWAITING_APPROVAL"  # its own gate answered, waiting in turn
    t1 = [t for t in turns(agent_log) if t["task"] == "T-001"]
    assert [t["turn"] for t in t1] == ["gate", "build"]  # the gate was not asked again
    assert t1[1]["session_in"] == t1[0]["session_out"]


def test_a_running_scheduler_picks_up_an_approval(tmp_path, agent_log):
    from generator.dispatch.runview import approve

    jobs, _ = make_project(tmp_path, {"T-001": []})
    run_dir = tmp_path / "runs" / "r"
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("out", run_dispatch(
        jobs, cfg=scripted_cfg(gate="manual", approval_wait=-1), run_dir=run_dir, workspace=tmp_path / "ws")))
    t.start()
    try:
        for _ in range(600):  # wait until the ledger says the gate was answered
            if any(r.status == "AWAITING_APPROVAL" for r in read_ledger(run_dir / "ledger.jsonl")):
                break
            time.sleep(0.05)
        _, new = approve(run_dir, "T-001")
        assert new
    finally:
        t.join(timeout=60)
    assert box["out"].status == "FINISHED" and box["out"].states["T-001"].status == "COMPLETED"


def test_approve_unknown_run_or_task_is_a_clear_error(tmp_path, factory_env):
    runs = tmp_path / "runs"
    runs.mkdir()
    r = factory("approve", "nope", "T-001", "--runs-dir", str(runs), env=factory_env)
    assert r.returncode == 2 and "no run 'nope'" in r.stderr and "Traceback" not in r.stderr
    jobs, _ = make_project(tmp_path, {"T-001": []})
    run_dispatch(jobs, cfg=scripted_cfg(), run_dir=runs / "r", workspace=tmp_path / "ws")
    r = factory("approve", "r", "T-404", "--runs-dir", str(runs), env=factory_env)
    assert r.returncode == 1 and "no task T-404" in r.stderr
