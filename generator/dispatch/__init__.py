"""Dispatch builder agents along the task graph: parallel, isolated, resumable.

Public API: `Job`, `jobs_from_index`, `run_dispatch`, `DispatchOutcome`,
`TaskState`, `Progress`, `states_from_ledger`, `read_ledger`. Heavier parts
(git, tomlkit) load on first use.
"""

from generator.dispatch.jobs import Job, check_graph, jobs_from_index, task_key
from generator.dispatch.ledger import read_ledger
from generator.dispatch.progress import Progress
from generator.dispatch.scheduler import default_jobs, run_dispatch
from generator.dispatch.state import DispatchOutcome, TaskState, states_from_ledger

__all__ = [
    "Job", "jobs_from_index", "check_graph", "task_key", "run_dispatch", "default_jobs",
    "DispatchOutcome", "TaskState", "Progress", "states_from_ledger", "read_ledger",
]
