"""Run the D9 holdout scenarios against delivered code.

Prints the holdout report (holdouts, p0_pass, p0_total, p0_passed, verdict,
verdict_reason) as JSON on stdout, progress on stderr, and writes
runs/<run-id>/holdouts.toml. Exit 0 only on ACCEPT, 1 otherwise, 2 on
usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec-dir", required=True, type=Path, help="spec directory (its D9 is read)")
    p.add_argument("--install-root", required=True, type=Path, help="the delivered code to test")
    p.add_argument("--runs-dir", type=Path, help="where run data goes (default: [project] runs)")
    p.add_argument("--run", metavar="RUN", help="record into this existing run instead of a new one")
    p.add_argument("--json-out", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument("--config", type=Path, help="factory.toml to use (default: ./factory.toml)")
    p.add_argument("--keep-scratch", action="store_true", help="keep each scenario's scratch directory")


def progress_line(o) -> str:  # noqa: ANN001 - a HoldoutOutcome
    """One line per finished holdout, for the operator's terminal."""
    where = f" -> {o.result.responsible_task}" if o.status != "PASS" and o.result.responsible_task else ""
    why = f"  {o.result.error_message}" if o.result.error_message else ""
    kept = f"  (scratch kept: {o.scratch})" if o.scratch else ""
    return f"{o.holdout_id:<8} {o.priority or '--':<3} {o.status:<5} {o.duration_ms / 1000:6.1f}s{where}{why}{kept}"


def resolved_holdout_config(cfg):  # noqa: ANN001, ANN201 - Config → HoldoutConfig
    """The [holdout] table with a relative evaluator path made absolute.

    Evaluators run in a scratch directory, so "tools/eval.sh" must be read
    relative to factory.toml, not to wherever they end up running.
    """
    import dataclasses

    hc = cfg.holdout
    if hc.evaluator and "/" in hc.evaluator[0] and not Path(hc.evaluator[0]).is_absolute():
        hc = dataclasses.replace(hc, evaluator=[str(cfg.resolve(hc.evaluator[0]))] + hc.evaluator[1:])
    return hc


def run(args: argparse.Namespace) -> int:
    import json

    from generator.config import load_config
    from generator.holdout import ACCEPT, run_holdouts
    from generator.report import holdouts_toml
    from generator.runs import RunPaths, create_run, resolve_run, update_run_meta, utc_now, write_toml_atomic
    from generator.spec import load_spec

    cfg = load_config(path=args.config)
    root = args.install_root
    if not root.is_dir():
        raise UsageError(f"{root}: install root does not exist or is not a directory")
    spec = load_spec(args.spec_dir)
    for d in spec.diagnostics:
        if d.path == "D9_HOLDOUT_SCENARIOS.md":
            print(f"{args.spec_dir}/{d}", file=sys.stderr)
    runs_dir = args.runs_dir or cfg.resolve(cfg.project.runs)
    if args.run:
        run_dir = resolve_run(runs_dir, args.run)
    else:
        run_dir = create_run(runs_dir, spec_name=spec.name, spec_dir=spec.spec_dir, root=cfg.root)
    started = utc_now()
    try:
        hrun = run_holdouts(spec, root, resolved_holdout_config(cfg), keep_scratch=args.keep_scratch,
                            progress=lambda o: print(progress_line(o), file=sys.stderr, flush=True))
    except KeyboardInterrupt:
        if not args.run:
            update_run_meta(run_dir, status="INTERRUPTED", kind="holdout", started_at=started, finished_at=utc_now())
        raise
    meta = {"run_id": run_dir.name, "spec": spec.name, "install_root": str(root.resolve()),
            "started": started, "finished": utc_now()}
    write_toml_atomic(RunPaths(run_dir).holdouts_toml, holdouts_toml(hrun, meta))
    if not args.run:
        update_run_meta(run_dir, status="FINISHED", kind="holdout", verdict=hrun.verdict,
                        started_at=started, finished_at=meta["finished"])
    text = json.dumps(hrun.report(), indent=2, ensure_ascii=False) + "\n"
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    print(f"run {run_dir.name}: {hrun.verdict}: {hrun.verdict_reason}", file=sys.stderr)
    return 0 if hrun.verdict == ACCEPT else 1
