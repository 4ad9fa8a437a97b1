"""What the site knows about one run, read from `runs/<run-id>/`.

Every field may be missing: an interrupted run has no report, a run from an
older version lacks keys. Missing values stay None and render as
"not recorded"; they are never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from generator.site.read import as_float, as_int, as_list, as_str, pick, read_toml, rows
from generator.spec.ids import id_key


@dataclass
class TaskRun:
    task_id: str
    handoff_id: str = ""
    status: str = ""
    reason: str = ""
    depends_on: list[str] = field(default_factory=list)
    attempts: int | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    started_at: str = ""
    finished_at: str = ""


@dataclass
class Dispatch:
    """One dispatch attempt of one turn: the last event recorded for it."""

    dispatch_id: str
    task_id: str
    handoff_id: str = ""
    status: str = ""
    turn: str = "build"
    attempt: int = 1
    start: str = ""
    end: str = ""
    duration_ms: int | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    error: str = ""
    session_id: str = ""


@dataclass
class Step:
    name: str
    exit_code: int | None = None
    duration_ms: int | None = None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False


@dataclass
class HoldoutRun:
    holdout_id: str
    title: str = ""
    priority: str = ""
    status: str = ""
    scenarios: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    actual_output: str = ""
    expected_output: str = ""
    error_message: str = ""
    duration_ms: int | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status not in ("PASS", "")


@dataclass
class RunData:
    run_id: str
    spec: str = ""
    spec_dir: str = ""
    started_at: str = ""
    finished_at: str = ""
    status: str = ""
    backend: str = ""
    gate: str = ""
    jobs: int | None = None
    clock: str = ""
    clock_note: str = ""
    verdict: str = ""
    verdict_reason: str = ""
    p0_pass: bool | None = None
    p0_total: int | None = None
    p0_passed: int | None = None
    total_tokens: int | None = None
    total_cost: float | None = None
    total_duration_ms: int | None = None
    validation_status: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[TaskRun] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)
    holdouts: list[HoldoutRun] = field(default_factory=list)
    has_holdouts: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        """Times on a synthetic clock (a demonstration run): not measurements."""
        return self.clock == "synthetic"


def parse_time(s: str) -> datetime | None:
    """An ISO 8601 instant as an aware datetime (naive means UTC), or None."""
    if not s:
        return None
    try:
        t = datetime.fromisoformat(s.strip())
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def span_ms(start: str, end: str) -> int | None:
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None or b < a:
        return None
    return int((b - a).total_seconds() * 1000)


def _dispatches(dispatch_rows: list[dict[str, Any]]) -> list[Dispatch]:
    """One entry per dispatch id; later events refine earlier ones."""
    by_key: dict[str, Dispatch] = {}
    for n, r in enumerate(dispatch_rows):
        task = as_str(r.get("task_id"))
        turn = as_str(r.get("turn")) or "build"
        attempt = as_int(r.get("attempt")) or 1
        key = as_str(r.get("dispatch_id")) or f"{task}:{turn}:{attempt}:{n}"
        d = by_key.setdefault(key, Dispatch(dispatch_id=key, task_id=task, turn=turn, attempt=attempt))
        d.handoff_id = as_str(r.get("handoff_id")) or d.handoff_id
        d.status = as_str(r.get("status")) or d.status
        d.start = as_str(r.get("timestamp_dispatched")) or d.start
        d.end = as_str(r.get("timestamp_completed")) or d.end
        for name, conv, src in (("duration_ms", as_int, "duration_ms"), ("tokens", as_int, "tokens_used"),
                                ("cost_usd", as_float, "cost_usd")):
            v = conv(r.get(src))
            if v is not None:
                setattr(d, name, v)
        d.error = as_str(r.get("error")) or d.error
        d.session_id = as_str(r.get("session_id")) or d.session_id
    out = list(by_key.values())
    for d in out:
        if d.duration_ms is None:
            d.duration_ms = span_ms(d.start, d.end)
    return sorted(out, key=lambda d: (d.start, id_key(d.task_id), d.turn != "gate", d.attempt, d.dispatch_id))


def _tasks(task_rows: list[dict[str, Any]], dispatches: list[Dispatch]) -> list[TaskRun]:
    out: dict[str, TaskRun] = {}
    for r in task_rows:
        tid = as_str(r.get("task_id"))
        if not tid:
            continue
        out[tid] = TaskRun(
            task_id=tid,
            handoff_id=as_str(r.get("handoff_id")),
            status=as_str(r.get("status")),
            reason=as_str(r.get("reason")),
            depends_on=as_list(r.get("depends_on")),
            attempts=as_int(r.get("attempts")),
            tokens=as_int(r.get("tokens")),
            cost_usd=as_float(r.get("cost_usd")),
            started_at=as_str(r.get("started_at")),
            finished_at=as_str(r.get("finished_at")),
        )
    derived: dict[str, TaskRun] = {}
    for d in dispatches:  # tasks that only appear in dispatch events: their last event
        if d.task_id and d.task_id not in out:
            derived[d.task_id] = TaskRun(task_id=d.task_id, handoff_id=d.handoff_id, status=d.status)
    out.update(derived)
    return sorted(out.values(), key=lambda t: id_key(t.task_id))


def _holdouts(doc: dict[str, Any]) -> list[HoldoutRun]:
    out = []
    for r in rows(doc, "holdout", "holdouts"):
        hid = as_str(r.get("holdout_id") or r.get("id"))
        if not hid:
            continue
        responsible = as_list(r.get("responsible_tasks")) or as_list(r.get("responsible_task"))
        steps = [
            Step(
                name=as_str(s.get("name")),
                exit_code=as_int(s.get("exit_code")),
                duration_ms=as_int(s.get("duration_ms")),
                stdout=as_str(s.get("stdout")),
                stderr=as_str(s.get("stderr")),
                timed_out=s.get("timed_out") is True,
            )
            for s in rows(r, "step", "steps")
        ]
        out.append(
            HoldoutRun(
                holdout_id=hid,
                title=as_str(r.get("title")),
                priority=as_str(r.get("priority")),
                status=as_str(r.get("status")),
                scenarios=as_list(r.get("validates_scenarios")),
                contracts=as_list(r.get("validates_contracts")),
                responsible=responsible,
                actual_output=as_str(r.get("actual_output")),
                expected_output=as_str(r.get("expected_output")),
                error_message=as_str(r.get("error_message")),
                duration_ms=as_int(r.get("duration_ms")),
                steps=steps,
            )
        )
    return sorted(out, key=lambda h: id_key(h.holdout_id))


def _sum(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def load_run(run_dir: Path) -> RunData:
    """Read one run directory; never raises for missing or malformed files."""
    data = RunData(run_id=run_dir.name)
    notes = data.notes
    run = read_toml(run_dir / "run.toml", notes)
    run = run.get("run", run) if isinstance(run.get("run"), dict) else run
    disp = read_toml(run_dir / "dispatch.toml", notes)
    hold = read_toml(run_dir / "holdouts.toml", notes)
    report = read_toml(run_dir / "report.toml", notes)
    report = report.get("report", report) if isinstance(report.get("report"), dict) else report

    data.run_id = as_str(run.get("run_id")) or run_dir.name
    data.spec = as_str(run.get("spec"))
    data.spec_dir = as_str(pick(run, "spec_dir")) or as_str(report.get("spec_dir"))
    if not data.spec and data.spec_dir:
        data.spec = Path(data.spec_dir).name
    for k in ("started_at", "finished_at", "status", "backend", "gate", "clock", "clock_note"):
        setattr(data, k, as_str(run.get(k)))
    data.jobs = as_int(run.get("jobs"))

    data.dispatches = _dispatches(rows(disp, "dispatch"))
    data.tasks = _tasks(rows(disp, "task"), data.dispatches)
    data.holdouts = _holdouts(hold)
    data.has_holdouts = bool(hold)

    data.verdict = as_str(report.get("verdict")) or as_str(hold.get("verdict"))
    data.verdict_reason = as_str(report.get("verdict_reason")) or as_str(hold.get("verdict_reason"))
    p0 = hold.get("p0_pass")
    data.p0_pass = p0 if isinstance(p0, bool) else None
    data.p0_total = as_int(hold.get("p0_total"))
    data.p0_passed = as_int(hold.get("p0_passed"))

    data.total_tokens = as_int(report.get("total_tokens"))
    if data.total_tokens is None:
        data.total_tokens = _first(_sum([t.tokens for t in data.tasks]), _sum([d.tokens for d in data.dispatches]))
    data.total_cost = as_float(report.get("total_cost_usd"))
    if data.total_cost is None:
        data.total_cost = _first(_sum([t.cost_usd for t in data.tasks]), _sum([d.cost_usd for d in data.dispatches]))
    data.total_duration_ms = as_int(report.get("total_duration_ms"))
    if data.total_duration_ms is None:
        data.total_duration_ms = span_ms(data.started_at, data.finished_at)

    val = report.get("validation")
    if isinstance(val, dict):
        data.validation_status = as_str(val.get("status"))
        data.checks = [
            {"name": as_str(pick(c, "check_name", "name")), "status": as_str(c.get("status")),
             "message": as_str(c.get("message")), "details": as_list(c.get("details"))}
            for c in rows(val, "check", "checks")
        ]
    return data


def load_runs(runs_dir: Path) -> list[RunData]:
    """Every run under `runs_dir`, newest first by its own start time."""
    if not runs_dir.is_dir():
        return []
    runs = [load_run(d) for d in sorted(runs_dir.iterdir()) if d.is_dir() and (d / "run.toml").is_file()]

    def key(r: RunData) -> tuple:
        t = parse_time(r.started_at)
        return (t.timestamp() if t else float("-inf"), r.run_id)

    return sorted(runs, key=key, reverse=True)
