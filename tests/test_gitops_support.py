"""Temporary factory projects inside real git repositories, for the gitops and watch tests."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import git

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SPEC = ROOT / "specs" / "inkwell"


def make_project(root: Path, spec: Path = EXAMPLE_SPEC, *, repo: bool = True) -> Path:
    """`root` with factory.toml, a copy of `spec` under specs/, and (by default) a git repo."""
    name = spec.name
    shutil.copytree(spec, root / "specs" / name)
    (root / "factory.toml").write_text(f'[project]\nspecs = ["specs/{name}"]\n', encoding="utf-8")
    if repo:
        r = git.Repo.init(root, initial_branch="main")
        with r.config_writer() as cw:
            cw.set_value("user", "name", "Spec Author")
            cw.set_value("user", "email", "author@example.com")
        r.git.add("-A")
        r.git.commit("-q", "-m", "spec")
        r.close()
    return root


def build(root: Path):
    """A real `factory build` of the project, in process."""
    from generator.build import build_project
    from generator.config import load_config

    return build_project(load_config(root))


def commit(root: Path, builds):
    from generator.gitops import commit_build

    return commit_build(root, builds)


def state(root: Path) -> tuple:
    """HEAD, every index entry, status and every working-tree byte: what must not change."""
    r = git.Repo(root)
    try:
        head = r.git.rev_parse("--verify", "-q", "HEAD")
    except git.GitCommandError:
        head = ""
    files = {}
    for p in sorted(root.rglob("*")):
        if ".git" in p.relative_to(root).parts or not p.is_file():
            continue
        files[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    st = (head, r.git.ls_files("-s", "--stage"), r.git.status("--porcelain=v1", "-uall"), files)
    r.close()
    return st


def committed_paths(root: Path, rev: str = "HEAD") -> list[str]:
    r = git.Repo(root)
    out = r.git.show("--name-only", "--format=", rev)
    r.close()
    return sorted(p for p in out.splitlines() if p)


def commit_count(root: Path) -> int:
    r = git.Repo(root)
    n = int(r.git.rev_list("--count", "HEAD"))
    r.close()
    return n
