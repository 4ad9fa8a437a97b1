"""The task-graph scheduler: `run_dispatch`.

Threads plus subprocesses: the main thread owns the graph state, the facet
and the progress view; one worker thread per running task runs its turns
(`task.TaskRunner`) and reports every record through a queue.

Manual gate: a task whose gate turn is answered waits as AWAITING_APPROVAL
until `factory approve RUN TASK` writes `gate/<HID>_APPROVAL.toml`. A running
scheduler polls for it (while other tasks still run, and then for
`[dispatch] approval_wait` seconds, -1 forever); once it returns, a later
`run_dispatch(..., resume=True)` (`factory run --resume RUN`) picks it up and
the build turn resumes the gate turn's session.
"""

from __future__ import annotations

import heapq
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from generator.config import DispatchConfig
from generator.dispatch.backends import make_backend
from generator.dispatch.jobs import Job, check_graph, downstream, task_key
from generator.dispatch.ledger import DispatchFacet, Ledger, read_ledger
from generator.dispatch.process import ProcessTable
from generator.dispatch.state import DispatchOutcome, TaskState, states_from_ledger
from generator.dispatch.task import Context, TaskResult, TaskRunner
from generator.dispatch.workspace import agent_env, prepare_workspace
from generator.errors import UsageError
from generator.model import DispatchRecord
from generator.runs import RunPaths, read_run_meta, update_run_meta, utc_now

POLL = 0.2  # seconds between checks for approvals, interrupts and redraws


def default_jobs() -> int:
    """Agents mostly wait on the network: at least two, one per core beyond that."""
    return max(2, os.cpu_count() or 2)


def _handoff_tree(handoff: Path, resolved: dict[Path, Path]) -> Path:
    """`handoff.resolve().parent.parent`, resolving the tree shared by every handoff only once.

    Resolving a thousand handoff paths one by one costs tens of milliseconds
    before the first agent can start; the shortcut holds when neither the file
    nor its directory is a symlink.
    """
    folder = handoff.parent
    if folder.name in ("", "..") or os.path.islink(handoff) or os.path.islink(folder):
        return handoff.resolve().parent.parent
    tree = folder.parent
    if tree not in resolved:
        resolved[tree] = tree.resolve()
    return resolved[tree]


def protected_roots(jobs: Iterable[Job], run_dir: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """Trees an agent must not see: the run, each spec dir and handoff tree, and `extra`."""
    roots = {Path(run_dir).resolve()}
    resolved: dict[Path, Path] = {}
    for j in jobs:
        roots.add(_handoff_tree(j.handoff_path, resolved))
        if j.spec_dir is not None:
            roots.add(Path(j.spec_dir).resolve())
    roots.update(Path(p).resolve() for p in extra)
    return sorted(roots)


class _Scheduler:
    def __init__(self, jobs: list[Job], cfg: DispatchConfig, paths: RunPaths, limit: int,
                 ctx_args: dict, prior: list[DispatchRecord], progress) -> None:
        self.jobs = {j.task_id: j for j in jobs}
        self.cfg, self.paths, self.limit, self.progress = cfg, paths, limit, progress
        self.down = downstream(jobs)
        self.events: queue.Queue = queue.Queue()
        self.table = ProcessTable()
        self.ledger = Ledger(paths.ledger)
        self.facet = DispatchFacet(paths.dispatch_toml)
        self.records = list(prior)
        self.ctx = Context(cfg=cfg, paths=paths, ledger=self.ledger, table=self.table,
                           post=lambda r: self.events.put(("record", r)), **ctx_args)
        old = states_from_ledger(prior)
        self.states: dict[str, TaskState] = {}
        for j in jobs:
            st = old.get(j.task_id) or TaskState(j.task_id)
            st.handoff_id, st.depends_on = j.handoff_id, j.depends_on
            self.states[j.task_id] = st
        self.ready: list[tuple] = []
        self.running: dict[str, Future] = {}
        self.pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="agent")
        self.awaiting: set[str] = set()
        self.interrupted = False
        self.t0 = time.monotonic()
        self._last_save = 0.0
        self._save_cost = 0.0

    # -- setup ------------------------------------------------------------
    def _prepare(self) -> None:
        """Decide every task's starting point: fresh, or carried on from the ledger."""
        failed = []
        for tid in sorted(self.states, key=task_key):
            st = self.states[tid]
            if st.status == "FAILED":
                failed.append(tid)
            elif st.status == "AWAITING_APPROVAL" and self.cfg.gate == "manual":
                self.awaiting.add(tid)
            elif st.status == "AWAITING_APPROVAL":  # the gate is no longer manual: approved
                st.status, st.reason, st.finished_at, st.gate = "PENDING", "", None, "approved"
            elif st.status != "COMPLETED":
                st.status, st.reason, st.finished_at = "PENDING", "", None
        for tid in failed:
            self._block_downstream(tid)
        for tid, st in self.states.items():
            if st.status == "PENDING" and self._deps_done(tid):
                self._push(tid)

    def _deps_done(self, tid: str) -> bool:
        return all(self.states[d].status == "COMPLETED" for d in self.jobs[tid].depends_on)

    def _push(self, tid: str) -> None:
        st = self.states[tid]
        phase = "build" if st.gate == "approved" and self.cfg.gate != "off" else "gate"
        heapq.heappush(self.ready, (task_key(tid), tid, phase))
        st.status = "READY"

    # -- events -----------------------------------------------------------
    def _record(self, rec: DispatchRecord) -> None:
        self.records.append(rec)
        self.facet.add_dispatch(rec)

    def _write(self, rec: DispatchRecord) -> None:
        self.ledger.append(rec, durable=False)  # fsync'd by the syncer, in order
        self._record(rec)

    def _set(self, tid: str, status: str, reason: str = "") -> None:
        st = self.states[tid]
        st.status, st.reason = status, reason
        if status not in ("READY", "RUNNING", "APPROVED"):
            st.finished_at = st.finished_at or utc_now()
        self.facet.set_task(st.row())
        if self.progress is not None:
            self.progress.update(self.states, st, time.monotonic() - self.t0)

    def _block_downstream(self, failed: str) -> None:
        why = self.states[failed].status
        stack = list(self.down[failed])
        while stack:
            tid = stack.pop()
            st = self.states[tid]
            if st.status in ("PENDING", "READY"):
                now = utc_now()
                reason = f"blocked by {failed} ({why})"
                self._write(DispatchRecord(uuid.uuid4().hex, st.handoff_id, tid, now, "BLOCKED",
                                           timestamp_completed=now, error=reason, turn="none"))
                st.finished_at = now
                self._set(tid, "BLOCKED", reason)
                stack.extend(self.down[tid])

    def _done(self, tid: str, res: TaskResult) -> None:
        self.running.pop(tid, None)
        st = self.states[tid]
        st.session_id = res.session_id or st.session_id
        st.results_path = res.results_path or st.results_path
        st.finished_at = None
        if res.status == "AWAITING_APPROVAL":
            self.awaiting.add(tid)
            st.gate = "answered"
        self._set(tid, res.status, res.reason)
        if res.status == "COMPLETED":
            for nxt in self.down[tid]:
                if self.states[nxt].status == "PENDING" and self._deps_done(nxt):
                    self._push(nxt)
        elif res.status in ("FAILED", "DISPATCH_FAILED"):
            self._block_downstream(tid)

    def _on_record(self, rec: DispatchRecord) -> None:
        self._record(rec)
        st = self.states[rec.task_id]
        if rec.status != "DISPATCHED":
            st.tokens += rec.tokens_used or 0
            st.cost_usd += rec.cost_usd or 0.0
            st.duration_ms += rec.duration_ms or 0
            if rec.session_id:
                st.session_id = rec.session_id
        else:
            st.attempts += 1
            st.started_at = st.started_at or rec.timestamp_dispatched
            if self.progress is not None:
                self.progress.update(self.states, None, time.monotonic() - self.t0)

    def _check_approvals(self) -> None:
        for tid in sorted(self.awaiting, key=task_key):
            st = self.states[tid]
            if self.paths.approval(st.handoff_id).is_file():
                self.awaiting.discard(tid)
                now = utc_now()
                self._write(DispatchRecord(uuid.uuid4().hex, st.handoff_id, tid, now, "APPROVED",
                                           timestamp_completed=now, turn="gate", session_id=st.session_id))
                st.gate = "approved"
                st.finished_at = None
                self._push(tid)
                self._set(tid, "READY", "approved")

    # -- the loop ---------------------------------------------------------
    def _launch(self, tid: str, phase: str) -> None:
        job, st = self.jobs[tid], self.states[tid]
        self._set(tid, "RUNNING")
        session = st.session_id

        def work() -> None:
            try:
                res = TaskRunner(job, self.ctx).run(phase, session)
            except Exception as exc:  # an unreadable file (or a bug) must not hang the run
                res = TaskResult("DISPATCH_FAILED", f"DISPATCH_FAILED: {type(exc).__name__}: {exc}")
                now = utc_now()
                rec = DispatchRecord(uuid.uuid4().hex, job.handoff_id, tid, now, "DISPATCH_FAILED",
                                     timestamp_completed=now, error=res.reason, turn=phase)
                self.ledger.append(rec, durable=False)
                self.ctx.post(rec)
            self.events.put(("done", tid, res))

        self.running[tid] = self.pool.submit(work)

    def _maybe_save(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.facet.dirty and (force or now - self._last_save >= max(2.0, 20 * self._save_cost)):
            self.facet.save()
            self._save_cost = time.monotonic() - now
            self._last_save = time.monotonic()

    def run(self) -> str:
        self._prepare()
        self._maybe_save(force=True)
        idle_since: float | None = None
        while True:
            if self.interrupted and not self.table.stopping.is_set():
                self.table.terminate_all()
            if not self.interrupted:
                self._check_approvals()
                while self.ready and len(self.running) < self.limit:
                    _, tid, phase = heapq.heappop(self.ready)
                    self._launch(tid, phase)
            if not self.running:
                if self.interrupted or not self.awaiting:
                    break
                idle_since = idle_since or time.monotonic()
                wait = self.cfg.approval_wait
                if wait >= 0 and time.monotonic() - idle_since >= wait:
                    break
            else:
                idle_since = None
            try:
                ev = self.events.get(timeout=POLL)
            except queue.Empty:
                if self.progress is not None:
                    self.progress.update(self.states, None, time.monotonic() - self.t0)
                self._maybe_save()
                continue
            while True:
                if ev[0] == "record":
                    self._on_record(ev[1])
                else:
                    self._done(ev[1], ev[2])
                try:
                    ev = self.events.get_nowait()
                except queue.Empty:
                    break
            self._maybe_save()
        for st in self.states.values():
            if st.status == "READY":
                st.status, st.reason = "PENDING", ""
            self.facet.set_task(st.row())
        self.facet.save()
        if self.interrupted:
            return "INTERRUPTED"
        return "AWAITING_APPROVAL" if self.awaiting else "FINISHED"

    def interrupt(self, *_args) -> None:
        self.interrupted = True


def run_dispatch(jobs: list[Job], *, cfg: DispatchConfig, run_dir: Path, workspace: Path,
                 jobs_limit: int | None = None, resume: bool = False, progress=None,
                 protect: Iterable[Path] = ()) -> DispatchOutcome:
    """Dispatch every job along its dependencies; returns the final state of each task.

    - `jobs`: from `jobs_from_index`; `cfg`: the `[dispatch]` table.
    - `run_dir`: `runs/<run-id>/` (created if absent; its `run.toml` may already
      name the spec, see `generator.runs.create_run`). Without `resume` it must
      not hold a ledger yet; with `resume` the ledger is re-read: COMPLETED and
      FAILED tasks stay as they are, everything else is dispatched again (an
      approved gate goes straight to the build turn, in the gate's session).
    - `workspace`: where agents run (plain dir, or worktree of cfg.target_repo).
    - `jobs_limit`: agents at once (default cfg.jobs, 0 → `default_jobs()`).
    - `progress`: an object with `update(states, changed, elapsed)` and `close()`,
      e.g. `generator.dispatch.progress.Progress`; None for silence.
    - `protect`: more trees agents must not see or be pointed at (the runs
      tree, the site); the run dir, spec dirs and handoff trees always are.

    Outcome statuses per task: COMPLETED, FAILED, BLOCKED, DISPATCH_FAILED,
    AWAITING_APPROVAL, INTERRUPTED, or PENDING (never started). SIGINT/SIGTERM
    (when called from the main thread) stop launching, terminate the running
    agents' process groups and record them INTERRUPTED. Raises UsageError
    before writing anything when the graph, backend or workspace is unusable.
    """
    check_graph(jobs)
    backend = make_backend(cfg)
    paths = RunPaths(Path(run_dir))
    has_ledger = paths.ledger.is_file()
    if resume and not (has_ledger or paths.run_toml.is_file()):
        raise UsageError(f"cannot resume {run_dir}: no such run")
    if not resume and has_ledger:
        raise UsageError(f"{run_dir} already holds a run; resume it instead")
    protected = protected_roots(jobs, paths.root, protect)
    ws = prepare_workspace(Path(workspace), mode=cfg.workspace, target_repo=cfg.target_repo,
                           run_id=paths.run_id, protected=protected)
    paths.make_dirs()
    limit = jobs_limit or cfg.jobs or default_jobs()
    prior = read_ledger(paths.ledger) if resume else []
    meta = read_run_meta(paths.root)
    update_run_meta(paths.root, run_id=paths.run_id, started_at=meta.get("started_at") or utc_now(),
                    resumed_at=utc_now() if resume else None, finished_at=None, status="RUNNING",
                    backend=cfg.backend, gate=cfg.gate, jobs=limit, workspace=str(ws))
    sched = _Scheduler(list(jobs), cfg, paths, limit,
                       dict(backend=backend, workspace=ws.resolve(), protected=protected,
                            base_env=agent_env(dict(os.environ), protected, {}, ws.resolve())),
                       prior, progress)
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, sched.interrupt)
    try:
        status = sched.run()
    except BaseException:
        sched.table.terminate_all()
        raise
    finally:
        sched.pool.shutdown(wait=True)
        sched.table.close()
        sched.ledger.close()
        for sig, h in handlers.items():
            signal.signal(sig, h)
        if progress is not None:
            progress.close()
    update_run_meta(paths.root, finished_at=utc_now(), status=status)
    return DispatchOutcome(paths.root, status, sched.states, sched.records)
