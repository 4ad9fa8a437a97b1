"""`factory run` end to end: the example spec, stand-in agents writing real code, real holdouts.

The stand-in agent (tests/agents/standin.py) runs through the command
backend as a real subprocess and copies the reference solution of its task
into its workspace; `STANDIN_BREAK` makes one task deliver wrong code while
still claiming PASS, which only the holdouts can catch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit

STANDIN = Path(__file__).resolve().parent / "agents" / "standin.py"
EXAMPLE_SPEC = Path(__file__).resolve().parent.parent / "specs" / "inkwell"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory whose factory.toml dispatches the stand-in agent."""
    (tmp_path / "factory.toml").write_text(
        "[dispatch]\n"
        'backend = "command"\n'
        f"command = {json.dumps([sys.executable, str(STANDIN)])}\n"
        "retries = 0\n"
        "timeout = 120\n"
        "\n[holdout]\n"
        "step_timeout = 120\n"
    )
    return tmp_path


def factory_run(project: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "generator", "run", "--spec-dir", str(EXAMPLE_SPEC),
            "--output-dir", "handoffs/inkwell", "--jobs", "2", *extra]
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=900)


def only_run(project: Path) -> Path:
    (run_dir,) = list((project / "runs").iterdir())
    return run_dir


def read_toml(path: Path) -> dict:
    return tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()


def test_stand_in_agents_deliver_and_holdouts_accept(project: Path, factory_env):
    r = factory_run(project, factory_env, "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout)
    run_dir = only_run(project)
    assert report["run_id"] == run_dir.name and f"run {run_dir.name}: ACCEPT" in r.stderr
    assert report["verdict"] == "ACCEPT"
    assert report["validation"]["status"] == "PASS"
    assert report["component_name"] == "Inkwell"
    assert len(report["holdouts"]) == 8 and all(h["status"] == "PASS" for h in report["holdouts"])
    assert {d["task_id"] for d in report["dispatches"]} == {f"T-00{i}" for i in range(1, 7)}
    assert report["total_tokens"] > 0 and report["total_duration_ms"] > 0
    assert json.loads((run_dir / "report.json").read_text()) == report
    facets = read_toml(run_dir / "report.toml")
    assert facets["verdict"] == "ACCEPT" and len(facets["holdout"]) == 8
    assert [t["status"] for t in facets["task"]] == ["COMPLETED"] * 6
    assert read_toml(run_dir / "holdouts.toml")["p0_pass"] is True
    # the delivered code is in the run's workspace; holdout data never reaches the handoff tree
    assert (project / "workspaces" / run_dir.name / "inkwell").is_dir()
    handoff_files = [p for p in (project / "handoffs").rglob("*") if p.is_file()]
    assert handoff_files
    assert not any(p.name in ("holdouts.toml", "report.toml", "report.json") for p in handoff_files)
    assert not any(b"HS-00" in p.read_bytes() for p in handoff_files)


def test_wrong_code_is_rejected_and_traced_to_its_task(project: Path, factory_env):
    env = dict(factory_env, STANDIN_BREAK="T-002")
    r = factory_run(project, env)
    assert r.returncode == 1, r.stderr[-3000:]
    run_dir = only_run(project)
    facets = read_toml(run_dir / "report.toml")
    assert facets["verdict"] == "REJECT"
    assert [t["status"] for t in facets["task"]] == ["COMPLETED"] * 6  # the builder claimed success
    failed = [h for h in facets["holdout"] if h["status"] == "FAIL"]
    assert [h["holdout_id"] for h in failed] == ["HS-001"]
    hs = failed[0]
    assert hs["priority"] == "P0" and hs["responsible_task"] == "T-002"
    assert hs["validates_scenarios"] and hs["validates_contracts"]
    assert hs["actual_output"] and hs["expected_output"]
    assert "P0 holdout HS-001 failed" in facets["verdict_reason"]
    assert "HS-001 P0 FAIL -> T-002" in r.stdout
    steps = {h["holdout_id"]: h.get("step", []) for h in read_toml(run_dir / "holdouts.toml")["holdout"]}
    assert [s["name"] for s in steps["HS-001"]][-2:] == ["verify", "cleanup"]
    assert steps["HS-002"] == []  # not run after the P0 failure


def test_failed_task_still_runs_holdouts_but_cannot_accept(project: Path, factory_env):
    env = dict(factory_env, STANDIN_FAIL="T-006")
    r = factory_run(project, env)
    assert r.returncode == 1
    facets = read_toml(only_run(project) / "report.toml")
    states = {t["task_id"]: t["status"] for t in facets["task"]}
    assert states["T-006"] == "FAILED"
    assert facets["verdict"] in ("REJECT", "PARTIAL")
    assert "T-006 FAILED" in facets["verdict_reason"]
    assert len(facets["holdout"]) == 8  # the holdouts ran on what was delivered


def test_invalid_spec_is_refused_before_anything_runs(project: Path, factory_env, spec_copy: Path):
    (spec_copy / "D4_CONTRACTS.md").unlink()
    argv = [sys.executable, "-m", "generator", "run", "--spec-dir", str(spec_copy), "--output-dir", "out"]
    r = subprocess.run(argv, cwd=project, env=factory_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "validation FAIL" in r.stderr and "D4_CONTRACTS.md" in r.stderr and "Traceback" not in r.stderr
    assert not (project / "runs").exists() and not (project / "out").exists()
    assert not (project / "workspaces").exists()
