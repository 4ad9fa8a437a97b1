"""`factory run` refuses an agent program it cannot find before writing anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLE_SPEC, ROOT


def _project(tmp_path, dispatch: str):
    shutil.copytree(EXAMPLE_SPEC, tmp_path / "specs" / "inkwell")
    (tmp_path / "factory.toml").write_text(f'[project]\nspecs = ["specs/inkwell"]\n\n[dispatch]\n{dispatch}\n')
    env = {k: v for k, v in os.environ.items() if k != "FACTORY_CLAUDE_PATH"}
    env.update(PYTHONPATH=str(ROOT), PATH="/usr/bin:/bin")
    return env


@pytest.mark.parametrize("dispatch, program", [
    ('backend = "claude"', "claude"),
    ('backend = "command"\ncommand = ["no-such-agent-program", "{prompt_path}"]', "no-such-agent-program"),
])
def test_missing_agent_program_is_refused_before_anything_is_written(tmp_path, dispatch, program):
    if program == "claude" and shutil.which("claude", path="/usr/bin:/bin"):
        pytest.skip("a claude program is installed on this machine")
    env = _project(tmp_path, dispatch)
    r = subprocess.run([sys.executable, "-m", "generator", "run", "--spec-dir", "specs/inkwell",
                        "--output-dir", "out"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert f"'{program}'" in r.stderr and "not found" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["factory.toml", "specs"]


def test_a_program_given_by_path_is_accepted(tmp_path):
    """The check resolves absolute paths too: a real stand-in agent passes it and the run goes on."""
    agent = ROOT / "tests" / "agents" / "standin.py"
    env = _project(tmp_path, f'backend = "command"\ncommand = ["{sys.executable}", "{agent}"]\ngate = "off"')
    r = subprocess.run([sys.executable, "-m", "generator", "run", "--spec-dir", "specs/inkwell",
                        "--output-dir", "out"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "runs").is_dir()
