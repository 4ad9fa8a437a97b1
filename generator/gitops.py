"""Commit exactly the build outputs that changed, nothing else.

The commit is assembled in a temporary index (HEAD's tree plus the changed
output paths), written with commit-tree and published with a compare-and-swap
update-ref. The real index is then touched only at those paths, so whatever
the user has staged or left unstaged elsewhere stays as it was and
`git status` stays truthful. Being made with plumbing, the commit runs no
hooks; `commit.gpgSign` is honoured. gitpython is imported here only, lazily.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from generator.errors import FactoryError

ZERO = "0" * 40


class GitRefusal(FactoryError):
    """The repository is in a state where committing would be unsafe."""

    exit_code = 1


@dataclass(frozen=True)
class PathChange:
    path: str  # repository-relative, '/'-separated
    kind: str  # "A" | "M" | "D"
    mode: str = "100644"
    sha: str = ZERO  # new blob (ZERO for a removal)


@dataclass
class SpecChanges:
    """What one spec's build changed relative to HEAD."""

    spec: str
    digest: str
    changes: list[PathChange] = field(default_factory=list)
    handoffs_added: list[str] = field(default_factory=list)
    handoffs_changed: list[str] = field(default_factory=list)
    handoffs_removed: list[str] = field(default_factory=list)


@dataclass
class CommitResult:
    sha: str
    message: str
    specs: list[SpecChanges]

    @property
    def paths(self) -> list[str]:
        return sorted(c.path for s in self.specs for c in s.changes)


# --------------------------------------------------------------------------
# Reading a SpecBuild without depending on its exact class.


def _field(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _build_parts(build: Any) -> tuple[str, Path, set[str], str]:
    """(spec name, output dir, current output paths relative to it, digest)."""
    name = str(_field(build, "name", "spec", "spec_name", default=""))
    out_dir = Path(_field(build, "output_dir", "out_dir", "output"))
    report = _field(build, "report", "write_report")
    if report is None:  # no report: everything in the output dir is output
        current = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    else:
        current = {str(p) for k in ("written", "unchanged") for p in (getattr(report, k, None) or ())}
    digest = str(_field(build, "digest", "spec_digest", "content_digest", default=""))
    return name or out_dir.name, out_dir, current, digest


# --------------------------------------------------------------------------
# Repository checks.


def open_repo(path: Path):
    """The git repository holding `path`, or a GitRefusal saying there is none."""
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitRefusal(f"{path}: not inside a git repository; run 'git init' there or drop --commit") from None
    if repo.bare:
        raise GitRefusal(f"{path}: repository is bare; outputs need a working tree to commit")
    return repo


def check_committable(repo) -> None:
    """Refuse, with a message saying what to do, when a commit would be unsafe."""
    gd = Path(repo.git_dir)
    if (gd / "index.lock").exists():
        raise GitRefusal(
            f"{gd / 'index.lock'} exists: another git process is running, or one crashed; "
            "wait for it, or remove the lock file if no git command is running"
        )
    states = [
        ("MERGE_HEAD", "a merge is in progress; finish it (git commit) or abort it (git merge --abort)"),
        ("rebase-merge", "a rebase is in progress; finish it (git rebase --continue) or abort it (git rebase --abort)"),
        ("rebase-apply", "a rebase or 'git am' is in progress; finish or abort it first"),
        ("CHERRY_PICK_HEAD", "a cherry-pick is in progress; finish it or run git cherry-pick --abort"),
        ("REVERT_HEAD", "a revert is in progress; finish it or run git revert --abort"),
    ]
    for name, msg in states:
        if (gd / name).exists():
            raise GitRefusal(f"{repo.working_tree_dir}: {msg}")
    if repo.head.is_detached:
        raise GitRefusal(
            f"{repo.working_tree_dir}: HEAD is detached; check out a branch (git switch <branch>) before committing outputs"
        )
    for key in ("user.name", "user.email"):
        env = "GIT_AUTHOR_NAME" if key == "user.name" else "GIT_AUTHOR_EMAIL"
        if os.environ.get(env):
            continue
        if not _git_config(repo, key):
            raise GitRefusal(
                f"git {key} is not set; set it with: git config --global {key} "
                f"\"{'Your Name' if key == 'user.name' else 'you@example.com'}\" (or without --global for this "
                "repository only), then run the build again"
            )


def _git_config(repo, key: str) -> str:
    import git

    try:
        return str(repo.git.config("--get", key)).strip()
    except git.GitCommandError:
        return ""


# --------------------------------------------------------------------------
# Working out what changed.


def _head_sha(repo) -> str | None:
    try:
        return repo.head.commit.hexsha
    except ValueError:  # unborn branch: no commit yet
        return None


def _ls_tree(repo, head: str | None, prefix: str) -> dict[str, tuple[str, str]]:
    """HEAD entries under `prefix`: path → (mode, sha)."""
    if head is None:
        return {}
    out = repo.git.ls_tree("-r", "-z", "--full-tree", head, "--", prefix, strip_newline_in_stdout=False)
    entries: dict[str, tuple[str, str]] = {}
    for rec in out.split("\0"):
        if not rec:
            continue
        meta, path = rec.split("\t", 1)
        mode, _typ, sha = meta.split()
        entries[path] = (mode, sha)
    return entries


def _hash_files(repo, paths: list[str]) -> list[str]:
    """Write blobs for working-tree files (with git's filters) and return their ids."""
    if not paths:
        return []
    with tempfile.TemporaryFile("w+b") as f:
        f.write("".join(p + "\n" for p in paths).encode())
        f.seek(0)
        out = repo.git.hash_object("-w", "--stdin-paths", istream=f)
    shas = out.split()
    if len(shas) != len(paths):
        raise FactoryError("git hash-object returned an unexpected number of ids")
    return shas


def _join(prefix: str, rel: str) -> str:
    return rel if prefix in ("", ".") else f"{prefix}/{rel}"


def _handoffs(rels: Iterable[str]) -> set[str]:
    """Handoff ids among output paths: directories holding `<id>/<id>_BUILDER_HANDOFF.md`."""
    out = set()
    for rel in rels:
        parts = rel.split("/")
        if len(parts) == 2 and parts[1] == f"{parts[0]}_BUILDER_HANDOFF.md":
            out.add(parts[0])
    return out


def spec_changes(repo, build: Any) -> SpecChanges:
    """Compare one build's outputs on disk with HEAD."""
    name, out_dir, current, digest = _build_parts(build)
    root = Path(repo.working_tree_dir).resolve()
    out_abs = out_dir.resolve()
    try:
        prefix = out_abs.relative_to(root).as_posix()
    except ValueError:
        raise GitRefusal(f"{out_dir}: outputs are outside the git repository at {root}") from None
    head_entries = _ls_tree(repo, _head_sha(repo), prefix)
    cur = sorted(_join(prefix, p) for p in current if (out_abs / p).is_file())
    shas = _hash_files(repo, cur)
    changes: list[PathChange] = []
    for path, sha in zip(cur, shas):
        mode = "100755" if os.access(root / path, os.X_OK) else "100644"
        old = head_entries.get(path)
        if old is None:
            changes.append(PathChange(path, "A", mode, sha))
        elif old != (mode, sha):
            changes.append(PathChange(path, "M", mode, sha))
    cur_set = set(cur)
    for path in head_entries:
        # pruned by this build, or by an earlier one that was not committed
        if path not in cur_set and not (root / path).exists():
            changes.append(PathChange(path, "D"))
    changes.sort(key=lambda c: c.path)
    sc = SpecChanges(spec=name, digest=digest, changes=changes)
    _classify_handoffs(sc, prefix, head_entries, cur_set)
    return sc


def _classify_handoffs(sc: SpecChanges, prefix: str, head: dict, cur: set[str]) -> None:
    cut = 0 if prefix in ("", ".") else len(prefix) + 1
    before = _handoffs(p[cut:] for p in head)
    after = _handoffs(p[cut:] for p in cur)
    touched = {c.path[cut:].split("/", 1)[0] for c in sc.changes} & (before | after)
    sc.handoffs_added = sorted(touched & (after - before), key=natural_key)
    sc.handoffs_removed = sorted(touched & (before - after), key=natural_key)
    sc.handoffs_changed = sorted(touched & before & after, key=natural_key)


def natural_key(text: str) -> tuple:
    """Digits compare as numbers, so H-X-999 sorts before H-X-1000."""
    return tuple((0, int(t)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", text) if t)


# --------------------------------------------------------------------------
# The message.


def commit_message(specs: list[SpecChanges]) -> str:
    """Subject `handoffs(a, b): +A ~C -R`, then per spec its ids, digest and files."""
    a = sum(len(s.handoffs_added) for s in specs)
    c = sum(len(s.handoffs_changed) for s in specs)
    r = sum(len(s.handoffs_removed) for s in specs)
    names = ", ".join(s.spec for s in specs)
    lines = [f"handoffs({names}): +{a} ~{c} -{r}", ""]
    for s in specs:
        counts = {k: sum(1 for ch in s.changes if ch.kind == k) for k in "AMD"}
        lines.append(f"spec {s.spec} digest {s.digest or '(none)'}")
        for label, ids in (("added", s.handoffs_added), ("changed", s.handoffs_changed), ("removed", s.handoffs_removed)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids)}")
        lines.append(f"  files: {counts['A']} added, {counts['M']} modified, {counts['D']} removed")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Committing.


def _index_info(changes: Iterable[PathChange]) -> str:
    rows = []
    for c in changes:
        if c.kind == "D":
            rows.append(f"0 {ZERO}\t{c.path}")
        else:
            rows.append(f"{c.mode} {c.sha}\t{c.path}")
    return "".join(r + "\n" for r in rows)


def _feed(repo, args: list[str], text: str, env: dict[str, str] | None = None) -> str:
    with tempfile.TemporaryFile("w+b") as f:
        f.write(text.encode())
        f.seek(0)
        return repo.git.execute(["git", *args], istream=f, env=env)


def _real_index_entries(repo, paths: list[str]) -> str:
    """Current real-index rows for `paths`, as --index-info input (to roll back)."""
    out = repo.git.ls_files("-s", "-z", "--", *paths, strip_newline_in_stdout=False) if paths else ""
    have = {}
    for rec in out.split("\0"):
        if rec:
            meta, path = rec.split("\t", 1)
            mode, sha, _stage = meta.split()
            have[path] = f"{mode} {sha}\t{path}\n"
    return "".join(have.get(p, f"0 {ZERO}\t{p}\n") for p in paths)


def commit_build(repo_root: Path, builds: list[Any]) -> CommitResult | None:
    """Commit the outputs of `builds` that differ from HEAD; None when nothing changed."""
    import git

    repo = open_repo(Path(repo_root))
    try:
        # Reading HEAD and hashing files is safe in any repository state, so a
        # build that changed nothing is a quiet no-op even where a commit could
        # not be made (no identity yet, mid-rebase, detached HEAD, a lock).
        specs = [spec_changes(repo, b) for b in builds]
        specs = [s for s in specs if s.changes]
        if not specs:
            return None
        try:
            check_committable(repo)
        except GitRefusal as exc:
            raise GitRefusal(f"outputs written, nothing committed: {exc}") from None
        changes = sorted((c for s in specs for c in s.changes), key=lambda c: c.path)
        message = commit_message(specs)
        head = _head_sha(repo)
        branch = repo.head.reference.path  # refs/heads/<name>, also when unborn
        fd, tmp_index = tempfile.mkstemp(prefix="factory-index-", dir=repo.git_dir)
        os.close(fd)
        os.unlink(tmp_index)  # git writes it from scratch; only the unique name is wanted
        try:
            env = {"GIT_INDEX_FILE": tmp_index}
            if head:
                repo.git.read_tree(head, env=env)
            else:
                repo.git.read_tree("--empty", env=env)
            _feed(repo, ["update-index", "--index-info"], _index_info(changes), env)
            tree = repo.git.write_tree(env=env).strip()
        finally:
            Path(tmp_index).unlink(missing_ok=True)
        parents = ["-p", head] if head else []
        sign = ["-S"] if _git_config(repo, "commit.gpgsign").lower() in ("true", "yes", "on", "1") else []
        sha = _feed(repo, ["commit-tree", *sign, tree, *parents], message).strip()
        paths = [c.path for c in changes]
        rollback = _real_index_entries(repo, paths)
        _feed(repo, ["update-index", "--index-info"], _index_info(changes))
        try:
            repo.git.update_ref("-m", f"factory build: {message.splitlines()[0]}", branch, sha, head or ZERO)
        except git.GitCommandError:
            _feed(repo, ["update-index", "--index-info"], rollback)
            raise GitRefusal(f"{branch} moved while committing; nothing was committed, build again") from None
        return CommitResult(sha=sha, message=message, specs=specs)
    except git.GitCommandError as exc:
        detail = (exc.stderr or "").strip().removeprefix("stderr: ").strip("'\n ")
        raise GitRefusal(f"git {exc.command[1] if len(exc.command) > 1 else ''} failed: {detail}") from None
    finally:
        repo.close()
