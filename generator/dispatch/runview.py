"""Reading a run back: its task states from the ledger and facet, and approvals.

Used by `factory status` and `factory approve`, which may run while the
scheduler is still writing: the ledger is append-only, so reading it is safe.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from generator.dispatch.jobs import task_key
from generator.dispatch.ledger import read_ledger
from generator.dispatch.state import TaskState, states_from_ledger
from generator.errors import FactoryError
from generator.runs import RunPaths, utc_now, write_toml_atomic


def run_states(run_dir: Path) -> dict[str, TaskState]:
    """Every task's state, in task order: ledger first, the facet fills in the rest."""
    import tomlkit

    paths = RunPaths(Path(run_dir))
    states = states_from_ledger(read_ledger(paths.ledger))
    if paths.dispatch_toml.is_file():
        try:
            rows = tomlkit.parse(paths.dispatch_toml.read_text(encoding="utf-8")).unwrap().get("task", [])
        except Exception:
            rows = []
        for row in rows:
            tid = str(row.get("task_id", ""))
            st = states.setdefault(tid, TaskState(tid, status=str(row.get("status", "PENDING"))))
            st.handoff_id = st.handoff_id or str(row.get("handoff_id", ""))
            st.depends_on = tuple(row.get("depends_on", ()))
    return {t: states[t] for t in sorted(states, key=task_key) if t}


def approve(run_dir: Path, task_id: str) -> tuple[TaskState, bool]:
    """Record approval of a task waiting at its gate; returns (state, newly approved)."""
    paths = RunPaths(Path(run_dir))
    st = run_states(run_dir).get(task_id)
    if st is None:
        raise FactoryError(f"run {paths.run_id} has no task {task_id}")
    target = paths.approval(st.handoff_id)
    if target.is_file() or st.gate == "approved":
        return st, False
    if st.status != "AWAITING_APPROVAL":
        raise FactoryError(f"{task_id} is not awaiting approval (it is {st.status})")
    paths.gate_dir.mkdir(parents=True, exist_ok=True)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = ""
    write_toml_atomic(target, f'task_id = "{task_id}"\nhandoff_id = "{st.handoff_id}"\n'
                              f'approved_at = "{utc_now()}"\napproved_by = "{who}"\n')
    return st, True
