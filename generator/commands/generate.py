"""Validate a spec, then write one builder handoff per D8 task, the handoff index and the TOML facets."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec-dir", required=True, help="the spec directory (D1..D10)")
    p.add_argument("--output-dir", required=True, help="where the handoffs go")
    p.add_argument("--config", help="factory.toml to read (default: ./factory.toml if present)")


def run(args: argparse.Namespace) -> int:
    from generator.commands._compile import compile_into, spec_dir_arg

    spec_dir = spec_dir_arg(args.spec_dir)
    return compile_into(args, spec_dir, Path(args.output_dir), frozenset({"handoffs", "facets"}), ".factory-manifest-generate")
