"""Rebuild handoffs live while specs and templates are edited.

Runs a build first, then one rebuild per settled save, printing one line
each. An invalid spec prints its diagnostics and keeps the last good
outputs. Ctrl-C stops the watch (exit 0).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, metavar="PATH", help="factory.toml to use (default: ./factory.toml)")
    p.add_argument("--commit", action="store_true", help="commit each successful rebuild's changed outputs")
    p.add_argument(
        "--debounce", type=int, default=50, metavar="MS",
        help="group events over this many milliseconds before rebuilding (default 50)",
    )


def run(args: argparse.Namespace) -> int:
    from generator.config import load_config
    from generator.errors import UsageError
    from generator.watch import watch_project

    if args.debounce < 0:
        raise UsageError("--debounce must be zero or more milliseconds")
    config = load_config(path=args.config) if args.config else load_config()
    return watch_project(config, commit=args.commit, debounce_ms=args.debounce)
