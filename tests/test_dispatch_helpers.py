"""Shared builders for the dispatch tests: a handoff tree, a spec, a config.

The tree mirrors the compiler's layout (generator/compile/facets.py): `handoffs/<spec>/handoff_index.json`
and `H-…/H-…_{BUILDER_HANDOFF,AGENT_PROMPT,EXPECTED_ANSWERS}.md`, next to a
spec directory whose D9 holds text no agent may ever see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.config import DispatchConfig
from generator.dispatch import Job, jobs_from_index
from generator.model import ProductSpec, Task

ROOT = Path(__file__).resolve().parent.parent
SCRIPTED = ROOT / "tests" / "agents" / "scripted.py"
D9_SECRET = "HOLDOUT-SECRET-7f3a: the verifier expects exactly forty-two widgets"
ANSWERS_SECRET = "EXPECTED-ANSWER-91bc: the reviewer-only reply"

# The orchestrator's own D8 graph shape, used by SC-008.
SC008_GRAPH = {
    "T-001": [], "T-002": ["T-001"], "T-003": ["T-002"], "T-004": ["T-002"],
    "T-005": ["T-003", "T-004"], "T-006": ["T-005"], "T-007": ["T-005"],
}


def hid(task_id: str) -> str:
    return "H-FACTORY-" + task_id.split("-")[-1].zfill(3)


def make_project(root: Path, graph: dict[str, list[str]]) -> tuple[list[Job], ProductSpec]:
    """A spec dir with D9, a compiled handoff tree and jobs read through the index."""
    spec_dir = root / "specs" / "demo"
    spec_dir.mkdir(parents=True)
    (spec_dir / "D9_HOLDOUT_SCENARIOS.md").write_text(f"# Holdouts\n\n{D9_SECRET}\n")
    (spec_dir / "D8_TASKS.md").write_text("# Tasks\n")
    out = root / "handoffs" / "demo"
    index = {}
    for tid in graph:
        h = hid(tid)
        d = out / h
        d.mkdir(parents=True)
        (d / f"{h}_BUILDER_HANDOFF.md").write_text(f"# Handoff {h}\n\nBuild task {tid}.\n")
        (d / f"{h}_AGENT_PROMPT.md").write_text(f"# Prompt {h}\n\nAnswer the 13 questions, then stop.\n")
        (d / f"{h}_EXPECTED_ANSWERS.md").write_text(f"# Expected {h}\n\n{ANSWERS_SECRET}\n")
        index[tid] = {"handoff_id": h, "path": f"{h}/{h}_BUILDER_HANDOFF.md", "scenarios": [], "contracts": []}
    (out / "handoff_index.json").write_text(json.dumps(index, indent=2))
    spec = ProductSpec(spec_dir=spec_dir, name="demo",
                       tasks=[Task(id=t, depends_on=list(d)) for t, d in graph.items()])
    return jobs_from_index(out, spec), spec


def scripted_cfg(**kw) -> DispatchConfig:
    base = dict(backend="command", command=[sys.executable, str(SCRIPTED), "{turn}", "{session_id}"],
                retries=0, backoff=0.01, timeout=60.0, gate="off", jobs=4)
    base.update(kw)
    return DispatchConfig(**base)


def turns(log_dir: Path) -> list[dict]:
    p = log_dir / "turns.jsonl"
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


def ledger_rows(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "ledger.jsonl").read_text().splitlines()]


@pytest.fixture
def agent_log(tmp_path, monkeypatch):
    """A directory the scripted agent logs its turns to (SCRIPTED_LOG)."""
    d = tmp_path / "agentlog"
    d.mkdir()
    monkeypatch.setenv("SCRIPTED_LOG", str(d))
    return d


DRIVER = ROOT / "tests" / "agents" / "dispatch_driver.py"
GRAPH = {"T-001": [], "T-002": ["T-001"], "T-003": ["T-002"], "T-004": ["T-001"]}


def wait_for(pred, what: str, limit: int = 1200) -> None:
    """Poll `pred` every 50 ms (a minute at most): for events in other processes, never a timing."""
    for _ in range(limit):
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def start_hanging_run(tmp_path: Path, factory_env: dict, **popen):
    """(jobs, agent log dir, run dir, workspace, process) of a `GRAPH` dispatch in its
    own process whose agents for T-002 and T-004 hang, once both have started."""
    jobs, _ = make_project(tmp_path, GRAPH)
    log = tmp_path / "agentlog"
    log.mkdir()
    run_dir, ws = tmp_path / "runs" / "r", tmp_path / "ws"
    env = dict(factory_env, SCRIPTED_LOG=str(log), SCRIPTED_HANG="T-002,T-004",
               PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}")
    args = [sys.executable, str(DRIVER), str(tmp_path / "handoffs" / "demo"), json.dumps(GRAPH),
            str(run_dir), str(ws)]
    proc = subprocess.Popen(args, env=env, **popen)
    try:
        wait_for(lambda: (log / "T-002.child").exists() and (log / "T-004.child").exists(), "both agents hang")
    except BaseException:
        proc.kill()
        raise
    return jobs, log, run_dir, ws, proc


def resume_logged(jobs, log: Path, run_dir: Path, ws: Path):
    """(outcome, the agent turns it added) of resuming `run_dir` in-process, agents logging to `log`."""
    from generator.dispatch import run_dispatch

    before = len(turns(log))
    os.environ["SCRIPTED_LOG"] = str(log)
    try:
        out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=ws, resume=True)
    finally:
        del os.environ["SCRIPTED_LOG"]
    return out, turns(log)[before:]
