"""A build shared among forked processes gives exactly the answer of one process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from generator import parallel
from generator.build import compile_checked
from generator.compile import CompileOptions, compile_spec
from generator.compile.leakguard import LeakError, build_guard, check
from generator.parallel import worker_count
from generator.spec import load_spec
from synth import generate_spec


def test_no_fork_while_other_threads_run():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        pids = parallel.run([0, 1, 2, 3], lambda _: os.getpid(), 2)
    finally:
        stop.set()
        t.join()
    assert pids == [os.getpid()] * 4


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


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_beside_runs_the_other_half_in_a_worker():
    here, there = parallel.beside(lambda: os.getpid(), lambda: os.getpid())
    assert here == os.getpid() and there != os.getpid()
    assert _no_children_left()


def test_beside_does_a_failed_workers_half_here():
    parent = os.getpid()

    def there():
        if os.getpid() != parent:
            os._exit(3)
        return "done here"

    assert parallel.beside(lambda: 1, there) == (1, "done here")
    assert _no_children_left()


def test_beside_stops_the_worker_when_this_half_fails():
    import time

    def here():
        raise KeyError("here")

    with pytest.raises(KeyError):
        parallel.beside(here, lambda: time.sleep(30))
    assert _no_children_left()


def test_an_invalid_large_spec_is_refused_with_its_validation_problems(tmp_path):
    import subprocess
    import sys

    root = tmp_path / "proj"
    generate_spec(root / "spec", tasks=80, scenarios_per_task=2, style="full", seed=2, defects=["dangling_dependency"])
    (root / "factory.toml").write_text('[project]\nspecs = ["spec"]\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), parallel.ENV_WORKERS: "2"}
    r = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=root, env=env, capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "validation FAIL, nothing written" in r.stderr and "D8_TASKS.md:" in r.stderr
    assert "Traceback" not in r.stderr and not (root / "handoffs").exists()
