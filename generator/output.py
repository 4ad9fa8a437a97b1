"""Put a compiled tree on disk: write-if-changed, prune stale outputs, all or nothing.

Only files whose bytes differ are written, so a no-op build touches nothing
and leaves git clean. A manifest in the output directory lists what the
tool owns; only those files are ever removed, so a user's own files there
are safe. New files are staged in a sibling temporary directory and moved in
with renames; if anything fails (disk full, interrupt, a bad path) every
rename done so far is undone and the previous tree is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.errors import FactoryError

MANIFEST = ".factory-manifest"


class OutputError(FactoryError):
    """The output tree could not be written; it was left as it was (exit 1)."""


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    out_dir: Path | None = field(default=None, compare=False)

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(sorted(self.written + self.removed))

    def summary(self) -> str:
        return f"{len(self.written)} written, {len(self.unchanged)} unchanged, {len(self.removed)} removed"


def _check_rel(rel: str) -> None:
    if rel and "\\" not in rel and rel[0] != "/" and all(part not in ("", ".", "..") for part in rel.split("/")):
        return  # plainly inside: the usual case, decided without building a path
    p = PurePosixPath(rel)
    if not rel or "\\" in rel or p.is_absolute() or ".." in p.parts or rel != p.as_posix():
        raise OutputError(f"refusing to write outside the output directory: {rel!r}")


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def read_manifest(out_dir: Path, manifest: str = MANIFEST) -> set[str]:
    try:
        text = (out_dir / manifest).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    rels = set()
    for line in text.splitlines():
        line = line.strip()
        try:
            _check_rel(line)
        except OutputError:
            continue  # a hand-edited manifest can never make us delete outside the tree
        rels.add(line)
    return rels


def _place(src: Path, dst: Path) -> None:
    """One rename into the tree (a seam for failure-injection tests)."""
    os.replace(src, dst)


def _mkdirs(path: Path, created: list[Path]) -> None:
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def _apply(out_dir: Path, stage: Path, changes: list[str], removals: list[str]) -> None:
    journal: list[tuple[str, str]] = []
    created: list[Path] = []
    old = stage / "old"
    try:
        _mkdirs(out_dir, created)
        for rel in changes:
            dst = out_dir / rel
            if dst.exists() or dst.is_symlink():
                (old / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, old / rel)
                journal.append(("backup", rel))
            _mkdirs(dst.parent, created)
            _place(stage / "new" / rel, dst)
            journal.append(("placed", rel))
        for rel in removals:
            (old / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out_dir / rel, old / rel)
            journal.append(("backup", rel))
    except BaseException:
        for kind, rel in reversed(journal):
            if kind == "placed":
                (out_dir / rel).unlink(missing_ok=True)
            else:
                os.replace(old / rel, out_dir / rel)
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        raise


def _prune_dirs(out_dir: Path, removed: list[str]) -> None:
    """Remove directories that removals left empty (never out_dir itself)."""
    for rel in sorted(removed, key=lambda r: -r.count("/")):
        d = (out_dir / rel).parent
        while d != out_dir and out_dir in d.parents:
            try:
                d.rmdir()
            except OSError:
                break
            d = d.parent


def _staged(stage: Path, rels: list[str], wanted: Mapping[str, bytes]) -> None:
    """Write `rels` under `stage`; a large tree is shared among forked processes, a run of paths per job."""
    from generator import parallel

    workers = parallel.worker_count() if len(rels) >= PARALLEL_MIN_FILES else 1
    n = workers * 4 if workers > 1 else 1
    bounds = [len(rels) * k // n for k in range(n + 1)]
    parallel.run(range(n), lambda k: _write_files(stage, rels[bounds[k]:bounds[k + 1]], wanted), workers)


# Files below which one process writes faster than it could fork another.
PARALLEL_MIN_FILES = 1000


def _write_files(stage: Path, rels: list[str], wanted: Mapping[str, bytes]) -> dict[str, tuple[int, int]]:
    """Write `rels` under `stage`, making each directory once (no fsync: renames order the
    writes); each file's (size, mtime_ns) as written. Plain descriptors, not file objects:
    thousands of small files, each written whole."""
    made: set[str] = set()
    root = os.fspath(stage)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    stats: dict[str, tuple[int, int]] = {}
    for rel in rels:
        parent = rel.rpartition("/")[0]
        if parent not in made:
            os.makedirs(os.path.join(root, parent), exist_ok=True)
            made.add(parent)
        fd = os.open(os.path.join(root, rel), flags, 0o666)
        try:
            view = memoryview(wanted[rel])
            while view:
                view = view[os.write(fd, view):]
            st = os.fstat(fd)
        finally:
            os.close(fd)
        stats[rel] = (st.st_size, st.st_mtime_ns)
    return stats


def _differs(out_dir: Path, rel: str, data: bytes, known: dict | None) -> bool:
    """True unless the file on disk holds `data`.

    `known` (rel → (bytes, size, mtime_ns) this process last wrote or
    checked) spares re-reading a file whose stat is as we left it.
    """
    try:
        st = os.stat(os.path.join(out_dir, rel))
    except OSError:
        return True
    if st.st_size != len(data):
        return True
    k = known.get(rel) if known is not None else None
    if k is not None and k[1] == st.st_size and k[2] == st.st_mtime_ns and (k[0] is data or k[0] == data):
        return False
    try:
        with open(os.path.join(out_dir, rel), "rb") as fh:
            return fh.read() != data
    except OSError:
        return True


def file_stats(out_dir: Path, rels) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of each of `rels` under `out_dir`; missing files are left out."""
    out = {}
    for rel in rels:
        try:
            st = os.stat(os.path.join(out_dir, rel))
        except OSError:
            continue
        out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def new_stage(out_dir: Path) -> Path | None:
    """A staging directory for the first build of `out_dir` (None once it exists).

    Files can be put in it while the others are still being made
    (`stage_files`); `place_staged` then moves the whole tree in with one
    rename. The caller removes it if that never happens.
    """
    if out_dir.exists():
        return None
    anchor = out_dir.absolute().parent
    while not anchor.is_dir() and anchor != anchor.parent:  # made only when the tree is written
        anchor = anchor.parent
    return _make_stage(out_dir, anchor)


def _stage_beside(out_dir: Path) -> Path:
    return _make_stage(out_dir, out_dir.absolute().parent)


def _make_stage(out_dir: Path, where: Path) -> Path:
    try:
        where.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=where))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write outputs, nothing changed: {exc}") from None


def stage_files(stage: Path, files: Mapping[str, bytes]) -> dict[str, tuple[int, int]]:
    """Write `files` into a staging directory from `new_stage` (any process may); each
    file's (size, mtime_ns) there, which the rename into place keeps."""
    for rel in files:
        _check_rel(rel)
    try:
        return _write_files(stage / "new", list(files), files)
    except OSError as exc:
        raise OutputError(f"{stage.parent}: cannot write outputs, nothing changed: {exc}") from None


def place_staged(out_dir: Path | str, stage: Path, rels, manifest: str = MANIFEST) -> WriteReport:
    """Make a first build's staged tree (`stage_files`, holding every file of `rels`) the
    output: the manifest is added and the tree moved in with one rename. Should `out_dir`
    have appeared meanwhile, the staged files are written into it as `write_tree` writes.
    The stage is used up either way."""
    out_dir = Path(out_dir)
    rels = sorted(rels)
    for rel in rels:
        _check_rel(rel)
    if manifest in rels:
        raise OutputError(f"{manifest} is reserved for the output manifest")
    try:
        if out_dir.exists():
            files = {rel: (stage / "new" / rel).read_bytes() for rel in rels}
        else:
            (stage / "new" / manifest).write_bytes("".join(f"{rel}\n" for rel in rels).encode("utf-8"))
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            _place(stage / "new", out_dir)
            return WriteReport(tuple(sorted([*rels, manifest])), (), (), out_dir)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write outputs, nothing changed: {exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return write_tree(out_dir, files, manifest)


def write_tree(
    out_dir: Path | str, files: Mapping[str, bytes], manifest: str = MANIFEST, known: dict | None = None,
) -> WriteReport:
    """Make `out_dir` hold exactly `files` (plus any files the tool does not own).

    `known` is an optional dict the caller keeps between calls (watch mode):
    it lets unchanged files be confirmed by a stat instead of a read, and is
    updated with what this call wrote or confirmed.
    """
    out_dir = Path(out_dir)
    for rel in files:
        _check_rel(rel)
    if manifest in files:
        raise OutputError(f"{manifest} is reserved for the output manifest")
    listing = ("".join(f"{rel}\n" for rel in sorted(files))).encode("utf-8")
    wanted = dict(files)
    wanted[manifest] = listing
    fresh = not out_dir.exists()
    if fresh:
        changes = sorted(wanted)
    else:
        changes = sorted(rel for rel, data in wanted.items() if _differs(out_dir, rel, data, known))
    owned = set() if fresh else read_manifest(out_dir, manifest)
    removals = sorted(rel for rel in owned - set(wanted) if (out_dir / rel).is_file())
    unchanged = tuple(sorted(set(wanted) - set(changes)))
    if not changes and not removals:
        _remember(known, out_dir, wanted, ())
        return WriteReport((), (), unchanged, out_dir)
    stage = _stage_beside(out_dir)
    try:
        _staged(stage / "new", changes, wanted)
        if fresh:  # nothing to keep: the staged tree becomes the output in one rename
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            _place(stage / "new", out_dir)
        else:
            _apply(out_dir, stage, changes, removals)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write outputs, nothing changed: {exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _prune_dirs(out_dir, removals)
    _remember(known, out_dir, wanted, removals)
    return WriteReport(tuple(changes), tuple(removals), unchanged, out_dir)


def _remember(known: dict | None, out_dir: Path, wanted: Mapping[str, bytes], removals) -> None:
    if known is None:
        return
    for rel in removals:
        known.pop(rel, None)
    stats = file_stats(out_dir, wanted)
    for rel, data in wanted.items():
        st = stats.get(rel)
        if st is None:
            known.pop(rel, None)
        else:
            known[rel] = (data, st[0], st[1])
