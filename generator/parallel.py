"""Share CPU-bound work with forked copies of this process.

A cold build spends seconds in pure Python and the machine has more than one
core. Workers are forks, so they see the parsed spec without it being copied
or pickled; each sends back one pickled result through a pipe. Anything that
stops a worker — no fork on this platform, live threads (forking them is
unsafe), a crash, an exception — means its share is computed here instead:
the answer is always the same, only the time differs.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

S = TypeVar("S")
R = TypeVar("R")

ENV_WORKERS = "FACTORY_WORKERS"  # "1" keeps every share in this process


def worker_count(limit: int = 4) -> int:
    """How many processes may share work: the cores, capped, or FACTORY_WORKERS."""
    raw = os.environ.get(ENV_WORKERS, "")
    if raw.isdigit() and int(raw) >= 1:
        return min(int(raw), limit)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, limit))


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def fork_map(fn: Callable[[S], R], shares: Sequence[S]) -> list[R]:
    """`[fn(s) for s in shares]`: the first share here, each other one in a forked worker."""
    shares = list(shares)
    if len(shares) < 2 or not can_fork():
        return [fn(s) for s in shares]
    workers: list[tuple[int, int] | None] = []
    try:
        for share in shares[1:]:
            workers.append(_spawn(fn, share))
        results = [fn(shares[0])]
        for i, share in enumerate(shares[1:]):
            results.append(_collect(workers[i], fn, share))
            workers[i] = None
        return results
    finally:
        for w in workers:
            if w is not None:
                _abandon(w)


def _spawn(fn: Callable[[S], R], share: S) -> tuple[int, int] | None:
    """Start a worker computing fn(share); (pid, read end of its pipe), or None if none could start."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the worker: compute, send, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(r)
            gc.disable()
            payload = pickle.dumps(fn(share), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    return pid, r


def _collect(worker: tuple[int, int] | None, fn: Callable[[S], R], share: S) -> R:
    """The worker's result; if it failed in any way, the share is computed here (so its exception, if any, is real)."""
    if worker is None:
        return fn(share)
    pid, r = worker
    with os.fdopen(r, "rb") as src:
        payload = src.read()
    _, status = os.waitpid(pid, 0)
    if status == 0 and payload:
        try:
            return pickle.loads(payload)
        except Exception:
            pass
    return fn(share)


def _abandon(worker: tuple[int, int]) -> None:
    """Stop and reap a worker whose result is no longer wanted (an error or Ctrl-C here)."""
    pid, r = worker
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.close(r)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass
