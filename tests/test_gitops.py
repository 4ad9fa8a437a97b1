"""Committing build outputs into real temporary git repositories."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import git
import pytest
from test_gitops_support import build, commit, commit_count, committed_paths, make_project, state

from generator.gitops import GitRefusal, natural_key

SC5_OLD = "stored in lower case"
SC5_NEW = "stored in lowercase"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_first_build_commits_the_output_tree(project: Path):
    builds = build(project)
    res = commit(project, builds)
    assert res is not None
    on_disk = sorted(
        p.relative_to(project).as_posix() for p in (project / "handoffs").rglob("*") if p.is_file()
    )
    assert committed_paths(project) == on_disk
    handoffs = sorted({p.split("/")[2] for p in on_disk if p.endswith("_BUILDER_HANDOFF.md")}, key=natural_key)
    subject = res.message.splitlines()[0]
    assert subject == f"handoffs(inkwell): +{len(handoffs)} ~0 -0"
    assert ", ".join(handoffs) in res.message
    assert builds[0].digest and builds[0].digest in res.message
    assert git.Repo(project).head.commit.message == res.message
    assert "handoffs/" not in git.Repo(project).git.status("--porcelain")


def test_second_build_makes_no_commit(project: Path):
    commit(project, build(project))
    before = state(project)
    assert commit(project, build(project)) is None
    assert state(project) == before


def test_one_scenario_edit_commits_only_what_uses_it(project: Path):
    from generator.compile import compile_spec
    from generator.config import load_config
    from generator.spec import load_spec
    from generator.watch import compile_options

    commit(project, build(project))
    spec_dir = project / "specs" / "inkwell"
    opts = compile_options(load_config(project), spec_dir)
    old = compile_spec(load_spec(spec_dir), opts)
    _edit(spec_dir / "D2_SPECIFICATION.md", SC5_OLD, SC5_NEW)
    new = compile_spec(load_spec(spec_dir), opts)
    expected = sorted(f"handoffs/inkwell/{p}" for p in new if old.get(p) != new[p])
    res = commit(project, build(project))
    assert res is not None and res.paths == expected == committed_paths(project)
    # only T-004 satisfies SC-005: its handoff changes, the other five do not
    touched = {p.split("/")[2] for p in expected if p.count("/") >= 3}
    assert touched == {"H-FACTORY-004", "facets"}
    assert res.message.startswith("handoffs(inkwell): +0 ~1 -0\n")
    assert any(p.endswith(".toml") for p in expected)  # the facets that carry the scenario
    # the spec edit itself is the user's business: not committed, still modified
    assert "specs/inkwell/D2_SPECIFICATION.md" in git.Repo(project).git.diff("--name-only")


def test_user_staged_and_unstaged_work_is_kept_as_it_was(project: Path):
    repo = git.Repo(project)
    (project / "notes.txt").write_text("one\n")
    (project / "todo.txt").write_text("a\n")
    repo.git.add("notes.txt", "todo.txt")
    repo.git.commit("-q", "-m", "user files")
    (project / "notes.txt").write_text("one\ntwo staged\n")
    repo.git.add("notes.txt")
    (project / "todo.txt").write_text("a\nb unstaged\n")
    (project / "scratch.txt").write_text("untracked\n")
    staged_before = repo.git.diff("--cached")
    unstaged_before = repo.git.diff()

    res = commit(project, build(project))
    assert res is not None
    assert all(p.startswith("handoffs/inkwell/") for p in committed_paths(project))
    assert repo.git.diff("--cached") == staged_before
    assert repo.git.diff() == unstaged_before
    assert repo.git.show("HEAD:notes.txt") == "one"
    assert (project / "notes.txt").read_text() == "one\ntwo staged\n"
    assert (project / "todo.txt").read_text() == "a\nb unstaged\n"
    status = repo.git.status("--porcelain=v1").splitlines()
    assert sorted(status) == sorted(["?? scratch.txt", "M  notes.txt", " M todo.txt"])


def test_removed_handoff_is_committed_as_a_removal(tmp_path: Path):
    from synth import generate_spec

    spec = tmp_path / "gen"
    generate_spec(spec, tasks=3, seed=7)
    project = make_project(tmp_path / "proj", spec)
    commit(project, build(project))
    generate_spec(project / "specs" / "gen", tasks=2, seed=7)
    res = commit(project, build(project))
    assert res is not None
    assert re.match(r"handoffs\(gen\): \+0 ~\d+ -1\n", res.message)
    assert "removed: H-FACTORY-003" in res.message
    gone = [p for p in committed_paths(project) if "H-FACTORY-003" in p]
    assert gone and not any((project / p).exists() for p in gone)
    assert not [p for p in git.Repo(project).git.ls_files().splitlines() if "H-FACTORY-003" in p]


def test_outputs_outside_a_repository_are_refused(tmp_path: Path):
    project = make_project(tmp_path / "plain", repo=False)
    builds = build(project)
    with pytest.raises(GitRefusal, match="not inside a git repository"):
        commit(project, builds)
    assert not (project / ".git").exists()


def _merge_in_progress(repo: git.Repo, root: Path) -> None:
    repo.git.checkout("-q", "-b", "side")
    (root / "side.txt").write_text("side\n")
    repo.git.add("side.txt")
    repo.git.commit("-q", "-m", "side")
    repo.git.checkout("-q", "main")
    repo.git.merge("--no-commit", "--no-ff", "side")


def _conflicting_branch(repo: git.Repo, root: Path) -> None:
    """Branch `side` and `main` change the same line of conflict.txt."""
    (root / "conflict.txt").write_text("base\n")
    repo.git.add("conflict.txt")
    repo.git.commit("-q", "-m", "base")
    repo.git.checkout("-q", "-b", "side")
    (root / "conflict.txt").write_text("side\n")
    repo.git.commit("-q", "-am", "side")
    repo.git.checkout("-q", "main")
    (root / "conflict.txt").write_text("main\n")
    repo.git.commit("-q", "-am", "main")


def _rebase_in_progress(repo: git.Repo, root: Path) -> None:
    _conflicting_branch(repo, root)
    repo.git.checkout("-q", "side")
    with pytest.raises(git.GitCommandError):
        repo.git.rebase("main")
    assert (Path(repo.git_dir) / "rebase-merge").is_dir() or (Path(repo.git_dir) / "rebase-apply").is_dir()


def _cherry_pick_in_progress(repo: git.Repo, root: Path) -> None:
    _conflicting_branch(repo, root)
    with pytest.raises(git.GitCommandError):
        repo.git.cherry_pick("side")


def _revert_in_progress(repo: git.Repo, root: Path) -> None:
    _conflicting_branch(repo, root)
    (root / "conflict.txt").write_text("main again\n")
    repo.git.commit("-q", "-am", "again")
    with pytest.raises(git.GitCommandError):
        repo.git.revert("--no-edit", "HEAD~1")


def _detached(repo: git.Repo, root: Path) -> None:
    repo.git.checkout("-q", "--detach")


def _locked(repo: git.Repo, root: Path) -> None:
    (Path(repo.git_dir) / "index.lock").write_text("")


REFUSALS = [
    (_detached, "HEAD is detached"),
    (_merge_in_progress, "merge is in progress"),
    (_rebase_in_progress, "rebase is in progress"),
    (_cherry_pick_in_progress, "cherry-pick is in progress"),
    (_revert_in_progress, "revert is in progress"),
    (_locked, "index.lock exists"),
]


@pytest.mark.parametrize("setup, message", REFUSALS, ids=[f.__name__.strip("_") for f, _ in REFUSALS])
def test_unsafe_repository_states_are_refused_and_left_unchanged(project: Path, setup, message):
    repo = git.Repo(project)
    setup(repo, project)
    builds = build(project)  # writes outputs; only the commit is refused
    before = state(project)
    with pytest.raises(GitRefusal, match=re.escape(message)):
        commit(project, builds)
    assert state(project) == before


def test_missing_identity_is_refused_with_how_to_set_it(project: Path, monkeypatch, tmp_path: Path):
    repo = git.Repo(project)
    with repo.config_writer() as cw:
        cw.remove_section("user")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "none"))
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    builds = build(project)
    before = state(project)
    with pytest.raises(GitRefusal, match=r"git config --global user\.name"):
        commit(project, builds)
    assert state(project) == before


def test_unborn_branch_gets_a_root_commit(tmp_path: Path):
    project = make_project(tmp_path / "proj", repo=False)
    repo = git.Repo.init(project, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "A").set_value("user", "email", "a@example.com")
    res = commit(project, build(project))
    assert res is not None and commit_count(project) == 1
    assert not repo.head.commit.parents
    # the spec was never added: it stays untracked
    assert "?? specs/" in repo.git.status("--porcelain")


def test_build_commit_command_end_to_end(project: Path, factory_env):
    cmd = [sys.executable, "-m", "generator", "build", "--commit"]
    first = subprocess.run(cmd, cwd=project, env=factory_env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert commit_count(project) == 2
    second = subprocess.run(cmd, cwd=project, env=factory_env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert commit_count(project) == 2
    (Path(git.Repo(project).git_dir) / "index.lock").write_text("")
    _edit(project / "specs" / "inkwell" / "D2_SPECIFICATION.md", SC5_OLD, SC5_NEW)
    third = subprocess.run(cmd, cwd=project, env=factory_env, capture_output=True, text=True, timeout=120)
    assert third.returncode != 0 and "index.lock" in third.stderr and "Traceback" not in third.stderr
    assert commit_count(project) == 2


def test_natural_order_of_handoff_ids():
    ids = ["H-FACTORY-1000", "H-FACTORY-999", "H-FACTORY-010", "H-FACTORY-002"]
    assert sorted(ids, key=natural_key) == ["H-FACTORY-002", "H-FACTORY-010", "H-FACTORY-999", "H-FACTORY-1000"]
