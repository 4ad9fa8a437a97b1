"""A demanding user's broken inputs: bad config, bad run ids, bad places, Ctrl-C, no git identity.

Each case must end with a clear message and a non-zero exit, and leave
nothing half-written behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import git
import pytest

from generator.cli import main
from generator.config import HoldoutConfig, load_config
from generator.errors import UsageError
from generator.model import Holdout, HoldoutStep

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "agents" / "standin.py"


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def standin_project(tmp_path: Path, extra: str = "") -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    write_config(proj / "factory.toml", '[dispatch]\nbackend = "command"\n'
                 f'command = ["{sys.executable}", "{STANDIN}"]\nretries = 0\ntimeout = 120\n' + extra)
    return proj


def cli(argv: list[str], cwd: Path, capsys) -> tuple[int, str, str]:  # noqa: ANN001
    old = Path.cwd()
    os.chdir(cwd)
    try:
        rc = main(argv)
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return rc, out, err


# -- factory.toml -----------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("[dispatch\n", "factory.toml:1: invalid TOML"),
    ("[dispatch]\njobs = -3\n", "factory.toml:2: 'jobs' must be 0 (a sensible number for this machine) or more"),
    ("[dispatch]\ntimeout = 0\n", "factory.toml:2: 'timeout' must be at least 1 second"),
    ("[dispatch]\nretries = -1\n", "factory.toml:2: 'retries' must be 0 or more"),
    ("[holdout]\nstep_timeout = -5\n", "factory.toml:2: 'step_timeout' must be at least 1 second"),
    ("[dispatch]\njobs = \"4\"\n", "factory.toml:2: 'jobs' must be an integer, not a string"),
    ("[dispatch]\njobs = true\n", "factory.toml:2: 'jobs' must be an integer, not a boolean"),
    ("[dispatch]\nfoo = 1\n", "factory.toml:2: unknown key 'foo' in [dispatch] (known: backend"),
    ("# comment\n[nope]\na = 1\n", "factory.toml:2: unknown table [nope]"),
    ("x = 3\n", "factory.toml:1: unknown top-level key 'x'"),
])
def test_bad_config_is_a_usage_error_naming_file_and_line(tmp_path: Path, text: str, words: str):
    write_config(tmp_path / "factory.toml", text)
    with pytest.raises(UsageError) as exc:
        load_config(tmp_path)
    assert words in str(exc.value)


def test_non_utf8_config_is_a_usage_error(tmp_path: Path):
    (tmp_path / "factory.toml").write_bytes(b"\xff\xfe[dispatch]\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_config(tmp_path)


def test_negative_jobs_in_config_never_reaches_the_scheduler(tmp_path: Path, example_spec: Path, capsys):
    proj = standin_project(tmp_path, "jobs = -3\n")
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out"], proj, capsys)
    assert rc == 2 and "'jobs' must be" in err and "Traceback" not in err
    assert not (proj / "out").exists() and not (proj / "runs").exists()


# -- factory run: refused before anything is written -----------------------------

def test_resume_of_unknown_run_writes_nothing(tmp_path: Path, example_spec: Path, capsys):
    proj = standin_project(tmp_path)
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out", "--resume", "nope"],
                     proj, capsys)
    assert rc == 2 and "no run 'nope'" in err
    assert not (proj / "out").exists() and not (proj / "workspaces").exists()


def test_output_dir_inside_or_around_the_spec_is_refused(tmp_path: Path, spec_copy: Path, capsys):
    proj = standin_project(tmp_path)
    before = sorted(p.name for p in spec_copy.iterdir())
    for out, words in ((spec_copy / "out", "inside the spec directory"), (spec_copy, "inside the spec directory"),
                       (spec_copy.parent, "contains the spec directory")):
        rc, _, err = cli(["run", "--spec-dir", str(spec_copy), "--output-dir", str(out)], proj, capsys)
        assert rc == 2 and words in err, err
    assert sorted(p.name for p in spec_copy.iterdir()) == before
    assert not (proj / "runs").exists()


@pytest.mark.parametrize("dispatch, words", [
    ('[dispatch]\nbackend = "command"\n', 'needs a command = [...]'),
    ('[dispatch]\nbackend = "command"\ncommand = ["x{nope}"]\n', "unknown placeholder {nope}"),
    ('[dispatch]\nworkspace = "worktree"\n', "needs target_repo"),
])
def test_unusable_dispatch_config_leaves_no_run_behind(tmp_path: Path, example_spec: Path, capsys, dispatch, words):
    write_config(tmp_path / "factory.toml", dispatch)
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out"], tmp_path, capsys)
    assert rc == 2 and words in err and "factory.toml" in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()


def test_workspace_refusal_removes_the_new_run(tmp_path: Path, example_spec: Path, capsys):
    proj = standin_project(tmp_path)
    # the workspace would sit inside the output tree: refused by dispatch, after the run was made
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out",
                      "--workspaces-dir", "out/ws"], proj, capsys)
    assert rc == 2 and "overlaps" in err
    assert not any((proj / "runs").glob("*/run.toml"))


# -- factory run: a whole run, Ctrl-C, resume ------------------------------------------

@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("qa-run")
    spec = base / "inkwell"
    shutil.copytree(ROOT / "specs" / "inkwell", spec)
    proj = standin_project(base)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "generator", "run", "--spec-dir", str(spec), "--output-dir", "out"],
                       cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return proj, spec


def run_dir_of(proj: Path) -> Path:
    (run,) = [p for p in (proj / "runs").iterdir() if (p / "run.toml").is_file()]
    return run


def test_run_finishes_after_its_holdouts_and_records_the_spec_digest(finished_run):
    import tomllib

    proj, _ = finished_run
    run = run_dir_of(proj)
    meta = tomllib.loads((run / "run.toml").read_text())
    holdouts = tomllib.loads((run / "holdouts.toml").read_text())
    assert meta["status"] == "FINISHED" and meta["spec_digest"].startswith("sha256:")
    assert meta["finished_at"] >= holdouts["finished"]


def test_resume_with_another_spec_or_a_changed_spec_is_refused(finished_run, tmp_path: Path, capsys):
    proj, spec = finished_run
    run = run_dir_of(proj).name
    renamed = tmp_path / "quill"  # the same documents under another spec name
    shutil.copytree(spec, renamed)
    rc, _, err = cli(["run", "--spec-dir", str(renamed), "--output-dir", "out2", "--resume", run], proj, capsys)
    assert rc == 2 and "was started from spec 'inkwell', not 'quill'" in err
    changed = tmp_path / "x" / "inkwell"
    shutil.copytree(spec, changed)
    d8 = changed / "D8_TASKS.md"
    d8.write_text(d8.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    rc, _, err = cli(["run", "--spec-dir", str(changed), "--output-dir", "out2", "--resume", run], proj, capsys)
    assert rc == 2 and "has changed since the run started" in err
    assert not (proj / "out2").exists()


def test_holdout_only_run_cannot_be_resumed_by_run(tmp_path: Path, example_spec: Path, capsys):
    proj = standin_project(tmp_path)
    (proj / "empty").mkdir()
    rc, _, _ = cli(["holdout", "--spec-dir", str(example_spec), "--install-root", "empty"], proj, capsys)
    assert rc == 1
    run = run_dir_of(proj).name
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out", "--resume", run], proj, capsys)
    assert rc == 2 and "holdout-only run" in err


def test_ctrl_c_during_holdouts_reports_and_resumes(tmp_path: Path, example_spec: Path, monkeypatch, capsys):
    import tomllib

    import generator.holdout as holdout_pkg

    proj = standin_project(tmp_path)

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    real = holdout_pkg.run_holdouts
    monkeypatch.setattr(holdout_pkg, "run_holdouts", interrupted)
    rc, out, _ = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out"], proj, capsys)
    run = run_dir_of(proj)
    assert rc == 1 and "holdouts were interrupted" in out
    assert f"resume:   factory run --spec-dir {example_spec} --output-dir out --resume {run.name}" in out
    meta = tomllib.loads((run / "run.toml").read_text())
    assert meta["status"] == "INTERRUPTED" and meta["verdict"] == "REJECT"
    monkeypatch.setattr(holdout_pkg, "run_holdouts", real)
    rc, out, _ = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out", "--resume", run.name],
                     proj, capsys)
    assert rc == 0 and "ACCEPT" in out and "resume:" not in out


def test_sigint_during_dispatch_then_resume(tmp_path: Path, example_spec: Path):
    proj = standin_project(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), STANDIN_SLEEP="2")
    cmd = [sys.executable, "-m", "generator", "run", "--spec-dir", str(example_spec), "--output-dir", "out"]
    p = subprocess.Popen(cmd, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list((proj / "runs").glob("*/ledger.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 1 and "Traceback" not in err
    assert "dispatch was interrupted" in out and "--resume" in out
    run = run_dir_of(proj).name
    env.pop("STANDIN_SLEEP")
    r = subprocess.run(cmd + ["--resume", run], cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "ACCEPT" in r.stdout


# -- status / approve / dispatch failures ------------------------------------------------

def test_status_and_approve_with_bad_ids(finished_run, capsys):
    proj, _ = finished_run
    run = run_dir_of(proj).name
    assert cli(["status", "nope"], proj, capsys)[0] == 2
    rc, _, err = cli(["approve", run, "T-999"], proj, capsys)
    assert rc != 0 and "has no task T-999" in err
    rc, out, _ = cli(["status", run], proj, capsys)
    assert rc == 0 and "LAUNCHES" in out and "TRIES" not in out


def test_agent_that_cannot_start_is_named_once(tmp_path: Path, example_spec: Path, capsys):
    # the program is only known per turn (a placeholder), so it fails at launch: not executable
    write_config(tmp_path / "factory.toml", '[dispatch]\nbackend = "command"\ncommand = ["{handoff_path}"]\n'
                 "retries = 0\n")
    rc, _, err = cli(["run", "--spec-dir", str(example_spec), "--output-dir", "out"], tmp_path, capsys)
    assert rc == 1
    line = next(ln for ln in err.splitlines() if "T-001" in ln and "DISPATCH_FAILED" in ln)
    assert line.count("DISPATCH_FAILED") == 1 and "(after 1 attempt)" in line


# -- holdouts: Cleanup survives Ctrl-C -------------------------------------------------

def test_cleanup_runs_when_interrupted(tmp_path: Path):
    from generator.holdout.executable import run_executable

    root = tmp_path / "install"
    root.mkdir()
    marker = tmp_path / "cleaned"
    h = Holdout(id="HS-001", priority="P0", steps=[
        HoldoutStep("setup", "true"), HoldoutStep("execute", "sleep 30"), HoldoutStep("verify", "exit 0"),
        HoldoutStep("cleanup", f'touch "{marker}"')])
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_executable(h, root, HoldoutConfig(step_timeout=60, scenario_timeout=120))
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert marker.exists() and time.monotonic() - t0 < 20


# -- git: a fresh machine without an identity ------------------------------------------

def _no_identity(monkeypatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "none"))
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)


def test_no_op_build_commit_needs_no_git_identity(tmp_path: Path, monkeypatch):
    from test_gitops_support import build, commit, make_project

    proj = make_project(tmp_path / "p")
    commit(proj, build(proj))  # outputs committed once, with the project's identity
    repo = git.Repo(proj)
    with repo.config_writer() as cw:
        cw.remove_section("user")
    _no_identity(monkeypatch, tmp_path)
    head = repo.head.commit.hexsha
    assert commit(proj, build(proj)) is None
    assert repo.head.commit.hexsha == head


def test_changed_outputs_without_identity_say_what_happened(tmp_path: Path, monkeypatch):
    from test_gitops_support import build, commit, make_project

    from generator.gitops import GitRefusal

    proj = make_project(tmp_path / "p")
    repo = git.Repo(proj)
    with repo.config_writer() as cw:
        cw.remove_section("user")
    _no_identity(monkeypatch, tmp_path)
    with pytest.raises(GitRefusal, match=r"outputs written, nothing committed: git user\.name is not set.*"
                                         r"then run the build again"):
        commit(proj, build(proj))


def test_status_and_approve_read_the_named_config(finished_run, tmp_path: Path, capsys):
    proj, _ = finished_run
    run = run_dir_of(proj).name
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    rc, out, err = cli(["status", run, "--config", str(proj / "factory.toml")], elsewhere, capsys)
    assert rc == 0 and f"run {run}: FINISHED" in out, err
    rc, out, _ = cli(["approve", run, "T-001", "--config", str(proj / "factory.toml")], elsewhere, capsys)
    assert rc == 0 and "already approved" in out


CONFIG_TEXTS = [
    (Path(__file__).resolve().parent.parent / "factory.toml").read_text(encoding="utf-8"),
    '[project]\nspecs = ["a", "b/c"]  # two\nhandoffs = """multi\nline"""\n',
    "[dispatch]\njobs = 0x10\ntimeout = 1_000\nretries = +2\nratio = 6.5e-1\nwhen = 1979-05-27T07:32:00Z\n",
    "[prompt]\nadversarial = 'lit\\eral'\n[holdout]\nstep_timeout = 30\nenv = { a = \"\\u00e9\", b = [1, [2, 3]] }\n",
    "a.b.c = true\n[[x]]\ny = 1\n[[x]]\ny = 2\n",
    "",
]


@pytest.mark.parametrize("text", CONFIG_TEXTS)
def test_config_is_read_as_tomlkit_reads_it(text: str):
    import tomlkit

    from generator.config import _parse_toml

    assert _parse_toml(text) == tomlkit.parse(text).unwrap()
