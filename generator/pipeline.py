"""`factory run`: validate → compile → dispatch → holdouts → FactoryReport.

Nothing starts from a spec that fails validation (SpecError, nothing
written). Handoffs and prompts go to the output directory; everything the
run produces at runtime goes to `runs/<run-id>/` (ledger, dispatch facets,
holdouts.toml, report.toml, report.json); agents build in
`workspaces/<run-id>/`, and the holdouts run against that workspace.

The overall verdict is the holdout verdict, capped by how dispatch went:
- dispatch did not finish (interrupted, or tasks waiting at the question
  gate): holdouts are not run and the verdict is REJECT with the reason, to
  be replaced when the run is resumed;
- some tasks did not complete (FAILED, BLOCKED, DISPATCH_FAILED): holdouts
  still run on whatever was delivered, but the verdict cannot be ACCEPT: a
  holdout REJECT stays REJECT, anything else becomes PARTIAL.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.config import Config
from generator.errors import SpecError, UsageError
from generator.holdout import PARTIAL, REJECT, HoldoutOutcome, HoldoutRun
from generator.model import FactoryReport
from generator.places import check_places


# PipelineResult.dispatch_status when every task ran but Ctrl-C stopped the holdouts.
HOLDOUTS_INTERRUPTED = "HOLDOUTS_INTERRUPTED"


@dataclass
class PipelineResult:
    run_dir: Path
    report: FactoryReport
    holdouts: HoldoutRun | None
    task_status: dict[str, str]
    dispatch_status: str

    @property
    def run_id(self) -> str:
        return self.run_dir.name


def check_spec(spec_dir: Path):  # noqa: ANN201 - (ProductSpec, ValidationResult)
    """Load and validate; SpecError with every diagnostic when it FAILs."""
    from generator.commands.validate import render_text
    from generator.spec import load_spec
    from generator.validate import validate

    spec = load_spec(spec_dir)
    result = validate(spec)
    if not result.ok:
        raise SpecError(f"{spec_dir}: validation FAIL, nothing compiled or dispatched\n"
                        + render_text(result, str(spec_dir)).rstrip("\n"))
    if not spec.tasks:
        raise SpecError(f"{spec_dir}: D8 lists no task, so there is nothing to build")
    return spec, result


def combine_verdict(holdout_verdict: str, holdout_reason: str, task_status: dict[str, str],
                    dispatch_status: str) -> tuple[str, str]:
    """The run's verdict from the holdouts' and the tasks' (see the module docstring)."""
    if dispatch_status == HOLDOUTS_INTERRUPTED:
        return REJECT, "run not finished: holdouts were interrupted (resume the run to finish it)"
    if dispatch_status != "FINISHED":
        waiting = sorted(t for t, s in task_status.items() if s == "AWAITING_APPROVAL")
        what = f"tasks await approval ({', '.join(waiting)})" if waiting else "dispatch was interrupted"
        return REJECT, f"run not finished: {what}; holdouts not run (resume the run to finish it)"
    unfinished = sorted(f"{t} {s}" for t, s in task_status.items() if s != "COMPLETED")
    if not unfinished:
        return holdout_verdict, holdout_reason
    tasks = f"{len(unfinished)} task(s) did not complete ({_listing(task_status, unfinished)})"
    if holdout_verdict == REJECT:
        return REJECT, f"{holdout_reason}; also {tasks}"
    return PARTIAL, f"{tasks}; holdouts on the partial delivery: {holdout_verdict}: {holdout_reason}"


def _listing(task_status: dict[str, str], unfinished: list[str], most: int = 8) -> str:
    """The unfinished tasks, all of them when few; else counts by status, the failures first, then the rest counted."""
    if len(unfinished) <= most:
        return ", ".join(unfinished)
    counts: dict[str, int] = {}
    for s in task_status.values():
        if s != "COMPLETED":
            counts[s] = counts.get(s, 0) + 1
    first = sorted(unfinished, key=lambda u: (u.split(" ", 1)[1] == "BLOCKED", unfinished.index(u)))[:most]
    by_count = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return f"{by_count}: {', '.join(first)} and {len(unfinished) - most} more"


def check_dispatch_config(cfg: Config) -> None:
    """Catch an unusable [dispatch] table before anything is written."""
    from generator.dispatch.backends import make_backend

    where = f"{cfg.path}: " if cfg.path else ""
    try:
        if cfg.dispatch.workspace == "worktree" and not cfg.dispatch.target_repo:
            raise UsageError('[dispatch] workspace = "worktree" needs target_repo')
        program = make_backend(cfg.dispatch).program()
        if program and not shutil.which(program):
            hint = ("install Claude Code, put `claude` on PATH or set FACTORY_CLAUDE_PATH, or configure "
                    '[dispatch] backend = "command"') if cfg.dispatch.backend == "claude" else \
                "fix [dispatch] command = [...]"
            raise UsageError(f"the agent program {program!r} ({cfg.dispatch.backend} backend) was not found; {hint}")
    except UsageError as exc:
        raise UsageError(f"{where}{exc}") from None


def check_resumable(run_dir: Path, spec, digest: str) -> None:  # noqa: ANN001 - a ProductSpec
    """A run is resumed only by `factory run` on the spec it was started from, unchanged."""
    from generator.runs import read_run_meta

    meta = read_run_meta(run_dir)
    if meta.get("kind") == "holdout":
        raise UsageError(f"run {run_dir.name} is a holdout-only run ('factory holdout'); "
                         "there is no dispatch to resume")
    if meta.get("spec") and meta["spec"] != spec.name:
        raise UsageError(f"run {run_dir.name} was started from spec '{meta['spec']}', not '{spec.name}'; "
                         "resume it with the same --spec-dir")
    if meta.get("spec_digest") and meta["spec_digest"] != digest:
        raise UsageError(f"run {run_dir.name}: spec '{spec.name}' has changed since the run started, so its "
                         "finished tasks were built from other handoffs; start a new run instead")


def _shown(path: Path, root: Path) -> str:
    """A path relative to the project root when inside it, else absolute."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(Path(path).resolve())


def run_pipeline(spec_dir: Path, output_dir: Path, *, cfg: Config, runs_dir: Path, workspaces_dir: Path,
                 jobs: int | None = None, resume: str | None = None, keep_scratch: bool = False,
                 progress=None, on_holdout: Callable[[HoldoutOutcome], None] | None = None,  # noqa: ANN001
                 on_start: Callable[[Path], None] | None = None) -> PipelineResult:
    """Run the whole loop once and write the run's report files."""
    from generator.build import compile_checked, source_label
    from generator.commands.holdout import resolved_holdout_config
    from generator.compile import CompileOptions
    from generator.compile.facets import spec_digest
    from generator.dispatch import jobs_from_index, run_dispatch, task_key
    from generator.holdout import run_holdouts
    from generator.output import write_tree
    from generator.report import factory_report, holdouts_toml, report_toml
    from generator.runs import (
        RunPaths, create_run, read_run_meta, resolve_run, update_run_meta, utc_now, write_toml_atomic,
    )

    t0 = time.monotonic()
    spec, validation = check_spec(spec_dir)
    # Everything that can be refused is refused before a byte is written.
    check_places(spec_dir, output_dir)
    check_dispatch_config(cfg)
    digest = spec_digest(spec)
    if resume:
        run_dir = resolve_run(runs_dir, resume)
        check_resumable(run_dir, spec, digest)
    label = source_label(spec_dir, cfg.root)
    options = CompileOptions(adversarial=cfg.prompt.adversarial, source_label=label,
                             templates=str(cfg.resolve(cfg.project.templates)) if cfg.project.templates else "")
    write_tree(output_dir, compile_checked(spec, options))
    job_list = jobs_from_index(output_dir, spec)
    if not resume:
        run_dir = create_run(runs_dir, spec_name=spec.name, spec_dir=spec_dir, root=cfg.root)
        update_run_meta(run_dir, spec_digest=digest)
    paths = RunPaths(run_dir)
    if on_start:
        on_start(run_dir)
    try:
        outcome = run_dispatch(job_list, cfg=cfg.dispatch, run_dir=run_dir,
                               workspace=workspaces_dir / run_dir.name, jobs_limit=jobs, resume=bool(resume),
                               progress=progress, protect=[runs_dir, output_dir, cfg.resolve(cfg.project.site)])
    except UsageError:
        # Refused before any agent ran (workspace placement, holdout in history…):
        # a new run that never started leaves no directory behind.
        if not resume and not paths.ledger.exists():
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    task_status = {t: s.status for t, s in outcome.states.items()}
    hrun = None
    status = outcome.status
    if outcome.status == "FINISHED":
        workspace = Path(read_run_meta(run_dir).get("workspace") or workspaces_dir / run_dir.name)
        started = utc_now()
        # The run is not over until its holdouts are: status and finished_at say so.
        update_run_meta(run_dir, status="RUNNING", finished_at=None)
        try:
            hrun = run_holdouts(spec, workspace, resolved_holdout_config(cfg), keep_scratch=keep_scratch,
                                progress=on_holdout)
        except KeyboardInterrupt:  # Ctrl-C while judging: a report that says so, and a run to resume
            status = HOLDOUTS_INTERRUPTED
            update_run_meta(run_dir, status="INTERRUPTED", finished_at=utc_now())
        else:
            meta = {"run_id": run_dir.name, "spec": spec.name, "install_root": str(workspace.resolve()),
                    "started": started, "finished": utc_now()}
            write_toml_atomic(paths.holdouts_toml, holdouts_toml(hrun, meta))
    verdict, reason = combine_verdict(hrun.verdict if hrun else REJECT, hrun.verdict_reason if hrun else "",
                                      task_status, status)
    report = factory_report(spec_dir=_shown(spec_dir, cfg.root), component_name=spec.component_name or spec.name,
                            validation=validation, dispatches=outcome.records, holdouts=hrun,
                            verdict=verdict, verdict_reason=reason,
                            total_duration_ms=int((time.monotonic() - t0) * 1000))
    tasks = [outcome.states[t].row() for t in sorted(outcome.states, key=task_key)]
    cost = round(sum(s.cost_usd for s in outcome.states.values()), 6)
    write_toml_atomic(paths.report_toml, report_toml(report, meta={"run_id": run_dir.name, "spec": spec.name,
                                                                   "total_cost_usd": cost},
                                                     tasks=tasks, holdouts=hrun))
    if hrun is not None:
        update_run_meta(run_dir, verdict=verdict, status="FINISHED", finished_at=utc_now())
    else:
        update_run_meta(run_dir, verdict=verdict)
    return PipelineResult(run_dir=run_dir, report=report, holdouts=hrun, task_status=task_status,
                          dispatch_status=status)

