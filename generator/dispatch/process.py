"""Run one agent turn as a subprocess in its own process group.

The agent leads a new session (`start_new_session=True`), so a timeout, an
interrupt or the end of the turn can signal the whole group with `os.killpg`:
children the agent spawned never outlive the turn.
"""

from __future__ import annotations

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


class ProcessTable:
    """The agent groups running now, so an interrupt can terminate them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()
        self._killed: set[int] = set()
        self.stopping = threading.Event()

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


def run_process(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float,
                out_path: Path, err_path: Path, table: ProcessTable) -> ProcResult:
    """Run `argv` to completion, timeout or interrupt; stdout/stderr go to files."""
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        if table.stopping.is_set():
            return ProcResult(None, interrupted=True)
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True, close_fds=True)
        except OSError as exc:
            return ProcResult(None, error=f"cannot start {argv[0]}: {exc.strerror or exc}")
        table.add(proc.pid)
        if table.stopping.is_set():  # an interrupt raced the launch
            table.mark_killed(proc.pid)
            kill_group(proc.pid)
        timed_out = False
        try:
            proc.wait(timeout=timeout if timeout > 0 else None)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc.pid)
            proc.wait()
        finally:
            kill_group(proc.pid)  # leftovers the agent spawned and left behind
            table.discard(proc.pid)
    return ProcResult(proc.returncode, timed_out=timed_out,
                      interrupted=table.was_killed(proc.pid),
                      duration_ms=int((time.monotonic() - t0) * 1000))
