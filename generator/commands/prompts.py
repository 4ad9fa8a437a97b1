"""Write the agent prompt and the reviewer-only expected answers for every generated handoff."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from generator.errors import SpecError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--handoffs-dir", required=True, help="the directory `factory generate` wrote")
    p.add_argument("--spec-dir", required=True, help="the spec directory the handoffs came from")
    p.add_argument("--adversarial", choices=("genesis", "infrastructure"), help="adversarial question set (default: from factory.toml)")
    p.add_argument("--config", help="factory.toml to read (default: ./factory.toml if present)")


def _handoffs_present(out_dir: Path) -> None:
    """The prompts point at handoffs: refuse when they are not there."""
    index = out_dir / "handoff_index.json"
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{index}: no readable handoff index ({getattr(exc, 'strerror', None) or exc}); run 'factory generate' first") from None
    missing = [e.get("path", "?") for e in entries.values() if not (out_dir / e.get("path", "")).is_file()]
    if missing:
        raise SpecError(f"{out_dir}: handoffs missing ({', '.join(missing[:3])}); run 'factory generate' first")


def run(args: argparse.Namespace) -> int:
    from generator.commands._compile import compile_into, spec_dir_arg

    spec_dir = spec_dir_arg(args.spec_dir)
    out_dir = Path(args.handoffs_dir)
    _handoffs_present(out_dir)
    return compile_into(args, spec_dir, out_dir, frozenset({"prompts"}), ".factory-manifest-prompts")
