"""What a crash can leave of the ledger, and that resume copes with all of it.

Launch records are written but not fsync'd before the agent starts, so a power
cut may lose any tail of the ledger that the background syncer had not covered
yet. These tests cut the ledger of a finished run at every line (and mid-line),
kill -9 a dispatcher while agents run, and check the ordering the syncer
promises, always with real agent processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter

from generator.dispatch import read_ledger, run_dispatch
from generator.dispatch import ledger as ledger_mod
from test_dispatch_helpers import (  # noqa: F401 (agent_log is a fixture)
    GRAPH, agent_log, ledger_rows, make_project, resume_logged, scripted_cfg, start_hanging_run, turns)

def _completed(rows: list[dict]) -> Counter:
    return Counter(r["task_id"] for r in rows if r["status"] == "COMPLETED")


def _finished_run(tmp_path, log):
    jobs, _ = make_project(tmp_path, GRAPH)
    run_dir = tmp_path / "runs" / "full"
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws-full")
    assert out.ok
    return jobs, (run_dir / "ledger.jsonl").read_bytes()


def _resume_from(tmp_path, jobs, name: str, ledger: bytes):
    run_dir = tmp_path / "runs" / name
    run_dir.mkdir(parents=True)
    (run_dir / "ledger.jsonl").write_bytes(ledger)
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / f"ws-{name}", resume=True)
    return out, run_dir


def test_any_lost_tail_of_the_ledger_resumes_to_each_task_finished_once(tmp_path, agent_log):
    """Whatever prefix of the ledger reached the disk, resume re-runs exactly the tasks it
    does not hold as COMPLETED, once each, and keeps the prefix as it was."""
    jobs, full = _finished_run(tmp_path, agent_log)
    lines = full.splitlines(keepends=True)
    assert len(lines) == 2 * len(GRAPH)
    for k in range(len(lines) + 1):
        prefix = b"".join(lines[:k])
        done = set(_completed([json.loads(x) for x in lines[:k]]))
        out, run_dir = _resume_from(tmp_path, jobs, f"cut{k}", prefix)
        assert out.ok, (k, out.counts())
        assert (run_dir / "ledger.jsonl").read_bytes().startswith(prefix)
        rows = ledger_rows(run_dir)
        again = Counter(r["task_id"] for r in rows[k:] if r["status"] == "DISPATCHED")
        assert again == Counter({t: 1 for t in GRAPH if t not in done}), k
        assert _completed(rows) == Counter({t: 1 for t in GRAPH}), k


def test_a_torn_last_line_is_ended_before_the_resumed_run_appends(tmp_path, agent_log):
    """A crash mid-write leaves half a line; the next record must not run into it."""
    jobs, full = _finished_run(tmp_path, agent_log)
    lines = full.splitlines(keepends=True)
    for k in (2, 5):
        prefix = b"".join(lines[:k]) + lines[k][: len(lines[k]) // 2]
        out, run_dir = _resume_from(tmp_path, jobs, f"torn{k}", prefix)
        assert out.ok, out.counts()
        text = (run_dir / "ledger.jsonl").read_bytes()
        assert text.startswith(prefix + b"\n")
        appended = [json.loads(x) for x in text[len(prefix) + 1:].splitlines()]
        assert appended and all(r["task_id"] in GRAPH for r in appended)
        kept = [r.to_dict() for r in read_ledger(run_dir / "ledger.jsonl")]
        assert len(kept) == k + len(appended)
        assert _completed(kept) == Counter({t: 1 for t in GRAPH})


def test_a_finished_record_is_written_only_after_its_launch_and_dependencies_are_on_disk(
        tmp_path, agent_log, monkeypatch):
    """The order the syncer promises: what a power cut keeps never holds a task
    finished while its launch, or a dependency's completion, is lost."""
    seen: list[tuple[int, int, object]] = []  # (lines synced before the write, its seq, record)
    original = ledger_mod.Ledger.append

    def append(self, record, durable=True):
        synced = self._synced
        seq = original(self, record, durable)
        seen.append((synced, seq, record))
        return seq

    monkeypatch.setattr(ledger_mod.Ledger, "append", append)
    real_fsync = os.fsync

    def slow_fsync(fd):  # a slow disk: agents finish while their launch is still unsynced
        time.sleep(0.3)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    jobs, _ = make_project(tmp_path, GRAPH)
    out = run_dispatch(jobs, cfg=scripted_cfg(jobs=4), run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")
    assert out.ok
    launch = {r.dispatch_id: seq for _, seq, r in seen if r.status == "DISPATCHED"}
    finished = {r.task_id: seq for _, seq, r in seen if r.status == "COMPLETED"}
    for synced, _, r in seen:
        if r.status == "DISPATCHED":
            continue
        assert synced >= launch[r.dispatch_id], r
        for dep in GRAPH[r.task_id]:
            assert synced >= finished[dep], (r.task_id, dep)


def test_kill_9_mid_run_then_resume_runs_each_unfinished_task_once(tmp_path, factory_env):
    """SIGKILL, not Ctrl-C: no INTERRUPTED records, agents orphaned; resume still
    keeps the finished task and runs every other one exactly once."""
    jobs, log, run_dir, ws, proc = start_hanging_run(tmp_path, factory_env, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL)
    try:
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        for t in turns(log):  # the orphaned agents, each the leader of its own group
            if t.get("event") == "hang":
                try:
                    os.killpg(t["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
    rows = ledger_rows(run_dir)
    last = {r["task_id"]: r["status"] for r in rows}
    assert last == {"T-001": "COMPLETED", "T-002": "DISPATCHED", "T-004": "DISPATCHED"}

    out, added = resume_logged(jobs, log, run_dir, ws)
    assert out.ok, out.counts()
    assert sorted(t["task"] for t in added) == ["T-002", "T-003", "T-004"]
    assert _completed(ledger_rows(run_dir)) == Counter({t: 1 for t in GRAPH})
    assert out.states["T-002"].attempts == 2 and out.states["T-001"].attempts == 1
