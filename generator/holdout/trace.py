"""Traceability: which D2 scenarios, D4 contracts and D8 task a holdout answers to.

A holdout validates the scenarios it lists itself plus those the D9 coverage
matrix maps to it. The tasks responsible for it are the D8 tasks whose
Scenarios Satisfied include one of those scenarios or whose Contracts
Implemented include one of its contracts. The single `responsible_task` of
the seed is picked deterministically:
1. the task with the most overlap (scenarios + contracts) with the holdout;
2. on a tie, the task latest in dependency order (deepest in the D8 graph:
   it is the one that brings the pieces together);
3. on a further tie, the lowest task id.
All of them are kept, in that order, as `responsible_tasks`.
"""

from __future__ import annotations

from generator.model import Holdout, ProductSpec, Task
from generator.spec.ids import id_key, norm_id, sort_ids


def validated_scenarios(holdout: Holdout, spec: ProductSpec) -> list[str]:
    ids = {norm_id(s): s for s in holdout.validates}
    for row in spec.holdouts.coverage:
        if any(norm_id(h) == norm_id(holdout.id) for h in row.holdouts):
            ids.setdefault(norm_id(row.scenario), row.scenario)
    return sort_ids(ids.values())


def _depths(tasks: list[Task]) -> dict[str, int]:
    """Longest dependency chain below each task (cycles are cut, not followed)."""
    by_id = {norm_id(t.id): t for t in tasks}
    memo: dict[tuple, int] = {}

    def depth(key: tuple, seen: frozenset) -> int:
        if key in memo:
            return memo[key]
        task = by_id.get(key)
        if task is None or key in seen:
            return 0
        d = 1 + max((depth(norm_id(dep), seen | {key}) for dep in task.depends_on), default=0)
        memo[key] = d
        return d

    return {t.id: depth(norm_id(t.id), frozenset()) for t in tasks}


def responsible_tasks(holdout: Holdout, spec: ProductSpec, scenarios: list[str] | None = None) -> list[str]:
    """Every D8 task answering for this holdout, the chosen one first."""
    wanted = {norm_id(s) for s in (scenarios if scenarios is not None else validated_scenarios(holdout, spec))}
    wanted |= {norm_id(c) for c in holdout.contracts}
    depths = _depths(spec.tasks)
    scored = []
    for task in spec.tasks:
        overlap = len(wanted & {norm_id(x) for x in task.scenarios + task.contracts})
        if overlap:
            scored.append((-overlap, -depths.get(task.id, 0), id_key(task.id), task.id))
    return [t for *_, t in sorted(scored)]


def expected_text(holdout: Holdout, spec: ProductSpec, scenarios: list[str]) -> str:
    """What the scenario expects, in the spec's own words.

    The verify table's PASS conditions when there is one; for behavioural
    scenarios their expected outcome; else the THEN/AND of the validated D2
    scenarios.
    """
    lines = []
    for row in holdout.verify_table:
        check = next((v for k, v in row.items() if k.strip().lower() == "check"), "")
        cond = next((v for k, v in row.items() if "pass" in k.lower()), "")
        if cond:
            lines.append(f"{check}: {cond}" if check else cond)
    if lines:
        return "\n".join(lines)
    outcome = holdout.behaviour.get("expected_outcome") if isinstance(holdout.behaviour, dict) else None
    if isinstance(outcome, dict) and outcome.get("description"):
        return str(outcome["description"]).strip()
    by_id = {norm_id(s.id): s for s in spec.scenarios}
    for sid in scenarios:
        sc = by_id.get(norm_id(sid))
        if sc and sc.then:
            lines.append(f"{sc.id}: THEN {sc.then}" + "".join(f" AND {a}" for a in sc.and_))
    return "\n".join(lines)
