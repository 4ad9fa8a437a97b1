"""Run independent jobs in forked processes that share one queue of work.

The jobs are pure functions of their input, so which process runs which job
changes nothing but the time taken. The queue is a pipe holding one byte per
job index: a one-byte read is atomic, so every job is taken exactly once, and
each process takes the next job as soon as it is free (the cost of a job is
not known in advance: the same number of bytes can cost twice as much in one
document as in another). A worker sends its results back in one pickle when
the queue is empty. The calling process works through the queue too, and runs
itself whatever a worker did not deliver (no fork to be had, a worker that
died), so the results are always complete.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import Any

MAX_JOBS = 256  # one byte per job index


def run(jobs: Sequence[Any], fn: Callable[[Any], Any], processes: int) -> list[Any]:
    """`[fn(j) for j in jobs]` (in some order), spread over up to `processes` processes."""
    if processes < 2 or len(jobs) < 2 or len(jobs) > MAX_JOBS or not hasattr(os, "fork"):
        return [fn(j) for j in jobs]
    q_read, q_write = os.pipe()
    os.write(q_write, bytes(range(len(jobs))))
    workers: list[tuple[int, int]] = []
    try:
        for _ in range(processes - 1):
            started = _start(q_read, q_write, jobs, fn)
            if started is None:
                break
            workers.append(started)
    finally:
        os.close(q_write)
    done: dict[int, Any] = {}
    try:
        _work(q_read, jobs, fn, done)
    finally:
        os.close(q_read)
        for pid, r in workers:
            done.update(_collect(pid, r))
    for k in range(len(jobs)):  # anything a worker took but did not deliver
        if k not in done:
            done[k] = fn(jobs[k])
    return [done[k] for k in range(len(jobs))]


def _work(q_read: int, jobs: Sequence[Any], fn: Callable[[Any], Any], done: dict[int, Any]) -> None:
    while True:
        b = os.read(q_read, 1)
        if not b:
            return
        done[b[0]] = fn(jobs[b[0]])


def _start(q_read: int, q_write: int, jobs: Sequence[Any], fn: Callable[[Any], Any]) -> tuple[int, int] | None:
    """(pid, read end of its result pipe) of a new worker, or None when none can be had."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the worker: never returns
        status = 1
        try:
            os.close(r)
            os.close(q_write)
            done: dict[int, Any] = {}
            _work(q_read, jobs, fn, done)
            _send(w, pickle.dumps(done, protocol=5))
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    return pid, r


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _collect(pid: int, r: int) -> dict[int, Any]:
    """What a worker delivered (nothing when it failed), once it has exited."""
    try:
        with open(r, "rb", closefd=True) as fh:
            data = fh.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return {}
    try:
        return pickle.loads(data)
    except Exception:  # a torn message: the caller runs those jobs itself
        return {}
