"""Approve a task waiting at its question gate (dispatch gate = "manual").

The approval is written into the run (`gate/<HID>_APPROVAL.toml`); a running
`factory run` picks it up, otherwise `factory run --resume RUN` does, and the
build turn resumes the agent session that answered the gate.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", metavar="RUN", help="run id (under --runs-dir) or run directory")
    p.add_argument("task", metavar="TASK", help="task id, e.g. T-003")
    p.add_argument("--runs-dir", default=None, help="runs directory (default: factory.toml [project] runs)")
    p.add_argument("--config", default=None, help="factory.toml to read (default: ./factory.toml)")


def runs_dir(args: argparse.Namespace):
    from pathlib import Path

    from generator.config import load_config

    if args.runs_dir:
        return Path(args.runs_dir)
    cfg = load_config(path=Path(args.config)) if getattr(args, "config", None) else load_config()
    return cfg.resolve(cfg.project.runs)


def run(args: argparse.Namespace) -> int:
    from generator.dispatch.runview import approve
    from generator.runs import resolve_run

    run_dir = resolve_run(runs_dir(args), args.run)
    st, new = approve(run_dir, args.task)
    if new:
        print(f"approved {st.task_id} ({st.handoff_id}) in run {run_dir.name}; a running dispatch "
              f"picks it up, otherwise: factory run --resume {run_dir.name}")
    else:
        print(f"{st.task_id} was already approved in run {run_dir.name}")
    return 0
