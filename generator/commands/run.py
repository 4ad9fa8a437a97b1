"""Validate, compile, dispatch builder agents, run the holdouts and report.

Writes handoffs and prompts to --output-dir, runtime data to
runs/<run-id>/ (report.toml, plus report.json with --json) and lets agents
build in workspaces/<run-id>/. Prints the run id and a short summary; with
--json the FactoryReport goes to stdout and the summary to stderr. Exit 0
only on ACCEPT, 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec-dir", required=True, type=Path, help="the spec directory (D1..D10)")
    p.add_argument("--output-dir", required=True, type=Path, help="where handoffs and prompts go")
    p.add_argument("--jobs", type=int, help="agents at once (default: [dispatch] jobs)")
    p.add_argument("--resume", metavar="RUN", help="resume this run instead of starting a new one")
    p.add_argument("--runs-dir", type=Path, help="run data (default: [project] runs)")
    p.add_argument("--workspaces-dir", type=Path, help="agent workspaces (default: [project] workspaces)")
    p.add_argument("--config", type=Path, help="factory.toml to use (default: ./factory.toml)")
    p.add_argument("--json", action="store_true", help="write report.json and print the report as JSON")
    p.add_argument("--keep-scratch", action="store_true", help="keep each holdout's scratch directory")


def _counts(statuses) -> str:  # noqa: ANN001 - an iterable of status words
    counts = Counter(statuses)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"


def summary(result, resume_cmd: str = "") -> str:  # noqa: ANN001 - a PipelineResult
    """A few lines for the operator: tasks, holdouts, verdict, and how to carry on."""
    r = result.report
    lines = [f"run {result.run_id}: {r.verdict}: {r.verdict_reason}",
             f"  tasks:    {_counts(result.task_status.values())}"]
    if result.holdouts is not None:
        outcomes = result.holdouts.outcomes
        lines.append(f"  holdouts: {_counts(o.status for o in outcomes)}")
        for o in outcomes:
            h = o.result
            if h.status == "PASS" or not o.ran:
                continue
            lines.append(f"    {h.holdout_id} {h.priority} {h.status} -> {h.responsible_task or 'no task'} "
                         f"(scenarios {', '.join(h.validates_scenarios) or '-'}; "
                         f"contracts {', '.join(h.validates_contracts) or '-'})")
        skipped = [o for o in outcomes if not o.ran]
        if skipped:
            lines.append(f"    not run: {', '.join(o.holdout_id for o in skipped)} ({_why(skipped[0])})")
    lines.append(f"  tokens:   {r.total_tokens}   time: {r.total_duration_ms / 1000:.1f}s")
    lines.append(f"  report:   {result.run_dir / 'report.toml'}")
    if result.dispatch_status != "FINISHED" and resume_cmd:
        waiting = sorted(t for t, s in result.task_status.items() if s == "AWAITING_APPROVAL")
        for t in waiting:
            lines.append(f"  approve:  factory approve {result.run_id} {t}")
        lines.append(f"  resume:   {resume_cmd}")
    return "\n".join(lines) + "\n"


def resume_command(args: argparse.Namespace, run_id: str) -> str:
    """The command line that carries this run on, with the options that locate it."""
    import shlex

    parts = ["factory", "run", "--spec-dir", str(args.spec_dir), "--output-dir", str(args.output_dir)]
    for opt in ("runs_dir", "workspaces_dir", "config"):
        if getattr(args, opt, None):
            parts += [f"--{opt.replace('_', '-')}", str(getattr(args, opt))]
    parts += ["--resume", run_id]
    return shlex.join(parts)


def _why(o) -> str:  # noqa: ANN001 - a HoldoutOutcome
    return (o.result.error_message or "").split(": ", 1)[-1]


def run(args: argparse.Namespace) -> int:
    from generator.commands.holdout import progress_line
    from generator.config import load_config
    from generator.dispatch.progress import Progress
    from generator.errors import UsageError
    from generator.pipeline import run_pipeline
    from generator.report import report_json

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not args.spec_dir.is_dir():
        raise UsageError(f"{args.spec_dir}: not a spec directory")
    cfg = load_config(path=args.config)
    runs_dir = args.runs_dir or cfg.resolve(cfg.project.runs)
    workspaces = args.workspaces_dir or cfg.resolve(cfg.project.workspaces)
    out = sys.stderr if args.json else sys.stdout

    def started(run_dir: Path) -> None:
        doing = "resuming" if args.resume else "dispatching"
        print(f"run {run_dir.name}: {doing} {args.spec_dir}", file=out, flush=True)

    result = run_pipeline(args.spec_dir, args.output_dir, cfg=cfg, runs_dir=runs_dir, workspaces_dir=workspaces,
                          jobs=args.jobs, resume=args.resume, keep_scratch=args.keep_scratch,
                          progress=Progress(sys.stderr), on_start=started,
                          on_holdout=lambda o: print(progress_line(o), file=sys.stderr, flush=True))
    if args.json:
        text = report_json(result.report, {"run_id": result.run_id})
        (result.run_dir / "report.json").write_text(text, encoding="utf-8")
        sys.stdout.write(text)
    out.write(summary(result, resume_command(args, result.run_id)))
    return 0 if result.report.verdict == "ACCEPT" else 1
