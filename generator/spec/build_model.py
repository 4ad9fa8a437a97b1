"""Typed entities of D3 (data model), D4 (contracts), D5 (research) and D6 (gaps)."""

from __future__ import annotations

import re

from generator.model import Clarification, Contract, Entity, ErrorCode, Gap, ResearchQuestion
from generator.spec.ids import expand_refs
from generator.spec.records import Item, strip_md
from generator.spec.view import DocView, row_line, status_of, table_dicts

_SCOPE_RE = re.compile(r"\b(SHARED|PRIVATE)\b")
_TRAIL_PAREN_RE = re.compile(r"\s*\(([^()]*)\)\s*$")
SCENARIO_KINDS = ("SC", "SC-EC")


def _first_table(it: Item) -> list[dict[str, str]]:
    for n in it.nodes:
        if n.kind == "table":
            return table_dicts(n)
    return []


def build_entities(v: DocView) -> list[Entity]:
    out = []
    for it in v.items_of("E"):
        title = strip_md(it.title)
        scope = ""
        m = _TRAIL_PAREN_RE.search(title)
        if m and _SCOPE_RE.search(m.group(1).upper()):
            scope = _SCOPE_RE.search(m.group(1).upper()).group(1)
            title = title[: m.start()].strip()
        sf = it.get("scope")
        if sf:
            sm = _SCOPE_RE.match(strip_md(sf.text()).upper())
            scope = sm.group(1) if sm else scope
        inv = it.get("invariants")
        invariants = (inv.items() or [inv.value.strip()]) if inv else []
        src = it.get("source")
        e = Entity(
            id=it.id,
            name=title,
            scope=scope,
            description=it.value("description"),
            fields=_first_table(it),
            invariants=[strip_md(x) for x in invariants if x.strip()],
            scenarios=expand_refs(src.text(), SCENARIO_KINDS) if src else [],
            source=v.src(it.line),
        )
        if src:
            e.ref_lines["scenarios"] = src.line
        out.append(e)
    return out


def build_contracts(v: DocView) -> list[Contract]:
    out = []
    for it in v.items_of("IN", "OUT", "SIDE", "ERR"):
        sc = it.get("scenarios")
        c = Contract(
            id=it.id,
            kind=it.kind,
            title=strip_md(it.title),
            scenarios=expand_refs(sc.text(), SCENARIO_KINDS) if sc else [],
            fields={f.key: f.text() for f in it.field_list},
            shape=_first_table(it),
            source=v.src(it.line),
        )
        if sc:
            c.ref_lines["scenarios"] = sc.line
        out.append(c)
    return out


def build_error_codes(v: DocView) -> list[ErrorCode]:
    out = []
    for a, b in v.section_spans("error code"):
        for n in v.nodes[a + 1 : b]:
            if n.kind != "table":
                continue
            for k, r in enumerate(table_dicts(n)):
                keys = list(r)
                code = r.get(keys[0], "").strip().strip("`")
                if not code or code.startswith("**"):
                    continue
                meaning = next((r[x] for x in keys if "meaning" in x or "description" in x or "when" in x), "")
                retry = next((r[x] for x in keys if "retry" in x), "")
                out.append(ErrorCode(code, meaning, retry, v.src(row_line(n, k))))
        break
    return out


def build_research(v: DocView) -> list[ResearchQuestion]:
    out = []
    for it in v.items_of("RQ"):
        pri = strip_md(it.value("priority"))
        word = re.match(r"[A-Za-z]+", pri)
        out.append(
            ResearchQuestion(
                id=it.id,
                title=strip_md(it.title),
                priority=word.group(0) if word else pri,
                findings=it.value("findings"),
                decision=strip_md(it.value("decision")),
                rationale=it.value("rationale"),
                source=v.src(it.line),
            )
        )
    return out


def _title_status(title: str) -> tuple[str, str]:
    m = _TRAIL_PAREN_RE.search(title)
    if m and status_of(m.group(1)):
        return title[: m.start()].strip(), status_of(m.group(1))
    return title, ""


def build_gaps(v: DocView) -> tuple[list[Gap], list[Clarification]]:
    gaps, clars = [], []
    for it in v.items_of("GAP"):
        title, status = _title_status(strip_md(it.title))
        status = status_of(it.value("status")) or status or status_of(it.value("resolution"))
        cat = it.value("category")
        if not cat:
            cat = next((re.sub(r"^\d+\.\s*", "", h.title) for h in reversed(it.context) if re.match(r"^\d+\.", h.title)), "")
        gaps.append(
            Gap(
                id=it.id,
                title=title,
                status=status,
                category=strip_md(cat),
                shared=strip_md(it.value("shared")),
                resolution=it.value("resolution"),
                source=v.src(it.line),
            )
        )
    for it in v.items_of("CLR"):
        title, status = _title_status(strip_md(it.title))
        status = status_of(it.value("status")) or status or status_of(it.value("resolution"))
        res = it.value("resolution") or it.value("resolution note")
        clars.append(
            Clarification(
                id=it.id,
                title=title,
                status=status,
                question=it.value("question"),
                resolution=res,
                blocks=it.value("blocks"),
                source=v.src(it.line),
            )
        )
    return gaps, clars
