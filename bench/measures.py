"""The per-size measurements: validate, cold/no-op/edit builds, and the floor.

Every measurement is a whole process (`python -m generator …`), as a user
runs it, so interpreter start-up and imports are part of the figure.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from procs import Series, factory_argv, repeat, run_measured
from project import Project, changed_files, pack_tree, tree_state
from synth import edit_one_scenario

_WRITTEN = re.compile(r"(\d+) written")
HERE = Path(__file__).resolve().parent


def validate(p: Project, runs: int) -> Series:
    return repeat(factory_argv("validate", "--spec-dir", str(p.spec)), runs)


def build_argv(p: Project) -> list[str]:
    return factory_argv("build", "--config", str(p.config))


def settle() -> None:
    """Flush the writeback a previous run left behind, so it is not charged to the next run."""
    if hasattr(os, "sync"):
        os.sync()


def cold_build(p: Project, runs: int) -> Series:
    """A build from nothing: no outputs and no `.factory-cache/` (so no stamp, no reuse of any kind)."""

    def wipe() -> None:
        shutil.rmtree(p.handoffs, ignore_errors=True)
        shutil.rmtree(p.root / ".factory-cache", ignore_errors=True)
        settle()

    def check(r) -> str:
        return "" if p.handoffs.is_dir() and any(p.handoffs.rglob("*")) else "build wrote no outputs"

    return repeat(build_argv(p), runs, before=wipe, check=check)


def in_memory(p: Project, mem_root: Path) -> Project:
    """A copy of the project (spec and factory.toml, no outputs) on a memory file system."""
    dst = mem_root / p.root.name
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(p.spec, dst / "spec")
    shutil.copy(p.config, dst / "factory.toml")
    return Project(dst, dst / "factory.toml", dst / "spec", dst / "handoffs", p.tasks, p.scenarios)


def noop_build(p: Project, runs: int) -> tuple[Series, int]:
    """Builds over an up-to-date tree; returns the series and the most files any run touched."""
    first = run_measured(build_argv(p))
    if first.returncode != 0:
        return Series([], [], note=f"exit {first.returncode}", ok=False), -1
    touched = [0]
    state = [tree_state(p.handoffs)]

    def check(r) -> str:
        after = tree_state(p.handoffs)
        n = changed_files(state[0], after)
        m = _WRITTEN.search(r.stdout + r.stderr)
        reported = int(m.group(1)) if m else 0
        touched[0] = max(touched[0], n, reported)
        state[0] = after
        return f"{n} files changed on disk, build said {reported} written" if n or reported else ""

    s = repeat(build_argv(p), runs, check=check)
    return s, touched[0]


def edit_rebuild(p: Project, runs: int) -> Series:
    """One scenario's THEN text changes before each build (the build must rewrite something)."""
    counter = iter(range(10**6))
    state = [tree_state(p.handoffs)]

    def edit() -> None:
        state[0] = tree_state(p.handoffs)
        edit_one_scenario(p.spec, index=next(counter) * 7 % p.scenarios)

    def check(r) -> str:
        n = changed_files(state[0], tree_state(p.handoffs))
        return "" if n else "edit changed no output file"

    return repeat(build_argv(p), runs, before=edit, check=check)


def startup_floors(runs: int) -> dict[str, Series]:
    """Python start-up alone, and the CLI's import floor."""
    return {
        "python -c pass": repeat([sys.executable, "-c", "pass"], runs),
        "factory --help": repeat(factory_argv("--help"), runs),
    }


def io_floor(p: Project, runs: int, scratch: Path) -> Series:
    """Read every spec file and write a finished build's bytes, with no work between."""
    if not p.handoffs.is_dir():
        return Series([], [], note="no finished build to copy", ok=False)
    blob = scratch / f"tree-{p.tasks}.marshal"
    pack_tree(p.handoffs, blob)
    dest = scratch / f"floor-out-{p.tasks}"

    def wipe() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        settle()

    argv = [sys.executable, str(HERE / "floor_copy.py"), str(p.spec), str(blob), str(dest)]
    return repeat(argv, runs, before=wipe)
