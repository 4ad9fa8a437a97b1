"""Ctrl-C stops the run and records INTERRUPTED; resume carries on without redoing work."""

from __future__ import annotations

import os
import signal
import subprocess

import tomlkit

from generator.dispatch import run_dispatch
from generator.errors import UsageError
from test_dispatch_helpers import ledger_rows, make_project, resume_logged, scripted_cfg, start_hanging_run, wait_for

import pytest

def test_sigint_interrupts_and_resume_skips_completed_tasks(tmp_path, factory_env):
    jobs, log, run_dir, ws, proc = start_hanging_run(tmp_path, factory_env, stdout=subprocess.PIPE,
                                                     stderr=subprocess.PIPE, text=True)
    try:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "T-002 H-FACTORY-002 INTERRUPTED" in stdout
    children = [int((log / f"{t}.child").read_text()) for t in ("T-002", "T-004")]
    for pid in children:
        wait_for(lambda: not os.path.exists(f"/proc/{pid}") or
                  open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z", f"child {pid} gone")
    final = {r["task_id"]: r["status"] for r in ledger_rows(run_dir)}
    assert final == {"T-001": "COMPLETED", "T-002": "INTERRUPTED", "T-004": "INTERRUPTED"}
    meta = tomlkit.parse((run_dir / "run.toml").read_text()).unwrap()
    assert meta["status"] == "INTERRUPTED"

    # resume in-process, agents now well-behaved
    out, added = resume_logged(jobs, log, run_dir, ws)
    assert out.ok, {t: (s.status, s.reason) for t, s in out.states.items()}
    again = [t["task"] for t in added]
    assert sorted(again) == ["T-002", "T-003", "T-004"]  # T-001 not dispatched again
    assert out.states["T-002"].attempts == 2 and out.states["T-001"].attempts == 1
    assert tomlkit.parse((run_dir / "run.toml").read_text()).unwrap()["status"] == "FINISHED"
    assert len(out.records) == len(ledger_rows(run_dir))


def test_a_fresh_run_refuses_an_existing_ledger_and_resume_needs_a_run(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    run_dir = tmp_path / "runs" / "r"
    run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")
    with pytest.raises(UsageError, match="resume"):
        run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")
    with pytest.raises(UsageError, match="no such run"):
        run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "x", workspace=tmp_path / "ws",
                     resume=True)
