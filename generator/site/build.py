"""Gather the site's inputs from a project and write the site.

Specs come from factory.toml, from the handoff tree and from the runs (a run
of a spec that has no handoff tree still gets its page). The site must live
outside the handoff and runs trees: it carries holdout results, which must
never sit beside builder-visible files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.config import Config
from generator.errors import UsageError
from generator.site.env import make_env
from generator.site.pages import Site
from generator.site.rundata import load_runs
from generator.site.specdata import SpecData, load_spec_data


def _inside(a: Path, b: Path) -> bool:
    a, b = a.resolve(), b.resolve()
    return a == b or b in a.parents


def _shown(path: Path, root: Path) -> str:
    """A path as pages print it: relative to the project, never absolute."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def collect(cfg: Config, handoffs_dir: Path, runs_dir: Path) -> tuple[list[SpecData], list[Any]]:
    runs = load_runs(runs_dir)
    spec_dirs: dict[str, Path] = {d.name: d for d in cfg.spec_dirs}
    names = set(spec_dirs)
    if handoffs_dir.is_dir():
        names |= {d.name for d in handoffs_dir.iterdir() if d.is_dir() and not d.name.startswith(".")}
    for r in runs:
        if r.spec:
            names.add(r.spec)
            if r.spec not in spec_dirs and r.spec_dir:
                candidate = cfg.resolve(r.spec_dir)
                if candidate.is_dir():
                    spec_dirs[r.spec] = candidate
    specs = []
    for name in sorted(names):
        sd = spec_dirs.get(name)
        specs.append(load_spec_data(name, handoffs_dir / name, sd, _shown(sd, cfg.root) if sd else ""))
    return specs, runs


def render_site(cfg: Config, handoffs_dir: Path, runs_dir: Path) -> dict[str, bytes]:
    """Every site file, keyed by path relative to the site root."""
    overlay = cfg.resolve(cfg.project.templates) if cfg.project.templates else None
    specs, runs = collect(cfg, handoffs_dir, runs_dir)
    return Site(make_env(overlay), specs, runs).render()


def check_out_dir(out: Path, handoffs_dir: Path, runs_dir: Path, cfg: Config) -> None:
    for tree, what in ((handoffs_dir, "handoff"), (runs_dir, "runs")):
        if _inside(out, tree) or _inside(tree, out):
            raise UsageError(f"site output {out} overlaps the {what} tree {tree}; choose another --out")
    for sd in cfg.spec_dirs:
        if _inside(out, sd) or _inside(sd, out):
            raise UsageError(f"site output {out} overlaps the spec directory {sd}; choose another --out")


def write_site(out: Path, files: dict[str, bytes]) -> Any:
    """Write through the shared all-or-nothing writer when present."""
    try:
        from generator.output import write_tree
    except ImportError:
        return _write_minimal(out, files)
    return write_tree(out, files)


def _write_minimal(out: Path, files: dict[str, bytes]) -> list[str]:
    """Write-if-changed without pruning: the stand-in until generator.output lands."""
    changed = []
    for rel, data in sorted(files.items()):
        p = out / rel
        if p.is_file() and p.read_bytes() == data:
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(p)
        changed.append(rel)
    return changed
