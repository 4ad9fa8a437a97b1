"""Task states and the run outcome, and how they are rebuilt from the ledger.

The ledger is the truth: `states_from_ledger` folds its records, in order,
into one TaskState per task. Resume and `factory status` both use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.model import DispatchRecord

# Final task states, plus PENDING (never started) and RUNNING (in flight).
FINAL = ("COMPLETED", "FAILED", "BLOCKED", "DISPATCH_FAILED", "AWAITING_APPROVAL", "INTERRUPTED")
# Record statuses beyond the seed's DISPATCHED/COMPLETED/FAILED/BLOCKED.
EXTRA_RECORD_STATUSES = ("AWAITING_APPROVAL", "APPROVED", "DISPATCH_FAILED", "INTERRUPTED")


@dataclass
class TaskState:
    task_id: str
    handoff_id: str = ""
    depends_on: tuple[str, ...] = ()
    status: str = "PENDING"
    reason: str = ""
    attempts: int = 0  # agent launches, all turns
    tokens: int = 0
    cost_usd: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    duration_ms: int = 0  # agent time, all turns
    session_id: str | None = None
    results_path: str | None = None
    gate: str = ""  # "" | "answered" | "approved"

    def row(self) -> dict[str, Any]:
        """The `[[task]]` row of dispatch.toml (None values omitted)."""
        d = {
            "task_id": self.task_id, "handoff_id": self.handoff_id, "status": self.status,
            "reason": self.reason or None, "depends_on": list(self.depends_on),
            "attempts": self.attempts, "tokens": self.tokens, "cost_usd": round(self.cost_usd, 6),
            "started_at": self.started_at, "finished_at": self.finished_at,
            "duration_ms": self.duration_ms, "session_id": self.session_id,
            "results_path": self.results_path,
        }
        return {k: v for k, v in d.items() if v is not None}


@dataclass
class DispatchOutcome:
    """What `run_dispatch` returns: final state per task and every ledger record."""

    run_dir: Path
    status: str  # FINISHED | INTERRUPTED | AWAITING_APPROVAL
    states: dict[str, TaskState] = field(default_factory=dict)
    records: list[DispatchRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.states) and all(s.status == "COMPLETED" for s in self.states.values())

    @property
    def total_tokens(self) -> int:
        return sum(s.tokens for s in self.states.values())

    def counts(self) -> dict[str, int]:
        return count_states(self.states)


def count_states(states: dict[str, TaskState]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in states.values():
        out[s.status] = out.get(s.status, 0) + 1
    return out


def apply_record(st: TaskState, rec: DispatchRecord) -> None:
    """Fold one ledger record into a task's state."""
    st.handoff_id = rec.handoff_id or st.handoff_id
    if rec.session_id:
        st.session_id = rec.session_id
    if rec.status == "DISPATCHED":
        st.status = "RUNNING"
        st.attempts += 1
        st.started_at = st.started_at or rec.timestamp_dispatched
        st.finished_at = None
        return
    st.status = rec.status
    st.reason = rec.error or ""
    st.tokens += rec.tokens_used or 0
    st.cost_usd += rec.cost_usd or 0.0
    st.duration_ms += rec.duration_ms or 0
    if rec.results_path:
        st.results_path = rec.results_path
    if rec.status == "AWAITING_APPROVAL":
        st.gate = "answered"
    elif rec.status == "APPROVED":
        st.gate = "approved"
    if rec.status in FINAL:
        st.finished_at = rec.timestamp_completed or rec.timestamp_dispatched


def states_from_ledger(records: list[DispatchRecord]) -> dict[str, TaskState]:
    states: dict[str, TaskState] = {}
    for rec in records:
        apply_record(states.setdefault(rec.task_id, TaskState(rec.task_id)), rec)
    return states
