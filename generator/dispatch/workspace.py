"""Where agents work, and what they can see from there.

A workspace is a plain directory or a git worktree of `[dispatch] target_repo`
on a new branch `factory/<run-id>`. Each task's handoff and prompt are copied
into `<workspace>/.factory/<HID>/`, where the agent also writes
`<HID>_RESULTS.md`. Nothing else of ours goes in: not the spec, not D9, not
the expected answers, not run data, not the site.

Environment rule: the agent gets the parent's environment minus every
`FACTORY_*` variable and minus every variable whose value (or any
`os.pathsep`-separated part of it) is a path inside a protected tree (the
spec directory, the handoffs tree, the runs tree, the site and anything the
caller adds); `PWD`/`OLDPWD` are reset to the workspace; then the `FACTORY_*`
variables of the turn are added.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from generator.errors import UsageError

HOLDOUT_FILE = "D9_HOLDOUT_SCENARIOS.md"
HOLDOUT_DIR = ".holdouts"
STAGE_DIR = ".factory"


def _is_holdout_path(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and (parts[-1] == HOLDOUT_FILE or HOLDOUT_DIR in parts)


def holdout_in_history(repo: Path) -> str | None:
    """The first holdout path found in any commit reachable from any ref, or None."""
    import git

    try:
        objects = git.Repo(repo).git.rev_list("--objects", "--all")
    except git.GitCommandError as exc:
        raise UsageError(f"{repo}: cannot read git history: {exc.stderr.strip() or exc}") from None
    for line in objects.splitlines():
        _, _, path = line.partition(" ")
        if path and _is_holdout_path(path):
            return path
    return None


def holdout_in_tree(root: Path) -> str | None:
    """A holdout file lying in the directory tree (outside .git), or None."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        if HOLDOUT_DIR in dirnames or HOLDOUT_FILE in filenames:
            return str(Path(dirpath).relative_to(root) / (HOLDOUT_FILE if HOLDOUT_FILE in filenames else HOLDOUT_DIR))
    return None


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_placement(workspace: Path, protected: Iterable[Path]) -> None:
    """Refuse a workspace inside a protected tree, or one that contains one."""
    ws = workspace.resolve()
    for root in protected:
        r = root.resolve()
        if _inside(ws, r) or _inside(r, ws):
            raise UsageError(f"workspace {workspace} overlaps {root}: agents must not see it")


def _refuse_holdouts(where: Path, found: str | None, what: str) -> None:
    if found:
        raise UsageError(f"refusing to dispatch into {where}: its {what} contains a holdout "
                         f"document ({found}); builders must never see D9")


def prepare_workspace(workspace: Path, *, mode: str, target_repo: str, run_id: str,
                      protected: Iterable[Path]) -> Path:
    """Create (or reuse, on resume) the workspace after the isolation checks."""
    workspace = Path(workspace)
    check_placement(workspace, protected)
    if mode == "worktree":
        if not target_repo:
            raise UsageError("[dispatch] workspace = \"worktree\" needs target_repo")
        repo_path = Path(target_repo)
        if not (repo_path / ".git").exists():
            raise UsageError(f"target_repo {target_repo} is not a git repository")
        _refuse_holdouts(repo_path, holdout_in_history(repo_path), "git history")
        if not (workspace / ".git").exists():
            workspace.parent.mkdir(parents=True, exist_ok=True)
            import git

            try:
                git.Repo(repo_path).git.worktree("add", "-b", f"factory/{run_id}", str(workspace.resolve()))
            except git.GitCommandError as exc:
                raise UsageError(f"cannot add worktree {workspace}: {exc.stderr.strip()}") from None
    else:
        workspace.mkdir(parents=True, exist_ok=True)
        if (workspace / ".git").exists():
            _refuse_holdouts(workspace, holdout_in_history(workspace), "git history")
    _refuse_holdouts(workspace, holdout_in_tree(workspace), "files")
    return workspace


def staged_paths(workspace: Path, handoff_id: str, handoff: Path, prompt: Path) -> tuple[Path, Path, Path]:
    """Where a task's handoff, prompt and results live inside the workspace."""
    d = workspace / STAGE_DIR / handoff_id
    return d / handoff.name, d / prompt.name, d / f"{handoff_id}_RESULTS.md"


def read_bytes(path: Path) -> bytes:
    """A small file's bytes in three system calls (open() takes nine, with GIL handoffs
    between them while ten agent threads launch at once)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def write_bytes(path: Path, data: bytes) -> None:
    """Create or truncate `path` with `data`, in as few system calls as possible."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def stage_files(workspace: Path, handoff_id: str, handoff: Path, prompt: Path) -> tuple[Path, Path, Path]:
    """Copy the handoff and prompt in; returns (handoff, prompt, results path) inside the workspace."""
    h, p, r = staged_paths(workspace, handoff_id, handoff, prompt)
    h.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(h, read_bytes(handoff))
    write_bytes(p, read_bytes(prompt))
    return h, p, r


def _points_into(value: str, roots: list[Path]) -> bool:
    for part in value.split(os.pathsep):
        part = part.strip()
        if not part or not (part.startswith(("/", "~"))):
            continue
        try:
            p = Path(os.path.expanduser(part)).resolve()
        except (OSError, RuntimeError):
            continue
        if any(_inside(p, r) for r in roots):
            return True
    return False


def agent_env(base: dict[str, str], protected: Iterable[Path], extra: dict[str, str],
              workspace: Path) -> dict[str, str]:
    """The agent's environment, by the rule in the module docstring."""
    roots = [Path(r).resolve() for r in protected]
    env = {k: v for k, v in base.items()
           if not k.startswith("FACTORY_") and k not in ("PWD", "OLDPWD") and not _points_into(v, roots)}
    env["PWD"] = str(workspace)
    env.update(extra)
    return env
