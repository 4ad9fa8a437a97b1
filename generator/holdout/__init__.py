"""D9 holdouts: run each scenario against delivered code, trace it, judge the run.

Entry point: `run_holdouts(spec, install_root, cfg) -> HoldoutRun`. The
modules: `executable` (bash steps in one session), `evaluator` (behavioural
scenarios), `trace` (scenarios, contracts, responsible task), `verdict`
(ACCEPT / REJECT / PARTIAL), `runner` (the run protocol).
"""

from generator.holdout.outcome import HoldoutOutcome, StepRecord
from generator.holdout.runner import HoldoutRun, run_holdouts
from generator.holdout.verdict import ACCEPT, PARTIAL, REJECT

__all__ = ["ACCEPT", "PARTIAL", "REJECT", "HoldoutOutcome", "HoldoutRun", "StepRecord", "run_holdouts"]
