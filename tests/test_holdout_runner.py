"""The executable holdout runner against real bash: state, verdicts, cleanup, hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import HoldoutConfig
from generator.holdout.executable import run_executable
from generator.model import Holdout, HoldoutStep


def scenario(**steps: str) -> Holdout:
    return Holdout(id="HS-001", priority="P0", steps=[HoldoutStep(n, s) for n, s in steps.items()])


def run(h: Holdout, root: Path, **cfg) -> object:
    base = {"step_timeout": 20, "scenario_timeout": 60}
    base.update(cfg)
    return run_executable(h, root, HoldoutConfig(**base))


def proc_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "install"
    r.mkdir()
    (r / "tool.sh").write_text("#!/bin/sh\necho tool-output\n")
    (r / "tool.sh").chmod(0o755)
    return r


def test_setup_state_reaches_verify(root: Path):
    h = scenario(
        setup='GREETING=hello; mkdir -p work && cd work; echo data > input.txt',
        execute='"$FACTORY_INSTALL_ROOT/tool.sh" > out.txt',
        verify='[ "$GREETING" = hello ] && [ -f input.txt ] && grep -q tool-output out.txt',
    )
    a = run(h, root)
    assert a.status == "PASS", a.steps
    assert [s.name for s in a.steps] == ["setup", "execute", "verify"]
    assert all(s.exit_code == 0 and not s.fresh_session for s in a.steps)


def test_verify_nonzero_is_fail_with_actual_output(root: Path):
    h = scenario(execute="echo produced-this", verify='echo "saw wrong value" >&2; exit 3')
    a = run(h, root)
    assert a.status == "FAIL"
    assert a.steps[-1].exit_code == 3
    assert "saw wrong value" in a.actual and "produced-this" in a.actual


def test_failing_setup_is_error_and_cleanup_still_runs(root: Path, tmp_path: Path):
    marker = tmp_path / "cleanup-ran"
    h = scenario(setup="STATE=kept; false", execute="echo never", verify="exit 0",
                 cleanup=f'echo "$STATE" > "{marker}"')
    a = run(h, root)
    assert a.status == "ERROR"
    assert "HOLDOUT_EXECUTION_ERROR" in a.error and "Setup failed (exit 1)" in a.error
    assert [s.name for s in a.steps] == ["setup", "cleanup"]
    assert marker.read_text().strip() == "kept"


def test_expected_failure_of_execute_is_judged_by_verify(root: Path, tmp_path: Path):
    marker = tmp_path / "cleanup-ran"
    h = scenario(setup="LABEL=x", execute="echo refusing >&2; exit 5",
                 verify='[ "$FACTORY_EXECUTE_STATUS" = 5 ]', cleanup=f'echo "$LABEL" > "{marker}"')
    a = run(h, root)
    assert a.status == "PASS"
    assert a.steps[1].exit_code == 5 and a.steps[1].stderr.strip() == "refusing"
    assert marker.read_text().strip() == "x"


def test_execute_that_cannot_run_is_error(root: Path):
    a = run(scenario(execute="definitely-not-a-command-xyz --flag", verify="exit 0"), root)
    assert a.status == "ERROR"
    assert "exit 127: command not found" in a.error
    assert [s.name for s in a.steps] == ["execute"]
    assert "/ctl/" not in a.steps[0].stderr  # no temporary paths in the evidence


def test_timeout_kills_the_step_and_cleanup_runs_in_fresh_bash(root: Path, tmp_path: Path):
    marker = tmp_path / "cleanup-ran"
    h = scenario(setup="PRIVATE=lost", execute="sleep 60", verify="exit 0",
                 cleanup=f'echo "root=$FACTORY_INSTALL_ROOT private=${{PRIVATE-unset}}" > "{marker}"')
    a = run(h, root, step_timeout=1)
    assert a.status == "ERROR" and "Execute timed out" in a.error
    execute, cleanup = a.steps[1], a.steps[2]
    assert execute.timed_out and execute.exit_code is None
    assert cleanup.fresh_session and cleanup.exit_code == 0
    assert marker.read_text().strip() == f"root={root.resolve()} private=unset"


def test_scenario_timeout_bounds_the_steps_together(root: Path):
    h = scenario(setup="sleep 60", verify="exit 0")
    a = run(h, root, step_timeout=30, scenario_timeout=1)
    assert a.status == "ERROR" and "scenario timeout" in a.error


def test_missing_verify_is_error_and_nothing_runs(root: Path, tmp_path: Path):
    marker = tmp_path / "ran"
    a = run(scenario(setup=f"touch {marker}", verify="# only a comment\n"), root)
    assert a.status == "ERROR" and "no executable Verify" in a.error
    assert not marker.exists()


def test_verify_under_set_e_keeps_state_for_cleanup(root: Path, tmp_path: Path):
    marker = tmp_path / "cleanup-ran"
    h = scenario(setup="KEEP=1", verify="set -euo pipefail\nfalse\necho unreachable",
                 cleanup=f'echo "keep=$KEEP" > "{marker}"')
    a = run(h, root)
    assert a.status == "FAIL" and "unreachable" not in a.steps[1].stdout
    assert marker.read_text().strip() == "keep=1"
    assert not a.steps[-1].fresh_session


def test_second_exit_continues_in_fresh_session(root: Path):
    h = scenario(setup="MINE=1; exit 0", execute="exit 4",
                 verify='[ "$FACTORY_EXECUTE_STATUS" = 4 ] && [ -z "${MINE+x}" ]')
    a = run(h, root)
    assert a.status == "PASS"
    assert [s.fresh_session for s in a.steps] == [False, False, True]


def test_environment_is_minimal(root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPERATOR_SECRET_TOKEN", "hunter2")
    monkeypatch.setenv("ALLOWED_SETTING", "yes")
    h = scenario(verify='[ -z "${OPERATOR_SECRET_TOKEN+x}" ] && [ "$HOME" = "$FACTORY_SCRATCH" ] '
                        '&& [ "$PWD" = "$FACTORY_SCRATCH" ] && [ "$TMPDIR" = "$FACTORY_SCRATCH" ] '
                        '&& [ "$ALLOWED_SETTING" = yes ]')
    assert run(h, root, env_allow=["ALLOWED_SETTING"]).status == "PASS"
    assert run(h, root).status == "FAIL"  # ALLOWED_SETTING not passed without the allow-list
    leak = scenario(verify='env; [ -z "${OPERATOR_SECRET_TOKEN+x}" ]')
    a = run(leak, root)
    assert a.status == "PASS" and "hunter2" not in a.steps[0].stdout


def test_background_processes_do_not_survive(root: Path, tmp_path: Path):
    pids = tmp_path / "pids"
    h = scenario(setup=f'sleep 300 & echo $! >> "{pids}"',
                 execute=f'( sleep 301 & echo $! >> "{pids}"; wait ) &',
                 # wait until the background subshell has written its child's pid
                 verify=f'until [ "$(wc -l < "{pids}")" -ge 2 ]; do sleep 0.05; done')
    a = run(h, root)
    assert a.status == "PASS"
    found = [int(p) for p in pids.read_text().split()]
    assert len(found) == 2
    assert not any(proc_alive(p) for p in found)


def test_scratch_is_fresh_and_removed(root: Path, tmp_path: Path):
    where = tmp_path / "where"
    h = scenario(setup=f'[ -z "$(ls -A)" ] && pwd > "{where}"', verify="exit 0")
    assert run(h, root).status == "PASS"
    scratch = Path(where.read_text().strip())
    assert scratch.name == "scratch" and not scratch.exists()
    h2 = scenario(setup=f'pwd > "{where}"; chmod 500 .', verify="exit 0")
    kept = run_executable(h2, root, HoldoutConfig(), keep_scratch=True)
    assert kept.status == "PASS"
    scratch = Path(where.read_text().strip())
    assert scratch.is_dir() and kept.scratch == str(scratch)
    from generator.holdout.sandbox import remove_tree
    remove_tree(scratch.parent)
    assert not scratch.parent.exists()


def test_output_is_capped(root: Path):
    h = scenario(verify="head -c 200000 /dev/zero | tr '\\0' 'a'; echo; echo END")
    a = run(h, root, output_cap=1000)
    out = a.steps[0].stdout
    assert a.status == "PASS"
    assert len(out) < 1100 and "bytes omitted" in out and out.rstrip().endswith("END")


def test_no_bash_on_path_is_error_not_crash(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    a = run(scenario(verify="exit 0"), root)
    assert a.status == "ERROR" and "cannot run bash" in a.error
