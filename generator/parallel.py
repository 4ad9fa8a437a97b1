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
    workers: list[_Worker] = []
    try:
        for _ in range(processes - 1):
            started = _start(q_read, q_write, jobs, fn)
            if started is None:
                break
            workers.append(_Worker(*started))
    finally:
        os.close(q_write)
    done: dict[int, Any] = {}

    def then(k: int) -> None:  # one job here, then whatever results have come in meanwhile
        done[k] = fn(jobs[k])
        for w in workers:
            w.read()

    try:
        if meanwhile is not None:
            meanwhile()
        for k in own:
            then(k)
        while True:
            b = os.read(q_read, 1)
            if not b:
                break
            then(b[0])
    finally:
        os.close(q_read)
        for w in workers:
            done.update(w.finish())
    for k in range(len(jobs)):  # anything a worker took but did not deliver
        if k not in done:
            done[k] = fn(jobs[k])
    return [done[k] for k in range(len(jobs))]


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


class _Worker:
    """A started worker as the caller sees it: the results read so far from its scratch file.

    Results are read as soon as they are complete, between the caller's own
    jobs and while the worker finishes its last one, and are kept only if the
    worker exits cleanly. The file's offset is shared with the worker, so it
    is read with `pread`, which leaves the offset where the worker writes.
    """

    def __init__(self, pid: int, out: BinaryIO) -> None:
        self.pid, self.out = pid, out
        self.pos = 0
        self.got: dict[int, Any] | None = {}  # None once something unreadable came

    def read(self) -> None:
        if self.got is None:
            return
        try:
            self.pos = _read_results(self.out.fileno(), self.pos, self.got)
        except Exception:  # unreadable: the caller runs those jobs itself
            self.got = None

    def finish(self) -> dict[int, Any]:
        """Everything the worker delivered, once it has exited (nothing unless it ended cleanly)."""
        with self.out:
            while True:
                exited, status = os.waitpid(self.pid, os.WNOHANG)
                self.read()  # after the exit: all there is
                if exited:
                    break
                time.sleep(_POLL)
            if self.got is None or status != 0 or self.pos != os.fstat(self.out.fileno()).st_size:
                return {}
            return self.got


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
