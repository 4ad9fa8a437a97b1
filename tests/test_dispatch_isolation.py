"""What an agent can reach: only its handoff, prompt and code; never D9, the spec or answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator.compile import CompileOptions, compile_spec
from generator.dispatch import jobs_from_index, run_dispatch
from generator.dispatch.workspace import agent_env, holdout_in_history
from generator.errors import UsageError
from generator.model import DOCUMENTS
from generator.spec import load_spec
from test_dispatch_helpers import make_project, scripted_cfg


def _compile(spec_dir: Path, out: Path):
    spec = load_spec(spec_dir)
    for rel, data in compile_spec(spec, CompileOptions()).items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return spec


def _only_in(doc: str, others: list[str]) -> list[str]:
    """Lines of `doc` long enough to be telling and found in none of `others`."""
    return [ln.strip() for ln in doc.splitlines()
            if len(ln.strip()) >= 40 and not any(ln.strip() in o for o in others)]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_agent_reaches_no_holdout_spec_or_expected_answers(tmp_path, spec_copy, monkeypatch):
    handoffs = tmp_path / "handoffs" / "inkwell"
    spec = _compile(spec_copy, handoffs)
    jobs = jobs_from_index(handoffs, spec)
    runs, site = tmp_path / "runs", tmp_path / "site"
    site.mkdir()
    log = tmp_path / "agentlog"
    log.mkdir()
    monkeypatch.setenv("SCRIPTED_LOG", str(log))
    monkeypatch.setenv("SCRIPTED_DUMP", "*")
    monkeypatch.setenv("SPEC_HOME", str(spec_copy))  # parent env pointing at protected trees
    monkeypatch.setenv("LOOKUP_PATH", f"/usr/bin:{handoffs}")
    monkeypatch.setenv("REPORTS", str(site / "index.html"))
    monkeypatch.setenv("FACTORY_SECRET_DIR", "/anywhere")
    out = run_dispatch(jobs, cfg=scripted_cfg(gate="auto"), run_dir=runs / "r1",
                       workspace=tmp_path / "workspaces" / "r1", protect=[runs, site])
    assert out.ok

    d9 = (spec_copy / DOCUMENTS["D9"]).read_text()
    visible = [(spec_copy / DOCUMENTS[c]).read_text() for c in DOCUMENTS if c != "D9"]
    d9_lines = _only_in(d9, visible)
    assert len(d9_lines) > 20  # the check has teeth
    answers = sorted(handoffs.glob("*/*_EXPECTED_ANSWERS.md"))
    answer_lines = []
    for a in answers:
        shown = [p.read_text() for p in a.parent.glob("*.md") if p != a]
        answer_lines += _only_in(a.read_text(), shown)
    assert answer_lines

    dumps = sorted(log.glob("*.dump.json"))
    assert len(dumps) == 2 * len(jobs)  # gate and build turns of every task
    forbidden_paths = [str(spec_copy), str(handoffs), str(runs), str(site)]
    for dump in dumps:
        seen = json.loads(dump.read_text())
        names = {Path(f).name for f in seen["files"]}
        assert not names & set(DOCUMENTS.values()), dump.name
        assert not any("EXPECTED_ANSWERS" in n for n in names), dump.name
        blob = "\n".join(seen["files"].values()) + "\n".join(f"{k}={v}" for k, v in seen["env"].items())
        assert not [ln for ln in d9_lines if ln in blob], dump.name
        assert not [ln for ln in answer_lines if ln in blob], dump.name
        assert not [p for p in forbidden_paths if p in blob], dump.name
        env = seen["env"]
        assert "SPEC_HOME" not in env and "LOOKUP_PATH" not in env and "REPORTS" not in env
        assert "FACTORY_SECRET_DIR" not in env
        assert env["FACTORY_WORKSPACE"] == seen["cwd"]
        assert Path(env["FACTORY_RESULTS_PATH"]).parent.parent.parent == Path(seen["cwd"])
        assert {"FACTORY_HANDOFF_ID", "FACTORY_TASK_ID", "FACTORY_HANDOFF_PATH", "FACTORY_PROMPT_PATH",
                "FACTORY_TURN"} <= set(env)


def test_env_rule_keeps_unrelated_paths_and_drops_protected_ones(tmp_path):
    spec = tmp_path / "spec"
    spec.mkdir()
    base = {"HOME": "/home/x", "PATH": "/usr/bin:/bin", "NEAR": str(tmp_path), "IN": f"{spec}/D9.md",
            "FACTORY_CLAUDE_PATH": "/usr/bin/claude", "PWD": str(spec)}
    env = agent_env(base, [spec], {"FACTORY_TURN": "gate"}, tmp_path / "ws")
    assert env["HOME"] == "/home/x" and env["PATH"] == "/usr/bin:/bin" and env["NEAR"] == str(tmp_path)
    assert "IN" not in env and "FACTORY_CLAUDE_PATH" not in env
    assert env["PWD"] == str(tmp_path / "ws") and env["FACTORY_TURN"] == "gate"


@pytest.mark.parametrize("holdout", ["docs/D9_HOLDOUT_SCENARIOS.md", ".holdouts/hs-001.sh"])
def test_refuses_a_workspace_whose_history_holds_a_holdout(tmp_path, holdout):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    ws = tmp_path / "ws"
    ws.mkdir()
    _git(ws, "init", "-q")
    (ws / holdout).parent.mkdir(parents=True, exist_ok=True)
    (ws / holdout).write_text("secret\n")
    _git(ws, "add", ".")
    _git(ws, "commit", "-qm", "oops")
    _git(ws, "rm", "-rq", holdout.split("/")[0])  # gone from the tree, still in history
    _git(ws, "commit", "-qm", "remove")
    found = holdout_in_history(ws)
    assert found and holdout.startswith(found)
    run_dir = tmp_path / "runs" / "r"
    with pytest.raises(UsageError, match="holdout"):
        run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=ws)
    assert not run_dir.exists()


def test_worktree_of_a_target_repo_on_a_new_branch(tmp_path, monkeypatch):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    repo = tmp_path / "target"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("print('hi')\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    ws = tmp_path / "workspaces" / "r"
    cfg = scripted_cfg(workspace="worktree", target_repo=str(repo))
    out = run_dispatch(jobs, cfg=cfg, run_dir=tmp_path / "runs" / "r", workspace=ws)
    assert out.ok
    assert (ws / "app.py").is_file()
    branches = subprocess.run(["git", "branch", "--list", "factory/r"], cwd=repo, capture_output=True,
                              text=True).stdout
    assert "factory/r" in branches
    # a target repo with D9 anywhere in its refs is refused
    side = tmp_path / "holdouts-branch"
    _git(repo, "checkout", "-qb", "side")
    (repo / "D9_HOLDOUT_SCENARIOS.md").write_text("x\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "side")
    with pytest.raises(UsageError, match="holdout"):
        run_dispatch(jobs, cfg=cfg, run_dir=tmp_path / "runs" / "r2", workspace=side)


def test_workspace_inside_a_protected_tree_is_refused(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    with pytest.raises(UsageError, match="overlaps"):
        run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "r",
                     workspace=tmp_path / "handoffs" / "demo" / "ws")
