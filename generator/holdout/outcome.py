"""What running one holdout produced: the seed HoldoutResult plus the evidence.

`HoldoutResult` (generator.model) keeps exactly the seed's fields; the extra
evidence the report and the site need (title, every responsible task, step
records, timings, an evaluator's reasoning) travels beside it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.model import HoldoutResult

STEP_ORDER = ("setup", "execute", "verify", "cleanup")
ERROR_CODE = "HOLDOUT_EXECUTION_ERROR"


@dataclass
class StepRecord:
    name: str
    exit_code: int | None  # None when the step timed out
    duration_ms: int
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    fresh_session: bool = False  # ran in a new bash because the first one had ended


@dataclass
class RunAttempt:
    """The raw verdict of running a scenario, before traceability is added."""

    status: str  # PASS | FAIL | ERROR
    error: str | None = None
    actual: str | None = None
    reasoning: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    duration_ms: int = 0
    ran: bool = True
    scratch: str | None = None  # kept scratch directory (--keep-scratch)

    @classmethod
    def error_(cls, message: str, **kw) -> "RunAttempt":
        return cls(status="ERROR", error=f"{ERROR_CODE}: {message}", **kw)


@dataclass
class HoldoutOutcome:
    result: HoldoutResult
    title: str = ""
    form: str = "executable"
    responsible_tasks: list[str] = field(default_factory=list)
    duration_ms: int = 0
    ran: bool = True
    reasoning: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    scratch: str | None = None

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def priority(self) -> str:
        return self.result.priority

    @property
    def holdout_id(self) -> str:
        return self.result.holdout_id
