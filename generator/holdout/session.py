"""One bash process that runs a scenario's steps one after another.

A small driver script (below) serves step names sent over a FIFO: it
`source`s the step's script in the same shell, with stdin from /dev/null and
stdout/stderr redirected to per-step files, and reports the step's exit code
over a second FIFO. Variables and the working directory a step sets are
therefore still there for the next step.

A step may end the shell itself (`exit 1`, or a failing command under
`set -e`). The driver's EXIT trap then records that status as the step's exit
code and keeps serving steps from inside the trap, with the shell's state
intact. Bash runs an EXIT trap only once, so a second step that ends the
shell really ends the session; the runner then continues in a fresh bash
(see `generator.holdout.executable`).

The process leads its own process group; `close()` and `kill()` signal the
whole group, so nothing a step started in the background survives.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


DRIVER = r"""
readonly __factory_ctl=$1
__factory_step=
__factory_open() { exec 3>"$__factory_ctl/events" 4<"$__factory_ctl/commands"; }
__factory_done() {
  set +e +u +x +o pipefail
  trap __factory_trap EXIT
  if [ "$__factory_step" = execute ]; then export FACTORY_EXECUTE_STATUS=$1; fi
  printf 'end %s %s\n' "$__factory_step" "$1" >&3
  __factory_step=
}
__factory_serve() {
  local __factory_cmd
  while IFS= read -r __factory_cmd <&4; do
    if [ "$__factory_cmd" = quit ]; then exit 0; fi
    __factory_step=$__factory_cmd
    printf 'start %s\n' "$__factory_step" >&3
    source "$__factory_ctl/$__factory_step.sh" >"$__factory_ctl/$__factory_step.out" \
      2>"$__factory_ctl/$__factory_step.err" </dev/null 3>&- 4<&-
    __factory_done $?
  done
}
__factory_trap() {
  local __factory_rc=$?
  if [ -n "${__factory_step-}" ]; then
    __factory_open
    __factory_done "$__factory_rc"
    __factory_serve
  fi
}
trap __factory_trap EXIT
__factory_open
__factory_serve
"""


@dataclass
class StepOutcome:
    exit_code: int | None  # None when the step timed out
    timed_out: bool = False
    session_ended: bool = False  # the shell is gone (the step exited it, or a kill)
    duration_ms: int = 0


def _live_members(pgid: int) -> list[int]:
    """Processes of the group that are not yet dead (zombies count as dead)."""
    live = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != b"Z":
            live.append(int(entry.name))
    return live


def kill_until_gone(pgid: int, wait: float = 5.0) -> None:
    """SIGKILL the group until none of it runs, so a scenario leaves nothing behind.

    A signal is only a request until the kernel schedules the target; waiting
    for the members to be gone (bounded by `wait`) makes the end of a scenario
    mean the end of its processes. Without /proc, the signal is all we do.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not os.path.isdir("/proc") or not _live_members(pgid) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _status_of(returncode: int) -> int:
    """A Popen return code as a shell would report it (signals as 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


class BashSession:
    """A live bash driver in `cwd` with `env`, controlled through `ctl/`."""

    def __init__(self, ctl: Path, cwd: Path, env: dict[str, str]):
        self.ctl = ctl
        for name in ("events", "commands"):
            fifo = ctl / name
            if fifo.exists():
                fifo.unlink()
            os.mkfifo(fifo, 0o600)
        # O_RDWR: opening never blocks and the pipe never reports EOF to us,
        # so the shell may close and reopen its ends (it does so in its trap).
        self._events = os.open(ctl / "events", os.O_RDWR | os.O_NONBLOCK)
        self._commands = os.open(ctl / "commands", os.O_RDWR)
        driver = ctl / "driver.sh"
        driver.write_text(DRIVER, encoding="utf-8")
        with open(ctl / "driver.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["bash", "--noprofile", "--norc", str(driver), str(ctl)],
                cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, close_fds=True,
            )
        self._pidfd = os.pidfd_open(self.proc.pid) if hasattr(os, "pidfd_open") else None
        self._buf = b""
        self._closed = False
        self.alive = True

    def run_step(self, name: str, script: str, timeout: float) -> StepOutcome:
        """Run one step to its end, the shell's end, or `timeout` seconds."""
        (self.ctl / f"{name}.sh").write_text(script + "\n", encoding="utf-8")
        t0 = time.monotonic()
        os.write(self._commands, f"{name}\n".encode())
        rc, ended, timed_out = self._await_end(name, t0 + max(timeout, 0.0))
        ms = int((time.monotonic() - t0) * 1000)
        if timed_out:
            self.kill()
        return StepOutcome(rc, timed_out=timed_out, session_ended=ended or timed_out, duration_ms=ms)

    def _await_end(self, name: str, deadline: float) -> tuple[int | None, bool, bool]:
        while True:
            rc = self._take_end(name)
            if rc is not None:
                return rc, False, False
            if self.proc.poll() is not None:
                self._drain()
                rc = self._take_end(name)
                if rc is not None:
                    return rc, True, False
                self.alive = False
                return _status_of(self.proc.returncode), True, False
            left = deadline - time.monotonic()
            if left <= 0:
                return None, False, True
            watch = [self._events] + ([self._pidfd] if self._pidfd is not None else [])
            wait = left if self._pidfd is not None else min(left, 0.05)
            ready, _, _ = select.select(watch, [], [], wait)
            if self._events in ready:
                self._drain()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._events, 4096)
            except BlockingIOError:
                return
            if not chunk:
                return
            self._buf += chunk

    def _take_end(self, name: str) -> int | None:
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            parts = line.decode(errors="replace").split()
            if len(parts) == 3 and parts[0] == "end" and parts[1] == name:
                return int(parts[2])
        return None

    def kill(self) -> None:
        """End the shell and everything in its process group now."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        kill_until_gone(self.proc.pid)
        self.alive = False

    def close(self) -> None:
        """Ask the shell to leave, then clear its process group and our pipes."""
        if self._closed:
            return
        self._closed = True
        if self.proc.poll() is None:
            try:
                os.write(self._commands, b"quit\n")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        for fd in (self._events, self._commands, self._pidfd):
            if fd is not None:
                os.close(fd)
        self._pidfd = None
