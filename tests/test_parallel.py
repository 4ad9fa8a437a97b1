"""A build shared among forked processes gives exactly the answer of one process."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from generator import parallel
from generator.build import PARALLEL_MIN_TASKS, _guard_parts, compile_checked, load_checked, load_valid
from generator.compile import CompileOptions, compile_spec
from generator.compile.leakguard import LeakError, build_guard, check
from generator.parallel import worker_count
from generator.spec import load_spec
from synth import generate_spec
from synth_plan import DEFECTS


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


def test_jobs_kept_by_the_caller_run_in_the_caller():
    pids = parallel.run(list(range(6)), lambda _: (time.sleep(0.05), os.getpid())[1], 2, own=[4])
    assert pids[4] == os.getpid()
    assert len(pids) == 6 and set(pids) - {os.getpid()}  # the others were shared with a worker


def test_meanwhile_runs_in_the_caller_while_the_workers_work(tmp_path):
    mark = tmp_path / "a worker has started"
    seen: list[tuple[int, bool]] = []

    def job(k):
        if os.getpid() != caller:
            mark.touch()
        return k

    def meanwhile():  # waits for a job run elsewhere: only possible once the workers have started
        deadline = time.monotonic() + 20
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append((os.getpid(), mark.exists()))

    caller = os.getpid()
    assert parallel.run(list(range(8)), job, 2, meanwhile=meanwhile) == list(range(8))
    assert seen == [(caller, True)]
    order: list[str] = []
    assert parallel.run([1], lambda k: order.append("job") or k, 2, meanwhile=lambda: order.append("meanwhile")) == [1]
    assert order == ["meanwhile", "job"]  # one job: no worker, still run first


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


def test_loading_and_compiling_overlapped_gives_the_same_bytes(big_spec, monkeypatch):
    opts = CompileOptions(source_label="spec")
    plain = compile_spec(load_spec(big_spec), opts)
    for workers in ("2", "1"):
        monkeypatch.setenv(parallel.ENV_WORKERS, workers)
        spec, files = load_checked(big_spec, opts)
        assert list(files) == sorted(plain) and files == plain
        assert spec.tasks == load_spec(big_spec).tasks


def test_a_guard_from_parts_made_beside_the_parse_is_the_guard_made_from_scratch(big_spec):
    from generator.spec.document import parse_document

    docs = [(p.name.split("_")[0], p.name, p.read_bytes()) for p in sorted(big_spec.glob("D*.md"))]
    d9 = next(parse_document(code, name, data) for code, name, data in docs if code == "D9")
    parts = _guard_parts(d9, docs)
    spec = load_spec(big_spec)
    assert len(parts) > 2
    direct = build_guard(spec)
    from_parts = build_guard(spec, cache=parts)
    assert direct.needles and from_parts.needles == direct.needles
    assert from_parts.anchors == direct.anchors


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_large_spec_with_a_defect_is_refused_as_validation_alone_refuses_it(defect, tmp_path, monkeypatch):
    d = tmp_path / "spec"
    generate_spec(d, tasks=PARALLEL_MIN_TASKS + 6, scenarios_per_task=2, style="full", seed=3, defects=[defect])
    with pytest.raises(Exception) as alone:
        load_valid(d)
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    with pytest.raises(Exception) as overlapped:
        load_checked(d, CompileOptions(source_label="spec"))
    assert type(overlapped.value) is type(alone.value)
    assert str(overlapped.value) == str(alone.value)


def _project(root: Path, *specs: Path) -> Path:
    import shutil

    for s in specs:
        shutil.copytree(s, root / s.name)
    names = ", ".join(f'"{s.name}"' for s in specs)
    (root / "factory.toml").write_text(f"[project]\nspecs = [{names}]\n", encoding="utf-8")
    return root


def _build(root: Path):
    from generator.build import build_project
    from generator.config import load_config

    return build_project(load_config(path=root / "factory.toml"))


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(".*staging-*"))


def test_a_first_build_is_staged_while_it_compiles(big_spec, tmp_path, monkeypatch):
    import generator.output as output

    root = _project(tmp_path / "p", big_spec)
    written_by_write_tree: list[str] = []
    real = output._staged
    monkeypatch.setattr(output, "_staged", lambda stage, rels, wanted: (written_by_write_tree.extend(rels),
                                                                         real(stage, rels, wanted)))
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    (b,) = _build(root)
    assert written_by_write_tree == []  # every file but the manifest was written by the compile jobs
    expected = compile_spec(load_spec(big_spec), CompileOptions(source_label="spec"))
    got = {p.relative_to(b.output_dir).as_posix(): p.read_bytes() for p in b.output_dir.rglob("*") if p.is_file()}
    assert got.pop(output.MANIFEST).decode().split() == sorted(expected)
    assert got == expected and len(b.report.written) == len(expected) + 1
    assert _leftovers(tmp_path) == []


def test_a_failed_build_leaves_nothing_staged(big_spec, tmp_path, monkeypatch):
    import shutil

    broken = tmp_path / "zz-broken"
    shutil.copytree(big_spec, broken)
    (broken / "D8_TASKS.md").write_text("# Tasks\n\nnothing here\n", encoding="utf-8")
    root = _project(tmp_path / "p", big_spec, broken)
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    with pytest.raises(Exception, match="validation FAIL"):
        _build(root)
    assert not (root / "handoffs").exists()
    assert _leftovers(tmp_path) == []


def test_one_process_compiles_nothing_once_the_spec_failed_validation(tmp_path, monkeypatch):
    import generator.compile.core as core

    d = tmp_path / "spec"
    generate_spec(d, tasks=PARALLEL_MIN_TASKS + 6, scenarios_per_task=2, style="full", seed=3,
                  defects=["dangling_dependency"])
    compiled: list[int] = []
    real = core.compile_tasks
    monkeypatch.setattr(core, "compile_tasks", lambda *a: (compiled.append(1), real(*a))[1])
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    with pytest.raises(Exception, match="validation FAIL"):
        load_checked(d, CompileOptions(source_label="spec"))
    assert compiled == []


def test_a_failed_staging_write_is_reported_as_an_output_error(big_spec, tmp_path, monkeypatch):
    import errno

    import generator.output as output

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    root = _project(tmp_path / "p", big_spec)
    monkeypatch.setattr(output, "_write_files", full)
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    with pytest.raises(output.OutputError, match="cannot write outputs, nothing changed"):
        _build(root)
    assert not (root / "handoffs").exists()
    assert _leftovers(tmp_path) == []


def test_a_staged_first_build_leaves_a_stamp_the_next_build_trusts(big_spec, tmp_path, monkeypatch):
    import generator.build

    root = _project(tmp_path / "p", big_spec)
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    _build(root)
    monkeypatch.setattr(generator.build, "load_checked", lambda *a, **k: pytest.fail("the no-op build parsed the spec"))
    (b,) = _build(root)
    assert b.report.written == () and len(b.report.unchanged) > 5 * PARALLEL_MIN_TASKS
    victim = b.output_dir / sorted(b.report.unchanged)[-1]
    victim.write_bytes(victim.read_bytes() + b"x")  # a stat the stamp does not know: a full build repairs it
    monkeypatch.undo()
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    (b,) = _build(root)
    assert b.report.written == (victim.relative_to(b.output_dir).as_posix(),)


def test_a_staged_tree_is_written_into_an_output_directory_made_meanwhile(tmp_path):
    from generator import output

    out = tmp_path / "handoffs" / "spec"
    stage = output.new_stage(out)
    files = {"T-001/handoff.md": b"one\n", "index.json": b"{}\n"}
    stats = output.stage_files(stage, files)
    assert stats == {rel: (len(data), (stage / "new" / rel).stat().st_mtime_ns) for rel, data in files.items()}
    out.mkdir(parents=True)
    (out / "mine.txt").write_text("kept")
    report = output.place_staged(out, stage, stats)
    assert report.written == tuple(sorted([*files, output.MANIFEST]))
    assert {rel: (out / rel).read_bytes() for rel in files} == files and (out / "mine.txt").read_text() == "kept"
    assert not stage.exists() and _leftovers(tmp_path) == []
