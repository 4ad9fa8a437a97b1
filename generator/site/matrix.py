"""Traceability: which tasks, contracts and holdouts cover each scenario.

Gaps are what a reviewer must see first: a scenario no task satisfies, a
contract no task implements, a P0/P1 scenario no holdout checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.site.specdata import Item, SpecData
from generator.spec.ids import id_key

GUARDED = ("P0", "P1")  # priorities that must have a holdout


@dataclass
class ScenarioRow:
    scenario: Item
    tasks: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    holdouts: list[str] | None = None  # None: no holdout data at hand
    gaps: list[str] = field(default_factory=list)


@dataclass
class ContractRow:
    contract: Item
    scenarios: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def _ids(values: set[str]) -> list[str]:
    return sorted(values, key=id_key)


def scenario_rows(spec: SpecData, holdouts: dict[str, list[str]] | None) -> list[ScenarioRow]:
    """One row per scenario; `holdouts` maps scenario id → holdout ids, if known."""
    out = []
    for sc in spec.scenarios:
        row = ScenarioRow(
            sc,
            tasks=_ids({t.id for t in spec.tasks if sc.id in t.scenarios}),
            contracts=_ids({c.id for c in spec.contracts if sc.id in c.scenarios}),
        )
        if not row.tasks:
            row.gaps.append("no task satisfies it")
        if holdouts is not None:
            row.holdouts = _ids(set(holdouts.get(sc.id, [])))
            if not row.holdouts and sc.priority in GUARDED:
                row.gaps.append(f"{sc.priority} without a holdout")
        out.append(row)
    return out


def contract_rows(spec: SpecData) -> list[ContractRow]:
    out = []
    for c in spec.contracts:
        row = ContractRow(c, scenarios=_ids(set(c.scenarios)), tasks=_ids({t.id for t in spec.tasks if c.id in t.contracts}))
        if not row.tasks:
            row.gaps.append("no task implements it")
        out.append(row)
    return out


def holdouts_by_scenario(pairs: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """Invert (holdout id, scenario ids) pairs."""
    out: dict[str, list[str]] = {}
    for hid, scenarios in pairs:
        for sc in scenarios:
            out.setdefault(sc, []).append(hid)
    return out
