"""Every id a spec defines, and every reference resolved against them.

A reference that names nothing, or an id defined twice, becomes a Diagnostic
pointing at the line that holds it, e.g.
``D8_TASKS.md:57: T-004 depends on unknown task T-099``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from generator.model import DOCUMENTS, Diagnostic, ProductSpec, Source
from generator.spec.ids import id_key as _id_key, kind_of as _kind_of, scenario_family

# Ids repeat thousands of times across a spec and the set of distinct ids is
# small: their keys and kinds are memoised (pure functions of the string).
id_key = lru_cache(maxsize=1 << 16)(_id_key)
kind_of = lru_cache(maxsize=1 << 16)(_kind_of)

_KIND_NAMES = {"SC": "scenario", "SC-EC": "scenario", "DEF": "deferred capability", "E": "entity", "IN": "contract",
               "OUT": "contract", "SIDE": "contract", "ERR": "contract", "RQ": "research question", "GAP": "gap",
               "CLR": "clarification", "T": "task", "HS": "holdout"}
_KIND_DOC = {"SC": "D2", "SC-EC": "D2", "DEF": "D2", "E": "D3", "IN": "D4", "OUT": "D4", "SIDE": "D4", "ERR": "D4",
             "RQ": "D5", "GAP": "D6", "CLR": "D6", "T": "D8", "HS": "D9"}


@dataclass
class Registry:
    spec: ProductSpec
    defs: dict[tuple, list[tuple[Any, Source | None]]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spelled: set[str] = field(default_factory=set)  # ids as their definitions write them

    def get(self, ident: str) -> Any | None:
        found = self.defs.get(id_key(ident))
        return found[0][0] if found else None

    def has(self, ident: str) -> bool:
        return ident in self.spelled or id_key(ident) in self.defs

    def ids(self, *kinds: str) -> list[str]:
        return sorted((objs[0][0].id for k, objs in self.defs.items() if k[0] in kinds), key=id_key)


def _defined(spec: ProductSpec) -> list[tuple[Any, Source | None]]:
    out: list[tuple[Any, Source | None]] = []
    for group in (spec.scenarios, spec.specification.deferred, spec.entities, spec.contracts, spec.research,
                  spec.gaps, spec.clarifications, spec.tasks, spec.holdouts.holdouts):
        out += [(x, x.source) for x in group]
    return out


def build_registry(spec: ProductSpec) -> Registry:
    reg = Registry(spec)
    defs = reg.defs
    defined = _defined(spec)
    for obj, src in defined:
        key = id_key(obj.id)
        found = defs.get(key)
        if found is None:
            defs[key] = [(obj, src)]
        else:
            found.append((obj, src))
    reg.spelled.update([obj.id for obj, _ in defined])
    for key in sorted([key for key, objs in defs.items() if len(objs) > 1]):  # duplicates, in id order
        objs = defs[key]
        first = objs[0][1]
        for obj, src in objs[1:]:
            reg.diagnostics.append(Diagnostic(src.doc if src else "", src.line if src else 0,
                                              f"duplicate id {obj.id} (first defined at line {first.line if first else 0})",
                                              "error", "duplicate_ids"))
    _resolve(reg)
    return reg


def _ref(reg: Registry, owner: str, src: Source | None, line: int, ident: str, verb: str, kinds: tuple[str, ...]) -> None:
    """Report `ident` when no definition exists (and its document is there to hold one)."""
    if ident in reg.spelled:  # most references: spelled as defined, so defined
        return
    k = kind_of(ident)
    if k not in kinds or reg.has(ident):
        return
    if not reg.spec.doc_present(_KIND_DOC.get(k, "")):
        return
    doc = src.doc if src else ""
    reg.diagnostics.append(Diagnostic(doc, line or (src.line if src else 0),
                                      f"{owner} {verb} unknown {_KIND_NAMES.get(k, 'item')} {ident}", "error", "references"))


def _resolve(reg: Registry) -> None:
    """Every reference checked by `_ref`; one spelled as an id is defined (most are), so
    only the others are handed to it."""
    spec = reg.spec
    spelled = reg.spelled
    sc = ("SC", "SC-EC")
    ct = ("IN", "OUT", "SIDE", "ERR")
    for t in spec.tasks:
        if t.depends_on:
            own = id_key(t.id)
            for d in t.depends_on:
                if id_key(d) == own:
                    reg.diagnostics.append(Diagnostic(t.source.doc, t.ref_lines.get("depends_on", t.source.line),
                                                      f"{t.id} depends on itself", "error", "references"))
                if d not in spelled:
                    _ref(reg, t.id, t.source, t.ref_lines.get("depends_on", 0), d, "depends on", ("T",))
        for s in t.scenarios:
            if s not in spelled:
                _ref(reg, t.id, t.source, t.ref_lines.get("scenarios", 0), s, "lists", sc)
        for c in t.contracts:
            if c not in spelled:
                _ref(reg, t.id, t.source, t.ref_lines.get("contracts", 0), c, "implements", ct)
    for e in spec.entities:
        for s in e.scenarios:
            if s not in spelled:
                _ref(reg, e.id, e.source, e.ref_lines.get("scenarios", 0), s, "names", sc)
    for c in spec.contracts:
        for s in c.scenarios:
            if s not in spelled:
                _ref(reg, c.id, c.source, c.ref_lines.get("scenarios", 0), s, "names", sc)
    for h in spec.holdouts.holdouts:
        for s in h.validates:
            if s not in spelled:
                _ref(reg, h.id, h.source, h.ref_lines.get("validates", 0), s, "validates", sc)
        for c in h.contracts:
            if c not in spelled:
                _ref(reg, h.id, h.source, h.ref_lines.get("contracts", 0), c, "names", ct)
    for row in spec.holdouts.coverage:
        line = row.source.line if row.source else 0
        if row.scenario not in spelled:
            _ref(reg, "coverage matrix row", row.source, line, row.scenario, "names", sc + ct)
        for hs in row.holdouts:
            if hs not in spelled:
                _ref(reg, f"coverage matrix row {row.scenario}", row.source, line, hs, "names", ("HS",))
    for comp in spec.plan.components:
        for ident in comp.implements:
            if ident not in spelled:
                _ref(reg, f"component {comp.name}", comp.source, 0, ident, "implements", sc + ct + ("E",))


def family(ident: str) -> str:
    return scenario_family(kind_of(ident))


ALL_DOCS = tuple(DOCUMENTS)
