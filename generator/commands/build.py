"""Compile every spec listed in factory.toml into handoffs/<spec>/: handoffs, prompts, answers and facets."""

from __future__ import annotations

import argparse
from pathlib import Path


ONE_SHOT = True  # see generator.cli.entry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="factory.toml to read (default: ./factory.toml)")
    p.add_argument("--commit", action="store_true", help="commit the changed outputs to git")
    p.add_argument("--adversarial", choices=("genesis", "infrastructure"), help="adversarial question set (default: from factory.toml)")


def run(args: argparse.Namespace) -> int:
    from generator.build import build_project
    from generator.config import load_config

    config = load_config(path=Path(args.config)) if args.config else load_config()
    builds = build_project(config, adversarial=args.adversarial)
    for b in builds:
        print(f"{b.name} → {b.output_dir}: {b.report.summary()}")
    if args.commit:
        from generator.gitops import commit_build

        result = commit_build(config.root, builds)
        print(f"committed {result.sha[:10]}" if result is not None else "nothing to commit")
    return 0
