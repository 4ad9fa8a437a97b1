"""Work shared with forked workers gives exactly the answer of one process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from generator import parallel
from generator.build import compile_checked
from generator.compile import CompileOptions, compile_spec
from generator.compile.leakguard import LeakError, build_guard, check
from generator.parallel import fork_map, worker_count
from generator.spec import load_spec
from synth import generate_spec


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_shares_run_in_other_processes_and_come_back_in_order():
    parent = os.getpid()
    got = fork_map(lambda n: (n * n, os.getpid()), [1, 2, 3])
    assert [v for v, _ in got] == [1, 4, 9]
    assert got[0][1] == parent and {pid for _, pid in got[1:]} - {parent} == {got[1][1], got[2][1]}
    assert _no_children_left()


def test_a_worker_that_dies_has_its_share_done_here():
    parent = os.getpid()

    def fn(n):
        if os.getpid() != parent:
            os._exit(3)
        return n + 1

    assert fork_map(fn, [10, 20]) == [11, 21]
    assert _no_children_left()


def test_an_exception_in_a_worker_is_raised_here_as_itself():
    def fn(n):
        if n == 2:
            raise ValueError("share 2 is bad")
        return n

    with pytest.raises(ValueError, match="share 2 is bad"):
        fork_map(fn, [1, 2])
    assert _no_children_left()


def test_an_error_here_stops_the_workers():
    def fn(n):
        if n == 1:
            raise KeyError("here")
        return n

    with pytest.raises(KeyError):
        fork_map(fn, [1, 2, 3])
    assert _no_children_left()


def test_no_fork_while_other_threads_run():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        pids = fork_map(lambda _: os.getpid(), [0, 1])
    finally:
        stop.set()
        t.join()
    assert pids == [os.getpid(), os.getpid()]


def test_worker_count_follows_the_environment(monkeypatch):
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    assert worker_count() == 1
    monkeypatch.setenv(parallel.ENV_WORKERS, "3")
    assert worker_count() == 3
    monkeypatch.delenv(parallel.ENV_WORKERS)
    assert 1 <= worker_count() <= 4


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("par") / "spec"
    generate_spec(d, tasks=130, scenarios_per_task=2, style="compressed", seed=11)
    return d


def test_parallel_compile_is_byte_identical_to_one_process(big_spec, monkeypatch):
    spec = load_spec(big_spec)
    opts = CompileOptions(source_label="spec")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    shared = compile_checked(spec, opts)
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    alone = compile_checked(spec, opts)
    plain = compile_spec(spec, opts)
    check(spec, plain)
    assert list(shared) == list(alone) == list(plain)
    assert shared == alone == plain


def test_leaks_in_every_share_are_reported_as_one_scan_would(big_spec, tmp_path, monkeypatch):
    import shutil

    d = tmp_path / "leaky"
    shutil.copytree(big_spec, d)
    needle = next(n for n in build_guard(load_spec(d)).needles if n.kind == "sentence")
    d10 = d / "D10_AGENT_CONTEXT.md"
    d10.write_text(d10.read_text(encoding="utf-8") + f"\n- {needle.text}\n", encoding="utf-8")
    spec = load_spec(d)
    opts = CompileOptions(source_label="spec")
    with pytest.raises(LeakError) as plain:
        check(spec, compile_spec(spec, opts))
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    with pytest.raises(LeakError) as shared:
        compile_checked(spec, opts)
    assert len({leak.path.split("/")[0] for leak in plain.value.leaks}) > 100  # in both shares
    assert str(shared.value) == str(plain.value)
