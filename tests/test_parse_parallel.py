"""Jobs shared by forked processes: complete, ordered results whatever happens to a worker."""

from __future__ import annotations

import os

import pytest

from generator import parallel


def square(x: int) -> tuple[int, int]:
    return x, x * x


def test_results_in_job_order():
    jobs = list(range(40))
    assert parallel.run(jobs, square, 2) == [square(x) for x in jobs]
    assert parallel.run(jobs, square, 3) == [square(x) for x in jobs]


def test_work_is_shared():
    def who(x: int) -> int:
        import time

        time.sleep(0.02)
        return os.getpid()

    pids = parallel.run(list(range(20)), who, 2)
    assert len(set(pids)) == 2


def test_no_fork_runs_everything_here(monkeypatch):
    def no_fork():
        raise OSError("no processes left")

    monkeypatch.setattr(parallel.os, "fork", no_fork)
    assert parallel.run(list(range(10)), square, 2) == [square(x) for x in range(10)]


def test_dead_worker_jobs_are_run_here():
    parent = os.getpid()

    def fragile(x: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # the worker dies after taking a job
        return x + 1

    assert parallel.run(list(range(10)), fragile, 2) == [x + 1 for x in range(10)]


def test_unpicklable_result_falls_back():
    parent = os.getpid()

    def odd(x: int):
        return (lambda: x) if os.getpid() != parent else x

    assert parallel.run(list(range(6)), odd, 2) == list(range(6))


def test_exception_in_caller_reaps_workers(monkeypatch):
    parent = os.getpid()
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(parallel.os, "fork", fork)

    def boom(x: int) -> int:
        if os.getpid() == parent:
            raise ValueError("bad job")
        return x

    with pytest.raises(ValueError):  # job 0 is the caller's own, so it fails however fast the worker is
        parallel.run(list(range(6)), boom, 2, own=[0])
    assert forked
    with pytest.raises(ChildProcessError):  # already waited for
        os.waitpid(forked[0], os.WNOHANG)


def test_single_process_or_single_job_stays_here(monkeypatch):
    monkeypatch.setattr(parallel.os, "fork", lambda: pytest.fail("forked"))
    assert parallel.run([1, 2, 3], square, 1) == [square(1), square(2), square(3)]
    assert parallel.run([5], square, 2) == [square(5)]


def test_large_results_read_while_the_worker_still_writes_arrive_whole():
    import time

    parent = os.getpid()

    def payload(k: int) -> bytes:
        if os.getpid() != parent:
            time.sleep(0.005)  # the caller runs out of work first and reads as results come in
        return bytes([k % 251]) * (200_000 + k)

    jobs = list(range(60))
    assert parallel.run(jobs, payload, 2) == [bytes([k % 251]) * (200_000 + k) for k in jobs]


def _frames(*results) -> bytes:
    import pickle

    out = b""
    for k, res in results:
        data = pickle.dumps((k, res), protocol=5)
        out += len(data).to_bytes(parallel._HEADER, "little") + data
    return out


def test_only_complete_results_are_read(tmp_path):
    whole = _frames((0, "a"), (1, b"b" * 1000), (2, ["c"]))
    f = tmp_path / "scratch"
    done: dict = {}
    with open(f, "w+b") as fh:
        fh.write(whole[:-5])  # the third result is still being written
        fh.flush()
        pos = parallel._read_results(fh.fileno(), 0, done)
        assert done == {0: "a", 1: b"b" * 1000} and pos == len(_frames((0, "a"), (1, b"b" * 1000)))
        fh.write(whole[-5:])
        fh.flush()
        assert parallel._read_results(fh.fileno(), pos, done) == len(whole)
        assert done[2] == ["c"]


@pytest.mark.parametrize("status, tail", [(0, b"\x05\x00"), (3, b"")])
def test_a_worker_that_ends_badly_delivers_nothing(status, tail):
    def body(out):
        out.write(_frames((0, "kept?")) + tail)
        out.flush()
        os._exit(status)

    pid, out = parallel._fork(body)
    assert parallel._Worker(pid, out).finish() == {}


def test_results_are_read_between_the_callers_own_jobs(tmp_path, monkeypatch):
    import time

    parent = os.getpid()
    second = tmp_path / "a worker started its second job"
    started: list[int] = []

    def job(k: int) -> int:
        if os.getpid() != parent:
            started.append(k)
            if len(started) == 2:  # its first result is written and flushed by now
                second.touch()
        elif k == 0:  # the caller's own job ends once a worker result is there to read
            deadline = time.monotonic() + 20
            while not second.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return k * 10

    seen_at_finish: list[int] = []
    real = parallel._Worker.finish
    monkeypatch.setattr(parallel._Worker, "finish", lambda self: (seen_at_finish.append(len(self.got)), real(self))[1])
    assert parallel.run(list(range(6)), job, 2, own=[0]) == [k * 10 for k in range(6)]
    assert seen_at_finish and seen_at_finish[0] >= 1
