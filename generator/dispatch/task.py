"""One task's life in a worker thread: gate turn, approval, build turn, verdict.

Infrastructure failures (agent not found, timeout, crash without results) are
retried `retries` times with backoff `backoff * 2**n`, then DISPATCH_FAILED.
A builder's own FAIL or PARTIAL, or a clean exit without a PASS results file,
is FAILED (BUILDER_TASK_FAILED) and not retried.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import DispatchConfig
from generator.dispatch.backends import AgentReport, Backend, Turn, parse_output
from generator.dispatch.jobs import Job
from generator.dispatch.ledger import Ledger
from generator.dispatch.process import ProcessTable, run_process
from generator.dispatch.workspace import read_bytes, stage_files, staged_paths, write_bytes
from generator.model import DispatchRecord
from generator.runs import RunPaths, utc_now

STATUS_RE = re.compile(r"^[#>*\s]*Status\**\s*:\s*\**\s*(PASS|FAIL|PARTIAL)\b\**\s*\.?\s*$",
                       re.IGNORECASE | re.MULTILINE)

APPROVAL_MESSAGE = (
    "Approved: your answers to the verification questions are accepted. Now build what the "
    "handoff asks for, in this workspace, and finish by writing the results file at {results_path} "
    "with its Status line (PASS, FAIL or PARTIAL)."
)
GATE_OFF_NOTE = (
    "\n\n---\nNo approval step in this run: treat your answers as approved, build straight away, "
    "and write the results file at {results_path} with its Status line."
)


def results_status(path: Path) -> str | None:
    """PASS | FAIL | PARTIAL from the results file's first Status line; None if absent."""
    data = _read_or_none(path)
    return None if data is None else status_of(data)


def status_of(data: bytes) -> str | None:
    """PASS | FAIL | PARTIAL from a results text's first Status line, else None."""
    m = STATUS_RE.search(data.decode("utf-8", errors="replace"))
    return m.group(1).upper() if m else None


def _read_text(path: Path) -> str:
    """Path.read_text(encoding="utf-8") (newlines translated alike), in fewer system calls."""
    return read_bytes(path).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when it is absent or not a readable file."""
    try:
        return read_bytes(path)
    except OSError:
        return None


@dataclass
class Context:
    """What every worker shares: config, backend, run files, the process table."""

    cfg: DispatchConfig
    backend: Backend
    paths: RunPaths
    workspace: Path
    ledger: Ledger
    table: ProcessTable
    protected: list[Path]
    base_env: dict[str, str]  # already filtered by workspace.agent_env
    post: Callable[[DispatchRecord], None]  # every record, once written to the ledger


@dataclass
class TaskResult:
    status: str
    reason: str = ""
    session_id: str | None = None
    results_path: str | None = None


@dataclass
class _Attempt:
    ok: bool
    record: DispatchRecord
    report: AgentReport = field(default_factory=AgentReport)
    infra_error: str = ""
    interrupted: bool = False
    results: bytes | None = None  # the results file as the agent left it
    launch_seq: int = 0  # the ledger sequence number of the launch record

    @property
    def results_present(self) -> bool:
        return self.results is not None


class TaskRunner:
    """Runs the turns of one job; the scheduler decides when it may start."""

    def __init__(self, job: Job, ctx: Context):
        self.job, self.ctx = job, ctx
        self.staged = staged_paths(ctx.workspace, job.handoff_id, job.handoff_path, job.prompt_path)

    # -- one agent launch -------------------------------------------------
    def _launch(self, turn: str, attempt: int, message: str, session_id: str | None) -> _Attempt:
        job, ctx = self.job, self.ctx
        handoff, prompt, results = self.staged
        msg_path = results.with_name(f"{job.handoff_id}_{turn.upper()}_MESSAGE.md")
        t = Turn(job.task_id, job.handoff_id, turn, ctx.workspace, handoff, prompt, results,
                 message, msg_path, session_id or "")
        rec = DispatchRecord(uuid.uuid4().hex, job.handoff_id, job.task_id, utc_now(), "DISPATCHED",
                             attempt=attempt, turn=turn, session_id=session_id or None)
        seq = ctx.ledger.append(rec, durable=False)
        ctx.post(rec)
        stage_files(ctx.workspace, job.handoff_id, job.handoff_path, job.prompt_path)
        write_bytes(msg_path, message.encode("utf-8"))
        env = dict(ctx.base_env)
        env.update({
            "FACTORY_HANDOFF_ID": job.handoff_id, "FACTORY_TASK_ID": job.task_id,
            "FACTORY_HANDOFF_PATH": str(handoff), "FACTORY_PROMPT_PATH": str(prompt),
            "FACTORY_WORKSPACE": str(ctx.workspace), "FACTORY_RESULTS_PATH": str(results),
            "FACTORY_TURN": turn, "FACTORY_MESSAGE_PATH": str(msg_path),
            "FACTORY_SESSION_ID": session_id or "",
        })
        argv = ctx.backend.argv(t)
        out = ctx.paths.log(job.handoff_id, turn, attempt, "out")
        res = run_process(argv, cwd=ctx.workspace, env=env, timeout=ctx.cfg.timeout,
                          out_path=out, err_path=out.with_suffix(".err"), table=ctx.table)
        try:
            report = parse_output(read_bytes(out).decode("utf-8", errors="replace"))
        except OSError:
            report = AgentReport()
        done = DispatchRecord(rec.dispatch_id, job.handoff_id, job.task_id, rec.timestamp_dispatched, "",
                              timestamp_completed=utc_now(), tokens_used=report.tokens, attempt=attempt,
                              turn=turn, cost_usd=report.cost_usd,
                              session_id=report.session_id or session_id or None,
                              duration_ms=res.duration_ms)
        a = _Attempt(False, done, report, results=_read_or_none(results), launch_seq=seq)
        if res.interrupted:
            a.interrupted = True
        elif res.error:
            a.infra_error = res.error
        elif res.timed_out:
            a.infra_error = f"timed out after {ctx.cfg.timeout:g}s (process group killed)"
        elif res.returncode != 0 and not (turn == "build" and a.results_present):
            a.infra_error = f"agent exited with status {res.returncode} and no results"
        else:
            a.ok = True
        return a

    def _finish(self, a: _Attempt, status: str, error: str | None = None, results: str | None = None) -> None:
        """Record how a launch ended, then tell the scheduler.

        The record waits until its launch record, and so every record before it
        (the finished records of the tasks this one depends on among them), is
        fsync'd: whatever a power cut leaves of the ledger, a task it holds as
        finished has its dependencies finished too. By now the launch record is
        as old as the agent's run, so the wait is over at once.
        """
        a.record.status, a.record.error, a.record.results_path = status, error, results
        self.ctx.ledger.wait(a.launch_seq)
        self.ctx.ledger.append(a.record, durable=False)  # the syncer fsyncs it at once
        self.ctx.post(a.record)

    # -- one turn, with retries -------------------------------------------
    def _turn(self, turn: str, message: str, session_id: str | None) -> _Attempt | TaskResult:
        cfg = self.ctx.cfg
        for attempt in range(1, cfg.retries + 2):
            if attempt > 1 and self.ctx.table.stopping.wait(cfg.backoff * 2 ** (attempt - 2)):
                return TaskResult("INTERRUPTED", "run interrupted before a retry", session_id)
            if self.ctx.table.stopping.is_set():
                return TaskResult("INTERRUPTED", "run interrupted", session_id)
            a = self._launch(turn, attempt, message, session_id)
            if a.ok:
                return a
            if a.interrupted:
                self._finish(a, "INTERRUPTED", f"{turn} turn interrupted")
                return TaskResult("INTERRUPTED", f"{turn} turn interrupted", a.record.session_id)
            left = cfg.retries + 1 - attempt
            self._finish(a, "DISPATCH_FAILED", f"{a.infra_error}"
                         + (f" (retrying, {left} left)" if left else ""))
        tries = cfg.retries + 1
        return TaskResult("DISPATCH_FAILED", f"{a.infra_error} (after {tries} attempt{'s' if tries > 1 else ''})",
                          a.record.session_id)

    # -- the whole task ---------------------------------------------------
    def gate(self) -> TaskResult:
        """Gate turn: the prompt as generated; answers recorded; approval per config."""
        prompt = _read_text(self.job.prompt_path)
        a = self._turn("gate", prompt, None)
        if isinstance(a, TaskResult):
            return a
        paths = self.ctx.paths
        answers = paths.answers(self.job.handoff_id)
        answers.write_text(f"# Gate answers: {self.job.handoff_id} ({self.job.task_id})\n\n"
                           f"{a.report.text.strip()}\n", encoding="utf-8")
        manual = self.ctx.cfg.gate == "manual"
        self._finish(a, "AWAITING_APPROVAL" if manual else "APPROVED",
                     None if not manual else "waiting for `factory approve`")
        sid = a.record.session_id
        if manual:
            return TaskResult("AWAITING_APPROVAL", "waiting for `factory approve`", sid)
        return self.build(sid)

    def build(self, session_id: str | None) -> TaskResult:
        """Build turn, resuming the gate's session; judged by the results file only."""
        results = self.staged[2]
        if self.ctx.cfg.gate == "off":
            message = _read_text(self.job.prompt_path) + GATE_OFF_NOTE
        else:
            message = APPROVAL_MESSAGE
        message = message.format(results_path=results)
        a = self._turn("build", message, session_id)
        if isinstance(a, TaskResult):
            return a
        status = status_of(a.results) if a.results is not None else None
        kept = None
        if a.results is not None:
            dst = self.ctx.paths.results(self.job.handoff_id)
            write_bytes(dst, a.results)
            kept = str(dst.relative_to(self.ctx.paths.root))
        if status == "PASS":
            self._finish(a, "COMPLETED", None, kept)
            return TaskResult("COMPLETED", "", a.record.session_id, kept)
        why = (f"results Status: {status}" if status else
               "results file has no Status line" if a.results_present else "no results file written")
        self._finish(a, "FAILED", f"BUILDER_TASK_FAILED: {why}", kept)
        return TaskResult("FAILED", f"BUILDER_TASK_FAILED: {why}", a.record.session_id, kept)

    def run(self, phase: str, session_id: str | None) -> TaskResult:
        if phase == "build":
            return self.build(session_id)
        if self.ctx.cfg.gate == "off":
            return self.build(None)
        return self.gate()
