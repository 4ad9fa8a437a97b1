"""Run one process and measure it: wall time and its own peak memory.

`os.wait4` gives the resource usage of exactly the child waited for, so each
measured process gets its own peak RSS (not the maximum over all children).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Once a series has spent this long, it stops after the current run (slow builds
# would otherwise make a full `make bench` take hours). bench/run.py sets it.
BUDGET_S = float("inf")


@dataclass
class ProcResult:
    seconds: float
    maxrss_kb: int
    returncode: int
    stdout: str
    stderr: str


def bench_env() -> dict[str, str]:
    """The caller's environment with the project importable and output unbuffered."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def factory_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args]


def run_measured(argv: list[str], *, cwd: Path | None = None, timeout: float = 600.0) -> ProcResult:
    """Run `argv` to completion; stdout/stderr go to temp files (no pipe stalls)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=bench_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ProcResult(seconds, usage.ru_maxrss, p.returncode,
                          out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def reap(p: subprocess.Popen) -> int:
    """Wait for a Popen child and return its peak RSS in KiB."""
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


@dataclass
class Series:
    """Repeated measurements of one thing."""

    seconds: list[float]
    maxrss_kb: list[int]
    note: str = ""
    ok: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def min(self) -> float:
        return min(self.seconds) if self.seconds else float("nan")

    @property
    def max(self) -> float:
        return max(self.seconds) if self.seconds else float("nan")

    @property
    def peak_mb(self) -> float:
        return max(self.maxrss_kb) / 1024 if self.maxrss_kb else float("nan")


def repeat(argv: list[str], runs: int, *, before=None, check=None, cwd: Path | None = None) -> Series:
    """Run `argv` `runs` times; `before()` prepares each run, `check(result)` returns a note or ''."""
    s = Series([], [])
    spent = 0.0
    for i in range(runs):
        if spent > BUDGET_S:
            s.note = (s.note + "; " if s.note else "") + f"stopped after {i} of {runs} runs (time budget)"
            break
        if before:
            before()
        r = run_measured(argv, cwd=cwd)
        if r.returncode != 0:
            s.ok = False
            s.note = f"exit {r.returncode}: {(r.stderr or r.stdout).strip().splitlines()[-1:] or ''}"
            return s
        s.seconds.append(r.seconds)
        s.maxrss_kb.append(r.maxrss_kb)
        spent += r.seconds
        if check:
            note = check(r)
            if note:
                s.note = note
    return s
