"""A throwaway benchmark project: factory.toml, one synthetic spec, its handoffs/."""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass
from pathlib import Path

from synth import generate_spec


@dataclass
class Project:
    root: Path
    config: Path
    spec: Path
    handoffs: Path
    tasks: int
    scenarios: int


def make_project(root: Path, tasks: int, *, style: str = "full", seed: int = 0) -> Project:
    """Write `root/factory.toml` and `root/spec/` (about four scenarios per task)."""
    root.mkdir(parents=True, exist_ok=True)
    stats = generate_spec(root / "spec", tasks=tasks, scenarios_per_task=4, style=style, seed=seed)
    config = root / "factory.toml"
    config.write_text('[project]\nspecs = ["spec"]\nhandoffs = "handoffs"\n', encoding="utf-8")
    return Project(root, config, root / "spec", root / "handoffs", tasks, stats.scenarios)


def tree_state(d: Path) -> dict[str, tuple[int, int, int]]:
    """(mtime_ns, size, inode) of every file under `d`: a rewrite changes at least one."""
    state = {}
    if not d.is_dir():
        return state
    for dirpath, _, files in os.walk(d):
        for name in files:
            st = os.stat(os.path.join(dirpath, name))
            state[os.path.relpath(os.path.join(dirpath, name), d)] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return state


def changed_files(before: dict, after: dict) -> int:
    return sum(1 for k in set(before) | set(after) if before.get(k) != after.get(k))


def pack_tree(d: Path, blob: Path) -> tuple[int, int]:
    """Dump every file under `d` as {relative path: bytes}; returns (files, bytes)."""
    tree = {}
    for dirpath, _, files in os.walk(d):
        for name in files:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                tree[os.path.relpath(p, d)] = f.read()
    blob.write_bytes(marshal.dumps(tree))
    return len(tree), sum(len(v) for v in tree.values())


def files_containing(d: Path, needle: str) -> int:
    """How many output files hold `needle` (to confirm an edit reached the outputs)."""
    raw = needle.encode("utf-8")
    n = 0
    for dirpath, _, files in os.walk(d):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                n += raw in f.read()
    return n
