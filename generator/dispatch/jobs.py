"""What to dispatch: one Job per task, read from the compiled handoff index.

The index (`handoffs/<spec>/handoff_index.json`) maps task ids to handoff ids
and files; task dependencies come from the spec's D8 tasks. Only the index's
documented fields are read, so the compiler's internals stay its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import UsageError
from generator.model import ProductSpec

INDEX_NAME = "handoff_index.json"


@dataclass(frozen=True)
class Job:
    """One task to build: its handoff and prompt files and what it waits for."""

    task_id: str
    handoff_id: str
    depends_on: tuple[str, ...]
    handoff_path: Path
    prompt_path: Path
    spec_dir: Path | None = None  # kept away from the agent, never given to it


def task_key(task_id: str) -> tuple[str, int, str]:
    """Order ids numerically (T-2 before T-10), whatever their prefix."""
    m = re.match(r"^(.*?)(\d+)$", task_id.strip())
    if not m:
        return (task_id, -1, task_id)
    return (m.group(1), int(m.group(2)), task_id)


def _entries(index: Any) -> dict[str, dict[str, Any]]:
    """Index entries keyed by task id, from a mapping or a list of rows."""
    if isinstance(index, dict):
        for key in ("tasks", "handoffs", "entries"):
            if key in index:
                return _entries(index[key])
        return {str(k): v for k, v in index.items() if isinstance(v, dict)}
    if isinstance(index, list):
        return {str(r.get("task_id") or r.get("task")): r for r in index if isinstance(r, dict)}
    return {}


def _file(base: Path, entry: dict[str, Any], keys: Iterable[str], default: str) -> Path:
    for k in keys:
        if isinstance(entry.get(k), str) and entry[k]:
            return base / entry[k]
    return base / default


def jobs_from_index(handoffs_dir: Path, spec: ProductSpec) -> list[Job]:
    """Jobs for every task of `spec`, with paths resolved inside `handoffs_dir`.

    Raises UsageError when the index is missing or unreadable, a task has no
    handoff, or a handoff/prompt file is missing.
    """
    handoffs_dir = Path(handoffs_dir)
    index_path = handoffs_dir / INDEX_NAME
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{index_path}: no handoff index (compile the spec first)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{index_path}: unreadable handoff index: {exc}") from None
    entries = _entries(index)
    jobs = []
    for task in spec.tasks:
        entry = entries.get(task.id)
        if entry is None:
            raise UsageError(f"{index_path}: no handoff for task {task.id}")
        hid = str(entry.get("handoff_id") or entry.get("handoff") or entry.get("id") or "")
        if not hid:
            raise UsageError(f"{index_path}: task {task.id} has no handoff id")
        handoff = _file(handoffs_dir, entry, ("handoff_path", "handoff_file", "path"),
                        f"{hid}/{hid}_BUILDER_HANDOFF.md")
        prompt = _file(handoffs_dir, entry, ("prompt_path", "prompt_file", "prompt"),
                       f"{hid}/{hid}_AGENT_PROMPT.md")
        for p in (handoff, prompt):
            if not p.is_file():
                raise UsageError(f"{p}: missing for task {task.id}")
        jobs.append(Job(task.id, hid, tuple(task.depends_on), handoff, prompt, spec.spec_dir))
    check_graph(jobs)
    return jobs


def check_graph(jobs: list[Job]) -> None:
    """Refuse duplicate tasks, unknown dependencies and cycles before anything runs."""
    by_id: dict[str, Job] = {}
    for j in jobs:
        if j.task_id in by_id:
            raise UsageError(f"task {j.task_id} appears twice")
        by_id[j.task_id] = j
    for j in jobs:
        for d in j.depends_on:
            if d not in by_id:
                raise UsageError(f"task {j.task_id} depends on unknown task {d}")
    import graphlib

    try:
        graphlib.TopologicalSorter({j.task_id: j.depends_on for j in jobs}).prepare()
    except graphlib.CycleError as exc:
        raise UsageError("task dependencies form a cycle: " + " -> ".join(exc.args[1])) from None


def downstream(jobs: list[Job]) -> dict[str, list[str]]:
    """task id → the tasks that depend on it directly."""
    out: dict[str, list[str]] = {j.task_id: [] for j in jobs}
    for j in jobs:
        for d in j.depends_on:
            out[d].append(j.task_id)
    return out
