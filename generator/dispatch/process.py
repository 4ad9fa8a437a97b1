"""Run one agent turn as a subprocess in its own process group.

The agent leads a new session (`start_new_session=True`), so a timeout, an
interrupt or the end of the turn can signal the whole group with `os.killpg`:
children the agent spawned never outlive the turn.
"""

from __future__ import annotations

import heapq
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL


@dataclass
class ProcResult:
    returncode: int | None
    timed_out: bool = False
    interrupted: bool = False
    error: str | None = None  # could not start (not found, not executable)
    duration_ms: int = 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def kill_group(pgid: int, grace: float = KILL_GRACE) -> None:
    """SIGTERM the group, then SIGKILL whatever is left after `grace` seconds."""
    if not _group_alive(pgid):
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.02)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _Watch:
    def __init__(self, pgid: int):
        self.pgid = pgid
        self.cancelled = False
        self.fired = threading.Event()


class ProcessTable:
    """The agent groups running now, so an interrupt can terminate them all,
    and one watchdog thread that kills a group when its turn times out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()
        self._killed: set[int] = set()
        self.stopping = threading.Event()
        self._deadlines: list[tuple[float, int, _Watch]] = []
        self._seq = 0
        self._wake = threading.Condition(self._lock)
        self._watchdog: threading.Thread | None = None
        self._closed = False

    def watch(self, pgid: int, timeout: float) -> "_Watch":
        """Kill `pgid` in `timeout` seconds unless the returned watch is cancelled first."""
        w = _Watch(pgid)
        with self._lock:
            self._seq += 1
            entry = (time.monotonic() + timeout, self._seq, w)
            heapq.heappush(self._deadlines, entry)
            if self._watchdog is None and not self._closed:
                self._watchdog = threading.Thread(target=self._watch_loop, name="agent-timeouts", daemon=True)
                self._watchdog.start()
            if self._deadlines[0] is entry:  # a later deadline needs no wake-up (nor a GIL handoff)
                self._wake.notify()
        return w

    def close(self) -> None:
        """Stop the watchdog thread once nothing is running (a table lives for one run, not the process)."""
        with self._lock:
            self._closed = True
            self._wake.notify()
            watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            watchdog.join()

    def _watch_loop(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._closed:
                        return
                    while self._deadlines and self._deadlines[0][2].cancelled:
                        heapq.heappop(self._deadlines)
                    now = time.monotonic()
                    if self._deadlines and self._deadlines[0][0] <= now:
                        w = heapq.heappop(self._deadlines)[2]
                        break
                    self._wake.wait(self._deadlines[0][0] - now if self._deadlines else None)
            w.fired.set()
            threading.Thread(target=kill_group, args=(w.pgid,), daemon=True).start()

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def discard(self, pgid: int) -> None:
        with self._lock:
            self._groups.discard(pgid)

    def mark_killed(self, pgid: int) -> None:
        with self._lock:
            self._killed.add(pgid)

    def was_killed(self, pgid: int) -> bool:
        with self._lock:
            return pgid in self._killed

    def terminate_all(self) -> None:
        self.stopping.set()
        with self._lock:
            groups = list(self._groups)
            self._killed.update(groups)
        threads = [threading.Thread(target=kill_group, args=(g,), daemon=True) for g in groups]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def _open_logs(out_path: Path, err_path: Path) -> tuple[int, int]:
    """The agent's stdout and stderr files as bare descriptors (file objects cost
    a dozen system calls more, each a GIL handoff while other agents launch)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    out = os.open(out_path, flags, 0o666)
    try:
        return out, os.open(err_path, flags, 0o666)
    except OSError:
        os.close(out)
        raise


def run_process(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float,
                out_path: Path, err_path: Path, table: ProcessTable) -> ProcResult:
    """Run `argv` to completion, timeout or interrupt; stdout/stderr go to files."""
    t0 = time.monotonic()
    out, err = _open_logs(out_path, err_path)
    try:
        if table.stopping.is_set():
            return ProcResult(None, interrupted=True)
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True, close_fds=True)
    except OSError as exc:
        return ProcResult(None, error=f"cannot start {argv[0]}: {exc.strerror or exc}")
    finally:
        os.close(out)  # the agent has its own copies
        os.close(err)
    table.add(proc.pid)
    if table.stopping.is_set():  # an interrupt raced the launch
        table.mark_killed(proc.pid)
        kill_group(proc.pid)
    watch = table.watch(proc.pid, timeout) if timeout > 0 else _Watch(proc.pid)
    try:
        proc.wait()
    finally:
        watch.cancelled = True
        table.discard(proc.pid)
        kill_group(proc.pid)  # leftovers the agent spawned and left behind
    return ProcResult(proc.returncode, timed_out=watch.fired.is_set(),
                      interrupted=table.was_killed(proc.pid),
                      duration_ms=int((time.monotonic() - t0) * 1000))
