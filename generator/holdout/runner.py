"""The D9 run protocol: every holdout, P0 first, traced to the spec, then the verdict.

Holdouts run in priority order (P0, P1, P2, then any other or missing
priority), in document order within a priority. When a P0 holdout does not
pass and `stop_on_p0_failure` is set, the run stops there: every holdout not
yet run is recorded as ERROR "not run: stopped after P0 HS-NNN failed" (or
"... could not run"), so the report still lists the whole D9 and nothing
looks as if it had passed. A scenario that could never run (behavioural
without an evaluator, a stub, no executable Verify) is reported as such
whether or not the run stopped before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import HoldoutConfig
from generator.holdout.evaluator import NOT_EXECUTABLE, run_behavioural
from generator.holdout.executable import has_commands, run_executable, step_scripts
from generator.holdout.outcome import HoldoutOutcome, RunAttempt
from generator.holdout.trace import expected_text, responsible_tasks, validated_scenarios
from generator.holdout.verdict import Threshold, parse_threshold, verdict
from generator.model import Holdout, HoldoutResult, ProductSpec

PRIORITY_RANK = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


@dataclass
class HoldoutRun:
    outcomes: list[HoldoutOutcome]
    verdict: str
    verdict_reason: str
    threshold: Threshold = field(default_factory=Threshold)
    d9_present: bool = True

    @property
    def results(self) -> list[HoldoutResult]:
        return [o.result for o in self.outcomes]

    @property
    def p0_total(self) -> int:
        return sum(o.priority == "P0" for o in self.outcomes)

    @property
    def p0_passed(self) -> int:
        return sum(o.priority == "P0" and o.status == "PASS" for o in self.outcomes)

    @property
    def p0_pass(self) -> bool:
        return self.p0_total > 0 and self.p0_passed == self.p0_total

    def report(self) -> dict[str, Any]:
        """The holdout report of the product's D4 OUT-004."""
        return {
            "holdouts": [r.to_dict() for r in self.results],
            "p0_pass": self.p0_pass,
            "p0_total": self.p0_total,
            "p0_passed": self.p0_passed,
            "verdict": self.verdict,
            "verdict_reason": self.verdict_reason,
        }


def run_order(holdouts: list[Holdout]) -> list[Holdout]:
    return sorted(holdouts, key=lambda h: PRIORITY_RANK.get(h.priority, 9))


def cannot_run(holdout: Holdout, cfg: HoldoutConfig) -> RunAttempt | None:
    """The ERROR of a scenario that could never run, known without running it."""
    if holdout.form == "behavioural":
        return None if cfg.evaluator else RunAttempt.error_(NOT_EXECUTABLE, ran=False)
    if holdout.form == "stub" or not holdout.steps:
        return RunAttempt.error_("no executable steps", ran=False)
    if not has_commands(step_scripts(holdout).get("verify")):
        return RunAttempt.error_("no executable Verify step", ran=False)
    return None


def _attempt(holdout: Holdout, install_root: Path, cfg: HoldoutConfig, keep_scratch: bool) -> RunAttempt:
    if holdout.form == "behavioural":
        return run_behavioural(holdout, install_root, cfg, keep_scratch)
    return run_executable(holdout, install_root, cfg, keep_scratch)


def trace(holdout: Holdout, spec: ProductSpec, attempt: RunAttempt) -> HoldoutOutcome:
    """Attach the spec's traceability to a raw attempt."""
    scenarios = validated_scenarios(holdout, spec)
    tasks = responsible_tasks(holdout, spec, scenarios)
    failed = attempt.status == "FAIL"
    result = HoldoutResult(
        holdout_id=holdout.id,
        priority=holdout.priority,
        status=attempt.status,
        validates_scenarios=scenarios,
        validates_contracts=list(holdout.contracts),
        responsible_task=tasks[0] if tasks else "",
        actual_output=attempt.actual if failed else None,
        expected_output=(expected_text(holdout, spec, scenarios) or None) if failed else None,
        error_message=attempt.error if attempt.status == "ERROR" else None,
    )
    return HoldoutOutcome(result=result, title=holdout.title, form=holdout.form, responsible_tasks=tasks,
                          duration_ms=attempt.duration_ms, ran=attempt.ran, reasoning=attempt.reasoning,
                          steps=attempt.steps, scratch=attempt.scratch)


def run_holdouts(spec: ProductSpec, install_root: Path, cfg: HoldoutConfig, *, keep_scratch: bool = False,
                 progress: Callable[[HoldoutOutcome], None] | None = None) -> HoldoutRun:
    """Run the spec's D9 against `install_root` and judge the result."""
    install_root = Path(install_root).resolve()
    stopped_by = ""
    outcomes: list[HoldoutOutcome] = []
    for holdout in run_order(spec.holdouts.holdouts):
        attempt = cannot_run(holdout, cfg)
        if attempt is None and stopped_by:
            attempt = RunAttempt.error_(f"not run: stopped after P0 {stopped_by}", ran=False)
        elif attempt is None:
            attempt = _attempt(holdout, install_root, cfg, keep_scratch)
        if holdout.priority == "P0" and attempt.status != "PASS" and cfg.stop_on_p0_failure and not stopped_by:
            stopped_by = f"{holdout.id} {'failed' if attempt.status == 'FAIL' else 'could not run'}"
        outcome = trace(holdout, spec, attempt)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    threshold = parse_threshold(spec.holdouts.run_protocol)
    present = spec.doc_present("D9")
    v, reason = verdict(outcomes, threshold, d9_present=present)
    return HoldoutRun(outcomes=outcomes, verdict=v, verdict_reason=reason, threshold=threshold,
                      d9_present=present)
