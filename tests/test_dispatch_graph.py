"""Scheduling along the task graph: SC-008, parallel middles, order, bad graphs."""

from __future__ import annotations

import tomlkit
import pytest

from generator.dispatch import Job, run_dispatch
from generator.errors import UsageError
from test_dispatch_helpers import SC008_GRAPH, agent_log, ledger_rows, make_project, scripted_cfg, turns  # noqa: F401 (fixture)


def test_sc008_failed_task_blocks_its_dependents_and_spares_its_peer(tmp_path, agent_log, monkeypatch):
    monkeypatch.setenv("SCRIPTED_FAIL", "T-003")
    jobs, _ = make_project(tmp_path, SC008_GRAPH)
    run_dir = tmp_path / "runs" / "r1"
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")

    st = {t: s.status for t, s in out.states.items()}
    assert st == {"T-001": "COMPLETED", "T-002": "COMPLETED", "T-003": "FAILED", "T-004": "COMPLETED",
                  "T-005": "BLOCKED", "T-006": "BLOCKED", "T-007": "BLOCKED"}
    assert "BUILDER_TASK_FAILED" in out.states["T-003"].reason
    for t in ("T-005", "T-006", "T-007"):
        assert "T-003" in out.states[t].reason
    # no blocked task ever reached an agent; the failed one ran once (no retry)
    ran = [r["task"] for r in turns(agent_log)]
    assert sorted(ran) == ["T-001", "T-002", "T-003", "T-004"]
    rows = ledger_rows(run_dir)
    assert {r["task_id"] for r in rows} == set(SC008_GRAPH)
    final = {r["task_id"]: r["status"] for r in rows}
    assert final == st
    assert all(r["status"] != "DISPATCHED" or "timestamp_completed" not in r for r in rows)
    facet = tomlkit.parse((run_dir / "dispatch.toml").read_text()).unwrap()
    assert {t["task_id"]: t["status"] for t in facet["task"]} == st
    assert len(facet["dispatch"]) == len(rows)
    assert out.status == "FINISHED" and not out.ok


def test_diamond_runs_its_middle_tasks_at_the_same_time(tmp_path, agent_log, monkeypatch):
    monkeypatch.setenv("SCRIPTED_SLEEP", "0.6")
    graph = {"T-001": [], "T-002": ["T-001"], "T-003": ["T-001"], "T-004": ["T-002", "T-003"]}
    jobs, _ = make_project(tmp_path, graph)
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")
    assert out.ok
    t = {r["task"]: r for r in turns(agent_log)}
    # the middles overlap; the ends do not overlap anything
    assert t["T-002"]["start"] < t["T-003"]["end"] and t["T-003"]["start"] < t["T-002"]["end"]
    assert t["T-001"]["end"] <= min(t["T-002"]["start"], t["T-003"]["start"])
    assert max(t["T-002"]["end"], t["T-003"]["end"]) <= t["T-004"]["start"]


def test_one_job_at_a_time_follows_numeric_task_order(tmp_path, agent_log):
    graph = {f"T-{n}": [] for n in (10, 2, 1, 33, 3)}
    jobs, _ = make_project(tmp_path, graph)
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "r",
                       workspace=tmp_path / "ws", jobs_limit=1)
    assert out.ok
    assert [r["task"] for r in turns(agent_log)] == ["T-1", "T-2", "T-3", "T-10", "T-33"]


def test_cycle_is_refused_before_anything_is_written(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": ["T-001"]})
    a, b = jobs
    cyclic = [Job(a.task_id, a.handoff_id, ("T-002",), a.handoff_path, a.prompt_path), b]
    run_dir = tmp_path / "runs" / "r"
    with pytest.raises(UsageError, match="cycle"):
        run_dispatch(cyclic, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")
    assert not run_dir.exists() and not (tmp_path / "ws").exists()


def test_unknown_dependency_is_refused(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    j = jobs[0]
    bad = [Job(j.task_id, j.handoff_id, ("T-404",), j.handoff_path, j.prompt_path)]
    with pytest.raises(UsageError, match="T-404"):
        run_dispatch(bad, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")


def test_a_finished_dispatch_leaves_no_thread_behind(tmp_path, agent_log):
    """A long-lived process (watch, the test runner) must not gather one watchdog per run;
    a leftover thread would also stop later builds from sharing work with forked workers."""
    import threading

    before = set(threading.enumerate())
    for k in range(2):
        jobs, _ = make_project(tmp_path / f"p{k}", {"T-001": [], "T-002": ["T-001"]})
        assert run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / f"runs{k}", workspace=tmp_path / f"ws{k}").ok
    assert [t.name for t in set(threading.enumerate()) - before] == []
