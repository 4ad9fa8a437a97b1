"""Show the state of a run, in progress or finished: one line per task."""

from __future__ import annotations

import argparse

from generator.commands.approve import runs_dir


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", metavar="RUN", help="run id (under --runs-dir) or run directory")
    p.add_argument("--runs-dir", default=None, help="runs directory (default: factory.toml [project] runs)")
    p.add_argument("--config", default=None, help="factory.toml to read (default: ./factory.toml)")


def run(args: argparse.Namespace) -> int:
    from generator.dispatch.progress import summary
    from generator.dispatch.runview import run_states
    from generator.runs import read_run_meta, resolve_run

    run_dir = resolve_run(runs_dir(args), args.run)
    meta = read_run_meta(run_dir)
    states = run_states(run_dir)
    print(f"run {meta.get('run_id', run_dir.name)}: {meta.get('status', 'UNKNOWN')}"
          + (f" · spec {meta['spec']}" if meta.get("spec") else "")
          + f" · backend {meta.get('backend', '?')} · gate {meta.get('gate', '?')} · jobs {meta.get('jobs', '?')}")
    print(f"started {meta.get('started_at', '-')} · finished {meta.get('finished_at', '-')}")
    width = max([len(t) for t in states] + [4])
    print(f"{'TASK':<{width}}  {'HANDOFF':<14} {'STATUS':<17} {'LAUNCHES':>8} {'TOKENS':>9} {'COST':>8}  REASON")
    for tid, st in states.items():
        print(f"{tid:<{width}}  {st.handoff_id:<14} {st.status:<17} {st.attempts:>8} {st.tokens:>9,} "
              f"{st.cost_usd:>8.4f}  {st.reason}")
    print(summary(states))
    return 0
