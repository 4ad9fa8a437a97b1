"""The shape of a synthetic spec, decided before any markdown is written.

`make_plan` fixes every id, priority, reference and dependency edge from a
seed, then applies the requested defects to that plan. The renderers only
turn the plan into text, so the counts a test expects are the plan's counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from synth_words import BUILDER_WORDS, HOLDOUT_WORDS, phrase

DEFECTS = (
    "missing_document",
    "open_clarification",
    "dependency_cycle",
    "dangling_dependency",
    "dangling_scenario_ref",
    "dangling_contract_ref",
    "duplicate_task",
    "uncovered_scenario",
    "uncovered_contract",
    "too_few_holdouts",
)
KINDS = ("IN", "OUT", "SIDE", "ERR")
PHASE_NAMES = ("Foundation", "Core Logic", "Integration", "Validation")
MISSING_DOC = "D5"


@dataclass
class Scenario:
    id: str
    title: str
    priority: str
    given: str
    when: str
    then: str
    edge: bool


@dataclass
class Contract:
    id: str
    kind: str
    title: str
    scenarios: list[str]


@dataclass
class Task:
    id: str
    title: str
    phase: int
    deps: list[str]
    scenarios: list[str]
    contracts: list[str]
    criteria: list[str]


@dataclass
class Holdout:
    id: str
    title: str
    priority: str
    validates: list[str]
    contracts: list[str]
    kind: str


@dataclass
class Plan:
    name: str
    style: str
    seed: int
    scenarios: list[Scenario]
    contracts: list[Contract]
    tasks: list[Task]
    holdouts: list[Holdout]
    entities: list[tuple[str, str, list[str]]]  # (id, name, source scenarios)
    deferred: list[tuple[str, str]]
    research: list[tuple[str, str]]
    gaps: list[tuple[str, str, str]]  # (id, title, status)
    clarifications: list[tuple[str, str, str]]
    components: list[tuple[str, str, list[str]]]  # (name, file, implements)
    error_codes: list[tuple[str, str]]  # (code, meaning)
    defects: tuple[str, ...] = ()
    omit: set[str] = field(default_factory=set)  # document codes not written
    markers: dict[str, str] = field(default_factory=dict)  # defect → id it concerns

    @property
    def phases(self) -> int:
        return max(t.phase for t in self.tasks) + 1


def _id(kind: str, n: int) -> str:
    return f"{kind}-{n:03d}"


def _priority(rng: random.Random, i: int) -> str:
    if i < 3:  # guarantee a few must-haves even in tiny specs
        return ("P0", "P1", "P1")[i]
    r = rng.random()
    return "P0" if r < 0.2 else "P1" if r < 0.7 else "P2"


def _scenarios(rng: random.Random, n: int) -> list[Scenario]:
    out = []
    edge_from = n - n // 4
    for i in range(n):
        w = BUILDER_WORDS
        noun, adj, verb = rng.choice(w["noun"]), rng.choice(w["adj"]), rng.choice(w["verb"])
        out.append(Scenario(
            id=_id("SC", i + 1),
            title=f"{verb.capitalize()} a {adj} {noun} (case {i + 1})",
            priority=_priority(rng, i),
            given=f"a {adj} {noun} numbered {i + 1} is {rng.choice(w['state'])}",
            when=f"the operator asks to {verb} it",
            then=f"the {noun} ends {rng.choice(w['state'])} and the change is logged once",
            edge=i >= edge_from,
        ))
    return out


def _deps(rng: random.Random, i: int, fan_in: int) -> list[int]:
    """Earlier tasks only (so the graph is acyclic), from a short window."""
    if i == 0:
        return []
    window = max(8, 4 * fan_in)
    pool = list(range(max(0, i - window), i))
    picked = rng.sample(pool, min(fan_in, len(pool)))
    if i == 1:
        picked = [0]  # T-002 ← T-001: the edge the cycle defect reverses
    return sorted(picked)


def _holdout_groups(must: list[Scenario]) -> list[list[Scenario]]:
    size = 2 if len(must) >= 6 else 1
    return [must[k:k + size] for k in range(0, len(must), size)]


def make_plan(*, name: str, tasks: int, scenarios_per_task: int, style: str, seed: int,
              fan_in: int, defects: tuple[str, ...]) -> Plan:
    """A consistent spec plan; every defect then breaks exactly one rule."""
    if tasks < 2:
        raise ValueError("tasks must be at least 2")
    if scenarios_per_task < 1:
        raise ValueError("scenarios_per_task must be at least 1")
    unknown = [d for d in defects if d not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s): {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    rng = random.Random(seed)
    scen = _scenarios(rng, tasks * scenarios_per_task)
    n_phases = min(len(PHASE_NAMES), max(1, tasks // 2))
    contracts: list[Contract] = []
    per_kind = dict.fromkeys(KINDS, 0)
    task_list: list[Task] = []
    for i in range(tasks):
        kind = KINDS[i % 4]
        per_kind[kind] += 1
        own = scen[i * scenarios_per_task:(i + 1) * scenarios_per_task]
        w = BUILDER_WORDS
        noun, verb = rng.choice(w["noun"]), rng.choice(w["verb"])
        contracts.append(Contract(_id(kind, per_kind[kind]), kind,
                                  f"{verb} {noun} request {i + 1}", [s.id for s in own[:2]]))
        cids = [contracts[i - 1].id, contracts[i].id] if i else [contracts[i].id]
        task_list.append(Task(
            id=_id("T", i + 1),
            title=f"{verb.capitalize()} the {noun} module part {i + 1}",
            phase=i * n_phases // tasks,
            deps=[_id("T", d + 1) for d in _deps(rng, i, fan_in)],
            scenarios=[s.id for s in own],
            contracts=cids,
            criteria=[f"`mod_{i + 1:04d}.{verb}_{noun}()` handles every listed scenario",
                      f"errors leave the {noun} store unchanged",
                      f"unit tests: {2 + i % 3}+ covering the {verb} path"],
        ))
    must = [s for s in scen if s.priority in ("P0", "P1")]
    owner = {sid: t for t in task_list for sid in t.scenarios}
    holdouts = []
    for k, group in enumerate(_holdout_groups(must)):
        hw = HOLDOUT_WORDS
        holdouts.append(Holdout(
            id=_id("HS", k + 1),
            title=f"{phrase(rng, hw)} {k + 1}",
            priority=min(s.priority for s in group),
            validates=[s.id for s in group],
            contracts=[owner[group[0].id].contracts[-1]],
            kind=rng.choice(hw["type"]),
        ))
    n_ent = max(2, tasks // 4)
    entities = []
    for j in range(n_ent):
        src = [scen[(j * 4 + k) % len(scen)].id for k in range(2)]
        entities.append((_id("E", j + 1), f"{rng.choice(BUILDER_WORDS['noun']).capitalize()}Record{j + 1}", src))
    n_side = max(2, tasks // 25)
    statuses = ("RESOLVED", "ASSUMED")
    gaps = [(_id("GAP", j + 1), f"{rng.choice(BUILDER_WORDS['noun']).capitalize()} hand-over format {j + 1}",
             statuses[j % 2]) for j in range(n_side)]
    clrs = [(_id("CLR", j + 1), f"Which {rng.choice(BUILDER_WORDS['noun'])} owner wins case {j + 1}",
             statuses[j % 2]) for j in range(n_side)]
    research = [(_id("RQ", j + 1), f"How should the {rng.choice(BUILDER_WORDS['noun'])} index scale ({j + 1})?")
                for j in range(max(1, tasks // 20))]
    deferred = [(_id("DEF", j + 1), f"Bulk {rng.choice(BUILDER_WORDS['noun'])} import {j + 1}")
                for j in range(max(1, tasks // 50))]
    per_comp = 5
    components = []
    for c in range(0, tasks, per_comp):
        implements = [sid for t in task_list[c:c + per_comp] for sid in t.scenarios]
        components.append((f"Module{c // per_comp + 1:03d}", f"src/synthetic/mod_{c // per_comp + 1:03d}.py", implements))
    errs = [c for c in contracts if c.kind == "ERR"]
    codes = [(f"SYN_FAULT_{j + 1:03d}", f"raised when {c.title} is refused") for j, c in enumerate(errs)]
    codes.append(("SYN_INTERNAL", "an unexpected internal fault"))
    plan = Plan(name, style, seed, scen, contracts, task_list, holdouts, entities, deferred, research,
                gaps, clrs, components, codes, tuple(defects))
    for d in defects:
        _DEFECT_APPLY[d](plan)
    return plan


# ---------------------------------------------------------------------------
# Defects: each edits the plan so that exactly one validation rule breaks.


def _missing_document(p: Plan) -> None:
    p.omit.add(MISSING_DOC)
    p.markers["missing_document"] = "D5_RESEARCH.md"


def _open_clarification(p: Plan) -> None:
    cid, title, _ = p.clarifications[0]
    p.clarifications[0] = (cid, title, "OPEN")
    p.markers["open_clarification"] = cid


def _dependency_cycle(p: Plan) -> None:
    first, second = p.tasks[0], p.tasks[1]
    first.deps = [second.id]  # second already depends on first
    p.markers["dependency_cycle"] = first.id


def _dangling_dependency(p: Plan) -> None:
    ghost = _id("T", len(p.tasks) + 900)
    p.tasks[-1].deps = sorted(p.tasks[-1].deps + [ghost])
    p.markers["dangling_dependency"] = ghost


def _dangling_scenario_ref(p: Plan) -> None:
    ghost = _id("SC", len(p.scenarios) + 900)
    p.tasks[-1].scenarios.append(ghost)
    p.markers["dangling_scenario_ref"] = ghost


def _dangling_contract_ref(p: Plan) -> None:
    ghost = _id("IN", len(p.contracts) + 900)
    p.tasks[-1].contracts.append(ghost)
    p.markers["dangling_contract_ref"] = ghost


def _duplicate_task(p: Plan) -> None:
    last = p.tasks[-1]
    p.tasks.append(Task(last.id, last.title + " (again)", last.phase, list(last.deps),
                        list(last.scenarios), list(last.contracts), list(last.criteria)))
    p.markers["duplicate_task"] = last.id


def _uncovered_scenario(p: Plan) -> None:
    sid = p.tasks[-1].scenarios.pop()
    p.markers["uncovered_scenario"] = sid


def _uncovered_contract(p: Plan) -> None:
    cid = p.tasks[-1].contracts.pop()  # the last contract is listed by no other task
    p.markers["uncovered_contract"] = cid


def _too_few_holdouts(p: Plan) -> None:
    """Two holdouts that still cover every P0/P1 scenario, so only the count fails."""
    keep = p.holdouts[:2]
    rest = [sid for h in p.holdouts[2:] for sid in h.validates]
    if len(keep) == 2:
        keep[1].validates = keep[1].validates + rest
    p.holdouts = keep
    p.markers["too_few_holdouts"] = str(len(keep))


_DEFECT_APPLY = {
    "missing_document": _missing_document,
    "open_clarification": _open_clarification,
    "dependency_cycle": _dependency_cycle,
    "dangling_dependency": _dangling_dependency,
    "dangling_scenario_ref": _dangling_scenario_ref,
    "dangling_contract_ref": _dangling_contract_ref,
    "duplicate_task": _duplicate_task,
    "uncovered_scenario": _uncovered_scenario,
    "uncovered_contract": _uncovered_contract,
    "too_few_holdouts": _too_few_holdouts,
}
