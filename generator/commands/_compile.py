"""Shared steps of `factory generate` and `factory prompts`: validate, compile, check, write."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.errors import SpecError, UsageError


def spec_dir_arg(value: str) -> Path:
    p = Path(value)
    if not p.is_dir():
        raise UsageError(f"{value}: not a spec directory")
    return p


def compile_into(args: argparse.Namespace, spec_dir: Path, out_dir: Path, parts: frozenset[str], manifest: str) -> int:
    """Validate, compile `parts`, leak-check, write; print one summary line."""
    from generator.build import compile_checked, load_valid
    from generator.compile import CompileOptions
    from generator.config import load_config
    from generator.output import write_tree

    from generator.places import check_places

    check_places(spec_dir, out_dir)
    config = load_config(path=Path(args.config)) if getattr(args, "config", None) else load_config()
    spec = load_valid(spec_dir)
    if not spec.tasks:
        raise SpecError(f"{spec_dir}: D8 lists no task, so there is nothing to compile")
    options = CompileOptions(
        adversarial=getattr(args, "adversarial", None) or config.prompt.adversarial,
        templates=str(config.resolve(config.project.templates)) if config.project.templates else "",
        source_label=spec.name,
        parts=parts,
    )
    report = write_tree(out_dir, compile_checked(spec, options), manifest)
    print(f"{spec.name} → {out_dir}: {report.summary()}")
    return 0
