"""Where outputs may go: never into the spec they come from, never around it."""

from __future__ import annotations

from pathlib import Path

from generator.errors import UsageError


def inside(path: Path, root: Path) -> bool:
    """True when `path` is `root` or lies below it (after resolving links)."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


def check_places(spec_dir: Path, output_dir: Path) -> None:
    """Refuse an output directory that is, holds or sits inside the spec directory.

    Outputs written into the spec would be read back as part of it, and a
    spec inside the output tree would put D9 next to the builders' files.
    """
    if inside(output_dir, spec_dir):
        raise UsageError(f"--output-dir {output_dir} is inside the spec directory {spec_dir}; "
                         "choose a directory outside it")
    if inside(spec_dir, output_dir):
        raise UsageError(f"--output-dir {output_dir} contains the spec directory {spec_dir}; "
                         "choose a directory that does not")
