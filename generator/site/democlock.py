"""A synthetic clock for demonstration runs, so the committed site is the same everywhere.

A demonstration run is real: `factory run` dispatches stand-in agents and runs
the holdouts. Its recorded times are not worth keeping, though: they come from
the machine's clock, change on every invocation, and a stand-in agent's
milliseconds say nothing about real work. So `apply(run_dir, start)` replaces
every time and duration in the run's data with a synthetic clock derived
from what happened, never from when:

- the tasks are replayed along their dependency graph in task-id order, at
  most `jobs` at a time, each starting as soon as its dependencies finished;
- every recorded dispatch of a task (gate turn, build turn, each retry) lasts
  a fixed time by its turn; a task blocked by a failed dependency is blocked
  the moment that dependency finished;
- the holdouts follow in their recorded order, each recorded step lasting
  one second.

Dispatch ids become sequence numbers in that replay, and the ledger and
dispatch facets are rewritten in its order. The run is marked `clock =
"synthetic"` with a note saying so, and the report site prints that note
wherever it shows a time of the run: these are not measurements.
"""

from __future__ import annotations

import heapq
import json
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import tomlkit

from generator.spec.ids import id_key

TURN_MS = {"gate": 30_000, "build": 120_000}
OTHER_TURN_MS = 60_000
STEP_MS = 1_000
CLOCK = "synthetic"
NOTE = (
    "Demonstration run made with stand-in agents. Its times are not measurements: they are normalised "
    "to a synthetic clock (each gate turn 30 s, each build turn and retry 2 min, each holdout step 1 s; "
    "tasks start as soon as their dependencies and the job limit allow), so this page is the same on "
    "every machine and every rebuild."
)
_FAILED = {"FAILED", "DISPATCH_FAILED", "BLOCKED", "INTERRUPTED", "AWAITING_APPROVAL"}


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Group:
    """Every recorded event of one dispatch id."""

    def __init__(self, dispatch_id: str, task: str, order: int):
        self.old = dispatch_id
        self.task = task
        self.order = order
        self.turn = ""
        self.launched = False
        self.status = ""
        self.start = 0
        self.end = 0
        self.new = ""

    @property
    def ms(self) -> int:
        if not self.launched or self.status == "BLOCKED":
            return 0
        return TURN_MS.get(self.turn, OTHER_TURN_MS)


def _groups(events: list[dict[str, Any]]) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for n, e in enumerate(events):
        did = str(e.get("dispatch_id") or f"event-{n}")
        g = groups.setdefault(did, _Group(did, str(e.get("task_id") or ""), n))
        g.turn = str(e.get("turn") or g.turn)
        g.status = str(e.get("status") or g.status)
        g.launched = g.launched or e.get("status") == "DISPATCHED"
    return groups


def _replay(groups: dict[str, _Group], task_rows: list[dict[str, Any]], jobs: int) -> int:
    """Give every group a synthetic (start, end) in ms; return when the last one ended."""
    by_task: dict[str, list[_Group]] = {}
    for g in sorted(groups.values(), key=lambda g: g.order):
        by_task.setdefault(g.task, []).append(g)
    deps = {str(r.get("task_id")): [str(d) for d in r.get("depends_on") or []] for r in task_rows}
    status = {str(r.get("task_id")): str(r.get("status") or "") for r in task_rows}
    for tid, gs in by_task.items():
        status.setdefault(tid, gs[-1].status)
    pending = sorted(by_task, key=id_key)
    known = set(pending)
    done: dict[str, int] = {}
    bad: set[str] = set()
    running: list[tuple[int, tuple, str]] = []
    now = 0
    while pending or running:
        started = True
        while started:
            started = False
            for tid in list(pending):
                ds = [d for d in deps.get(tid, []) if d in known]
                blocked = any(d in bad for d in ds) or (
                    status.get(tid) == "BLOCKED" and all(d in done for d in ds))
                if blocked:
                    for g in by_task[tid]:
                        g.start = g.end = now
                    done[tid] = now
                    bad.add(tid)
                elif all(d in done for d in ds) and len(running) < jobs:
                    at = now
                    for g in by_task[tid]:
                        g.start, g.end = at, at + g.ms
                        at = g.end
                    heapq.heappush(running, (at, id_key(tid), tid))
                else:
                    continue
                pending.remove(tid)
                started = True
        if not running:
            if pending:  # dependencies that can never finish: place the rest at once
                known -= set(pending)
                continue
            break
        now, _, tid = heapq.heappop(running)
        done[tid] = now
        if status.get(tid) in _FAILED:
            bad.add(tid)
    ordered = sorted(groups.values(), key=lambda g: (g.start, id_key(g.task), g.order))
    for n, g in enumerate(ordered, 1):
        g.new = f"D-{n:04d}"
    return max((g.end for g in groups.values()), default=0)


def _event(e: dict[str, Any], groups: dict[str, _Group], t0: datetime) -> tuple:
    """Rewrite one dispatch event in place; return its sort key in the replay."""
    g = groups.get(str(e.get("dispatch_id")))
    if g is None:
        return (0, 0, id_key(str(e.get("task_id") or "")), 0)
    e["dispatch_id"] = g.new
    e["timestamp_dispatched"] = _iso(t0 + timedelta(milliseconds=g.start))
    completion = "timestamp_completed" in e
    if completion:
        e["timestamp_completed"] = _iso(t0 + timedelta(milliseconds=g.end))
    if "duration_ms" in e:
        e["duration_ms"] = g.end - g.start
    return (g.end if completion else g.start, 0 if completion else 1, id_key(g.task), g.order)


def _tasks(rows: list[dict[str, Any]], groups: dict[str, _Group], t0: datetime) -> None:
    for r in rows:
        gs = [g for g in groups.values() if g.task == r.get("task_id")]
        if not gs:
            continue
        a, b = min(g.start for g in gs), max(g.end for g in gs)
        for key, ms in (("started_at", a), ("finished_at", b)):
            r[key] = _iso(t0 + timedelta(milliseconds=ms))
        if "duration_ms" in r:
            r["duration_ms"] = b - a


def _holdouts(doc: dict[str, Any], t0: datetime, at: int) -> int:
    begin = at
    for h in doc.get("holdout") or []:
        steps = h.get("step") or []
        for s in steps:
            if "duration_ms" in s:
                s["duration_ms"] = STEP_MS
        if "duration_ms" in h:
            h["duration_ms"] = STEP_MS * len(steps)
        at += STEP_MS * len(steps)
    for key, ms in (("started", begin), ("finished", at)):
        if key in doc:
            doc[key] = _iso(t0 + timedelta(milliseconds=ms))
    return at


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def apply(run_dir: Path, start: datetime) -> None:
    """Rewrite every time of the run at `run_dir` on the synthetic clock starting at `start`."""
    read = lambda name: tomllib.loads((run_dir / name).read_text(encoding="utf-8")) if (run_dir / name).is_file() else {}  # noqa: E731
    run, disp, hold, report = (read(n) for n in ("run.toml", "dispatch.toml", "holdouts.toml", "report.toml"))
    ledger_path = run_dir / "ledger.jsonl"
    events = [json.loads(line) for line in ledger_path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if ledger_path.is_file() else list(disp.get("dispatch") or [])
    groups = _groups(events)
    jobs = run.get("jobs") if isinstance(run.get("jobs"), int) and run.get("jobs", 0) > 0 else 1
    dispatched = _replay(groups, list(disp.get("task") or []), jobs)
    end = _holdouts(hold, start, dispatched)
    _holdouts(report, start, dispatched)

    def rows(doc: dict[str, Any]) -> None:
        if doc.get("dispatch"):
            doc["dispatch"] = [e for _, e in sorted(((_event(e, groups, start), e) for e in doc["dispatch"]),
                                                   key=lambda p: p[0])]
        _tasks(list(doc.get("task") or []), groups, start)

    for doc in (disp, report):
        rows(doc)
    if "total_duration_ms" in report:
        report["total_duration_ms"] = end
    run.update(started_at=_iso(start), finished_at=_iso(start + timedelta(milliseconds=end)),
               clock=CLOCK, clock_note=NOTE)
    if ledger_path.is_file():
        keyed = sorted(((_event(e, groups, start), e) for e in events), key=lambda p: p[0])
        ledger_path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for _, e in keyed), encoding="utf-8")
    for name, doc in (("run.toml", run), ("dispatch.toml", disp), ("holdouts.toml", hold), ("report.toml", report)):
        if doc:
            _dump(run_dir / name, doc)
