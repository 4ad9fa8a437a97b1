"""Infrastructure failures are retried then DISPATCH_FAILED; a builder's own FAIL is final."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from generator.dispatch import run_dispatch
from test_dispatch_helpers import agent_log, ledger_rows, make_project, scripted_cfg, turns  # noqa: F401 (fixture)


def _gone(pid: int) -> bool:
    """True when the process no longer exists (or is a zombie nobody has reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_hanging_agent_and_its_child_are_killed_at_the_timeout(tmp_path, agent_log, monkeypatch):
    monkeypatch.setenv("SCRIPTED_HANG", "T-001")
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": []})
    run_dir = tmp_path / "runs" / "r"
    out = run_dispatch(jobs, cfg=scripted_cfg(timeout=3.0), run_dir=run_dir, workspace=tmp_path / "ws")
    st = out.states["T-001"]
    assert st.status == "DISPATCH_FAILED" and "timed out" in st.reason
    assert out.states["T-002"].status == "COMPLETED"  # independent work went on
    hang = [t for t in turns(agent_log) if t.get("event") == "hang"]
    assert hang, "the agent never started its child"
    assert _gone(hang[0]["pid"]) and _gone(hang[0]["child"])


def test_crashing_agent_is_retried_then_dispatch_failed(tmp_path, agent_log, monkeypatch):
    monkeypatch.setenv("SCRIPTED_CRASH", "T-002")
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": [], "T-003": ["T-002"]})
    run_dir = tmp_path / "runs" / "r"
    out = run_dispatch(jobs, cfg=scripted_cfg(retries=2), run_dir=run_dir, workspace=tmp_path / "ws")
    st = out.states["T-002"]
    assert st.status == "DISPATCH_FAILED" and st.attempts == 3
    assert "exited with status 3" in st.reason
    assert [t["task"] for t in turns(agent_log)].count("T-002") == 3
    assert out.states["T-003"].status == "BLOCKED" and "T-002" in out.states["T-003"].reason
    rows = [r for r in ledger_rows(run_dir) if r["task_id"] == "T-002"]
    assert [r["status"] for r in rows] == ["DISPATCHED", "DISPATCH_FAILED"] * 3
    assert [r["attempt"] for r in rows] == [1, 1, 2, 2, 3, 3]
    assert (run_dir / "logs" / "H-FACTORY-002.build.3.err").read_text().strip() == "agent fell over"


def test_missing_agent_is_dispatch_failed(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    cfg = scripted_cfg(command=[str(tmp_path / "no-such-agent"), "{prompt_path}"], retries=1)
    out = run_dispatch(jobs, cfg=cfg, run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")
    st = out.states["T-001"]
    assert st.status == "DISPATCH_FAILED" and "cannot start" in st.reason and st.attempts == 2


@pytest.mark.parametrize("var,why", [("SCRIPTED_FAIL", "Status: FAIL"), ("SCRIPTED_PARTIAL", "Status: PARTIAL"),
                                     ("SCRIPTED_NORESULT", "no results file")])
def test_builder_failure_is_failed_and_not_retried(tmp_path, agent_log, monkeypatch, var, why):
    monkeypatch.setenv(var, "T-001")
    jobs, _ = make_project(tmp_path, {"T-001": []})
    run_dir = tmp_path / "runs" / "r"
    out = run_dispatch(jobs, cfg=scripted_cfg(retries=3), run_dir=run_dir, workspace=tmp_path / "ws")
    st = out.states["T-001"]
    assert st.status == "FAILED" and why in st.reason and "BUILDER_TASK_FAILED" in st.reason
    assert st.attempts == 1 and len(turns(agent_log)) == 1
    if var != "SCRIPTED_NORESULT":  # the results are kept beside the run
        assert "## Status:" in (run_dir / "results" / "H-FACTORY-001_RESULTS.md").read_text()


def test_template_results_line_listing_every_status_is_not_a_pass(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    script = tmp_path / "lazy.sh"
    script.write_text('#!/bin/sh\nprintf "## Status: PASS | FAIL | PARTIAL\\n" > "$FACTORY_RESULTS_PATH"\n')
    script.chmod(0o755)
    out = run_dispatch(jobs, cfg=scripted_cfg(command=[str(script)]), run_dir=tmp_path / "runs" / "r",
                       workspace=tmp_path / "ws")
    assert out.states["T-001"].status == "FAILED"
    assert "no Status line" in out.states["T-001"].reason


def test_unknown_placeholder_in_the_command_template_is_a_usage_error(tmp_path):
    from generator.errors import UsageError

    jobs, _ = make_project(tmp_path, {"T-001": []})
    with pytest.raises(UsageError, match="unknown placeholder"):
        run_dispatch(jobs, cfg=scripted_cfg(command=[sys.executable, "{nope}"]),
                     run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")
    assert not (tmp_path / "runs").exists()


def test_a_handoff_that_vanishes_mid_run_is_dispatch_failed_on_record(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": []})
    jobs[1].prompt_path.unlink()
    run_dir = tmp_path / "runs" / "r"
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")
    assert out.states["T-001"].status == "COMPLETED"
    assert out.states["T-002"].status == "DISPATCH_FAILED" and "FileNotFoundError" in out.states["T-002"].reason
    assert {r["task_id"]: r["status"] for r in ledger_rows(run_dir)}["T-002"] == "DISPATCH_FAILED"
