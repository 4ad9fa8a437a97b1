"""factory build / generate / prompts end to end, as subprocesses on real trees."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_SPEC


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def factory(cwd: Path, *args: str, env: dict, seed: str = "0") -> subprocess.CompletedProcess:
    env = dict(env, PYTHONHASHSEED=seed)
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True)


def make_project(root: Path) -> Path:
    shutil.copytree(EXAMPLE_SPEC, root / "specs" / "inkwell")
    (root / "factory.toml").write_text('[project]\nspecs = ["specs/inkwell"]\n')
    return root


def test_build_is_byte_identical_across_paths_cwd_and_hash_seeds(tmp_path, factory_env):
    a = make_project(tmp_path / "one")
    b = make_project(tmp_path / "elsewhere" / "two")
    ra = factory(a, "build", env=dict(factory_env, LC_ALL="C"), seed="1")
    rb = factory(tmp_path, "build", "--config", str(b / "factory.toml"), env=dict(factory_env, LC_ALL="C.UTF-8"), seed="999")
    assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
    ta, tb = tree(a / "handoffs"), tree(b / "handoffs")
    assert ta == tb and len(ta) > 10
    assert not any(str(tmp_path).encode() in v for v in ta.values())
    again = factory(a, "build", env=factory_env, seed="7")
    assert again.returncode == 0 and "0 written" in again.stdout and "0 removed" in again.stdout
    assert tree(a / "handoffs") == ta


def test_renumbered_task_prunes_its_old_handoff(tmp_path, factory_env):
    from generator.spec import load_spec

    p = make_project(tmp_path / "p")
    assert factory(p, "build", env=factory_env).returncode == 0
    out = p / "handoffs" / "inkwell"
    (out / "my-notes.txt").write_text("mine")
    last = max(load_spec(p / "specs" / "inkwell").tasks, key=lambda t: int(t.id[2:])).id
    new = f"T-{int(last[2:]) + 990}"
    for doc in (p / "specs" / "inkwell").glob("D*.md"):
        doc.write_text(doc.read_text().replace(last, new))
    r = factory(p, "build", env=factory_env)
    assert r.returncode == 0, r.stderr
    index = json.loads((out / "handoff_index.json").read_text())
    assert last not in index and index[new]["handoff_id"] == f"H-FACTORY-{int(new[2:])}"
    assert not (out / f"H-FACTORY-{int(last[2:]):03d}").exists()
    assert (out / f"H-FACTORY-{int(new[2:])}" / "handoff.toml").is_file()
    assert (out / "my-notes.txt").read_text() == "mine"
    assert "removed" in r.stdout and " 0 removed" not in r.stdout


def test_generate_then_prompts(tmp_path, factory_env):
    out = tmp_path / "out"
    r = factory(tmp_path, "prompts", "--handoffs-dir", str(out), "--spec-dir", str(EXAMPLE_SPEC), env=factory_env)
    assert r.returncode == 1 and "factory generate" in r.stderr and not out.exists()
    r = factory(tmp_path, "generate", "--spec-dir", str(EXAMPLE_SPEC), "--output-dir", str(out), env=factory_env)
    assert r.returncode == 0, r.stderr
    index = json.loads((out / "handoff_index.json").read_text())
    first = next(iter(index.values()))
    assert (out / first["path"]).is_file() and (out / "facets" / "edges.toml").is_file()
    assert not list(out.rglob("*_AGENT_PROMPT.md"))
    r = factory(tmp_path, "prompts", "--handoffs-dir", str(out), "--spec-dir", str(EXAMPLE_SPEC), env=factory_env)
    assert r.returncode == 0, r.stderr
    hid = first["handoff_id"]
    assert (out / hid / f"{hid}_AGENT_PROMPT.md").is_file() and (out / hid / f"{hid}_EXPECTED_ANSWERS.md").is_file()
    assert (out / first["path"]).is_file()  # prompts did not prune the handoffs
    assert "written" in r.stdout


def test_invalid_spec_refuses_and_writes_nothing(tmp_path, factory_env):
    spec = tmp_path / "bad"
    shutil.copytree(EXAMPLE_SPEC, spec)
    (spec / "D2_SPECIFICATION.md").unlink()
    out = tmp_path / "out"
    r = factory(tmp_path, "generate", "--spec-dir", str(spec), "--output-dir", str(out), env=factory_env)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "FAIL" in r.stderr
    assert not out.exists()
    r = factory(tmp_path, "generate", "--spec-dir", str(tmp_path / "nope"), "--output-dir", str(out), env=factory_env)
    assert r.returncode == 2


@pytest.mark.slow
def test_a_thousand_and_ten_tasks_each_get_their_own_handoff(tmp_path):
    synth = pytest.importorskip("synth")
    from generator.compile import CompileOptions, compile_spec, handoff_id
    from generator.spec import load_spec

    synth.generate_spec(tmp_path / "big", tasks=1010, scenarios_per_task=1)
    spec = load_spec(tmp_path / "big")
    assert len(spec.tasks) == 1010
    out = compile_spec(spec, CompileOptions())
    index = json.loads(out["handoff_index.json"])
    assert len(index) == 1010 and len({e["handoff_id"] for e in index.values()}) == 1010
    for task in spec.tasks:
        hid = handoff_id(task.id)
        assert index[task.id]["handoff_id"] == hid
        assert f"# {hid}: ".encode() in out[f"{hid}/{hid}_BUILDER_HANDOFF.md"]
        assert f"task {task.id} ".encode() in out[f"{hid}/{hid}_AGENT_PROMPT.md"]
    assert "H-FACTORY-1010" in {e["handoff_id"] for e in index.values()}


def test_load_valid_refuses_a_fail_even_without_error_diagnostics(monkeypatch, example_spec):
    """A failing check refuses the build by itself, whatever diagnostics came with it."""
    import generator.validate as validate_mod
    from generator.build import load_valid
    from generator.errors import SpecError
    from generator.model import CheckResult, ValidationResult

    def failing(spec):
        return ValidationResult("FAIL", str(spec.spec_dir), None, [CheckResult("some_check", "FAIL", "broken")])

    monkeypatch.setattr(validate_mod, "validate", failing)
    with pytest.raises(SpecError, match="check some_check: FAIL: broken"):
        load_valid(example_spec)
