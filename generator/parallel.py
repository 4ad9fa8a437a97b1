"""Run independent jobs in forked processes that share one queue of work.

Parsing a large spec, compiling its tasks and writing a fresh output tree
are each seconds of pure Python, and the machine has more than one core.
Workers are forks, so they see the parsed spec without it being copied.

The jobs are pure functions of their input, so which process runs which job
changes nothing but the time taken. The queue is a pipe holding one byte per
job index: a one-byte read is atomic, so every job is taken exactly once, and
each process takes the next job as soon as it is free (the cost of a job is
not known in advance: the same number of bytes can cost twice as much in one
document as in another). A worker pickles each result as soon as it has it
into a scratch file (in memory where the system allows), so pickling is part
of the work the queue balances rather than a tail after it; once out of work
itself, the caller reads each result the moment it is complete, while the
worker finishes its last job, and keeps them only if the worker exits cleanly. The calling process works through the
queue too, and runs itself whatever a worker did not deliver (no fork to be
had, a worker that failed), so the results are always complete.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

MAX_JOBS = 256  # one byte per job index
MAX_PROCESSES = 4
ENV_WORKERS = "FACTORY_WORKERS"  # "1" keeps all work in the calling process


def worker_count(limit: int = MAX_PROCESSES) -> int:
    """How many processes may share work: the usable cores (at most `limit`), or FACTORY_WORKERS."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return min(int(raw), limit)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, limit))


def can_fork() -> bool:
    """Forking is possible and safe: a fork copies only the calling thread, so never with others running."""
    return hasattr(os, "fork") and threading.active_count() == 1


def run(jobs: Sequence[Any], fn: Callable[[Any], Any], processes: int, own: Sequence[int] = (),
        meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """`[fn(j) for j in jobs]` (in some order), spread over up to `processes` processes.

    The jobs at indices `own` are run by this process, first: their results
    are the large ones, not worth pickling and sending back. `meanwhile()`
    is run by this process once the workers have started, before any job:
    work of its own that need not wait for the results.
    """
    if processes < 2 or len(jobs) < 2 or len(jobs) > MAX_JOBS or not can_fork():
        if meanwhile is not None:
            meanwhile()
        return [fn(j) for j in jobs]
    q_read, q_write = os.pipe()
    os.write(q_write, bytes(k for k in range(len(jobs)) if k not in own))
    workers: list[tuple[int, BinaryIO]] = []
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
        if meanwhile is not None:
            meanwhile()
        for k in own:
            done[k] = fn(jobs[k])
        _work(q_read, jobs, fn, done)
    finally:
        os.close(q_read)
        for pid, out in workers:
            done.update(_collect(pid, out))
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


def _start(q_read: int, q_write: int, jobs: Sequence[Any], fn: Callable[[Any], Any]) -> tuple[int, BinaryIO] | None:
    """(pid, scratch file it writes its results to) of a new worker, or None when none can be had."""

    def serve(out: BinaryIO) -> None:
        os.close(q_write)
        while True:
            b = os.read(q_read, 1)
            if not b:
                return
            data = pickle.dumps((b[0], fn(jobs[b[0]])), protocol=5)
            out.write(len(data).to_bytes(_HEADER, "little"))
            out.write(data)
            out.flush()  # the caller may read it now

    return _fork(serve)


def _fork(body: Callable[[BinaryIO], None]) -> tuple[int, BinaryIO] | None:
    """(pid, scratch file) of a forked worker that runs `body(scratch)` and exits; None when no fork can be had."""
    out = _scratch()
    try:
        pid = os.fork()
    except OSError:
        out.close()
        return None
    if pid == 0:  # the worker: never returns
        status = 1
        try:
            body(out)
            out.flush()
            status = 0
        finally:
            os._exit(status)
    return pid, out


def _scratch() -> BinaryIO:
    """An anonymous file for a worker's results: in memory on Linux, else a temporary file."""
    if hasattr(os, "memfd_create"):
        try:
            return open(os.memfd_create("parsed", os.MFD_CLOEXEC), "w+b")
        except OSError:
            pass
    return tempfile.TemporaryFile()


_HEADER = 8  # bytes of length before each pickled result
_POLL = 0.001  # seconds between looks at a worker still at work


def _collect(pid: int, out: BinaryIO) -> dict[int, Any]:
    """What a worker delivered (nothing unless it finished cleanly), once it has exited.

    Results are read as they are completed while the worker still works. The
    file's offset is shared with the worker, so it is read with `pread`, which
    leaves the offset where the worker writes.
    """
    with out:
        fd = out.fileno()
        done: dict[int, Any] = {}
        pos = exited = status = 0
        try:
            while True:
                exited, status = os.waitpid(pid, os.WNOHANG)
                pos = _read_results(fd, pos, done)  # after the exit: all there is
                if exited:
                    break
                time.sleep(_POLL)
        except Exception:  # unreadable: the caller runs those jobs itself
            if not exited:
                os.waitpid(pid, 0)
            return {}
        if status != 0 or pos != os.fstat(fd).st_size:
            return {}
        return done


def _read_results(fd: int, pos: int, done: dict[int, Any]) -> int:
    """Unpickle every complete result from offset `pos` on; the offset after them."""
    size = os.fstat(fd).st_size
    while pos + _HEADER <= size:
        n = int.from_bytes(os.pread(fd, _HEADER, pos), "little")
        if pos + _HEADER + n > size:
            break
        data = os.pread(fd, n, pos + _HEADER)
        if len(data) != n:
            break
        k, res = pickle.loads(data)
        done[k] = res
        pos += _HEADER + n
    return pos
