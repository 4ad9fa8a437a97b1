"""Render the static HTML report site from handoffs and runs.

Pages are written with relative links only, so `site/index.html` opens from
disk with no server and no network. `--demo` renders the example spec with
demonstration runs made by the stand-in agent instead (kept under fixed run
ids in <runs>/.site-demo/ and reused when present, so rebuilding the site
does not churn it).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help="factory.toml to read (default: ./factory.toml)")
    p.add_argument("--out", type=Path, default=None, help="site directory (default: [project] site)")
    p.add_argument("--runs-dir", type=Path, default=None, help="runs directory (default: [project] runs)")
    p.add_argument("--handoffs-dir", type=Path, default=None, help="handoff tree (default: [project] handoffs)")
    p.add_argument("--demo", action="store_true", help="first make demonstration runs of the example spec")


def run(args: argparse.Namespace) -> int:
    from generator.config import load_config
    from generator.site import check_out_dir, render_site, write_site

    cfg = load_config(path=args.config) if args.config else load_config()
    out = args.out or cfg.resolve(cfg.project.site)
    runs_dir = args.runs_dir or cfg.resolve(cfg.project.runs)
    handoffs_dir = args.handoffs_dir or cfg.resolve(cfg.project.handoffs)
    if args.demo:
        from generator.site.demo import make_demo_runs

        check_out_dir(out, runs_dir, runs_dir, cfg)
        handoffs_dir, runs_dir = make_demo_runs(cfg, runs_dir)
    check_out_dir(out, handoffs_dir, runs_dir, cfg)
    files = render_site(cfg, handoffs_dir, runs_dir)
    write_site(out, files)
    pages = sum(1 for p in files if p.endswith(".html"))
    print(f"site: {pages} pages, {len(files)} files in {out}")
    return 0
