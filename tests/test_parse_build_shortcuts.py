"""The typed builders' shortcuts give what the long way round gives.

Each test builds the same views with a shortcut on and off (monkeypatched to
the general path) on seeded random documents, the example spec, synthetic
specs and, when present, the corpus, and compares the results field for field.
"""

from __future__ import annotations

import random

import pytest
from conftest import CORPUS, EXAMPLE_SPEC

from generator.model import DOCUMENTS
from generator.spec import build_front
from generator.spec.document import decode
from generator.spec.toplevel import parse_nodes
from generator.spec.view import DocView


def view(code: str, text: str) -> DocView:
    lines = text.split("\n")
    return DocView.build(code, DOCUMENTS[code], text, parse_nodes(text, lines), lines)


def _spec_texts(code: str):
    """(name, text) of document `code` in the example spec, synthetic specs and the corpus."""
    from synth import generate_spec

    name = DOCUMENTS[code]
    for folder in [EXAMPLE_SPEC] + ([CORPUS] if CORPUS.is_dir() else []):
        for path in sorted(folder.rglob(name)):
            text, _ = decode(path.name, path.read_bytes())
            if text:
                yield str(path), text
    yield from _synthetic(code, generate_spec)


def _synthetic(code, generate_spec, cache={}):  # noqa: B006 - one set of synthetic specs per session
    if not cache:
        import tempfile
        from pathlib import Path

        root = Path(tempfile.mkdtemp(prefix="shortcut-specs-"))
        for k, (style, seed) in enumerate((("full", 3), ("compressed", 4))):
            generate_spec(root / str(k), tasks=30, style=style, seed=seed)
        cache["root"] = root
    for path in sorted(cache["root"].rglob(DOCUMENTS[code])):
        yield str(path), path.read_text()


_MARKER_LINES = ["**Priority:** P1", "[NEEDS CLARIFICATION: who pays?]", "needs clarification here",
                 "- [needs clarification] CLR-001", "See CLR-002 and CLR-3", "NEEDS <!-- x -->CLARIFICATION",
                 "NEEDſ CLARIFICATION", "plain line", "**GIVEN** a", "> NEEDS CLARIFICATION", "CLR-", "text <!-- c -->"]
_MARKER_HEADS = ["## User Scenarios", "## Clarifications", "### Open clarification", "#### SC-001: t", "## Other"]


def _marker_doc(rnd: random.Random) -> str:
    out = ["# D2: Specification — X", ""]
    for _ in range(rnd.randint(1, 12)):
        if rnd.random() < 0.3:
            out += [rnd.choice(_MARKER_HEADS), ""]
        out += [rnd.choice(_MARKER_LINES) for _ in range(rnd.randint(1, 3))] + [""]
    return "\n".join(out)


def test_markers_skipped_only_when_no_line_can_be_one(monkeypatch):
    rnd = random.Random(4242)
    views = [view("D2", _marker_doc(rnd)) for _ in range(1500)] + [view("D2", t) for _, t in _spec_texts("D2")]
    fast = [build_front._markers(v) for v in views]
    assert any(fast) and not all(fast)
    monkeypatch.setattr(build_front, "_may_hold_markers", lambda lines: True)
    for v, want in zip(views, fast):
        assert build_front._markers(v) == want, "\n".join(v.lines)


@pytest.mark.parametrize("code", ["D2"])
def test_example_and_synthetic_specs_build_the_same(code, monkeypatch):
    views = [view(code, t) for _, t in _spec_texts(code)]
    fast = [build_front.build_specification(v) for v in views]
    monkeypatch.setattr(build_front, "_may_hold_markers", lambda lines: True)
    assert [build_front.build_specification(v) for v in views] == fast


def _scenarios_long_way(v: DocView) -> list:
    """Scenarios as built item by item, every value read through `Item.value`."""
    from generator.model import Scenario
    from generator.spec.records import strip_md
    from generator.spec.view import priority_of

    out = []
    for it in v.items_of("SC", "SC-EC"):
        given, when, then, ands = build_front._gwt(" ".join(n.text for n in it.gwt))
        edge = it.kind == "SC-EC" or it.under("edge") or it.under("failure")
        out.append(Scenario(id=it.id, title=strip_md(it.title), priority=priority_of(it.value("priority")), given=given,
                            when=when, then=then, and_=ands, testing_approach=it.value("testing approach"),
                            origin=it.value("source"), kind="edge" if edge else "primary", source=v.src(it.line),
                            fields={f.key: f.text() for f in it.field_list}))
    return out


_SC_HEADS = ["## User Scenarios", "### Primary Scenarios", "### Edge Cases", "## Failure modes", "### Failures",
             "### Other", "#### Notes on edge", "## Purpose"]
_SC_LINES = ["**Priority:** P1", "**Priority:** P0", "**Source:** NEW", "**Testing Approach:** unit", "**GIVEN** a",
             "**WHEN** b", "**THEN** c", "**AND** d", "**: x**", "**Priority:**", "- nested value", "plain prose",
             "**Source:** second", "Priority: P2", "**testing approach:** lower"]


def _scenario_doc(rnd: random.Random) -> str:
    out = ["# D2: Specification — X", ""]
    for n in range(rnd.randint(1, 15)):
        if rnd.random() < 0.3:
            out += [rnd.choice(_SC_HEADS), ""]
        kind = rnd.choice(("SC", "SC", "SC-EC"))
        out += [f"{'#' * rnd.choice((3, 4))} {kind}-{n + 1:03d}: Title {n}", ""]
        out += [rnd.choice(_SC_LINES) for _ in range(rnd.randint(0, 7))] + [""]
    return "\n".join(out)


def test_scenarios_built_as_item_by_item():
    rnd = random.Random(777)
    views = [view("D2", _scenario_doc(rnd)) for _ in range(1500)] + [view("D2", t) for _, t in _spec_texts("D2")]
    kinds = set()
    for v in views:
        got = build_front.build_specification(v).scenarios
        assert got == _scenarios_long_way(v), "\n".join(v.lines)
        kinds |= {s.kind for s in got}
    assert kinds == {"edge", "primary"}


def _coverage_long_way(v: DocView) -> list:
    """Coverage rows read with `find_ids` and keyword arguments, row by row."""
    from generator.model import CoverageRow
    from generator.spec.ids import expand_refs, find_ids
    from generator.spec.view import priority_of, row_line

    rows = []
    for n in v.nodes:
        if n.kind != "table" or len(n.rows) < 2:
            continue
        head = [c.lower() for c in n.rows[0]]
        if not head or not ("scenario" in head[0] or "contract" in head[0] or head[0].startswith("d2")
                            or head[0].startswith("d4")):
            continue
        cov = next((k for k, c in enumerate(head) if "holdout" in c or "coverage" in c or "covered" in c), None)
        if cov is None:
            continue
        pri = next((k for k, c in enumerate(head) if "priority" in c), None)
        for k, r in enumerate(n.rows[1:]):
            ids = find_ids(r[0]) if r else []
            if ids:
                rows.append(CoverageRow(scenario=ids[0], priority=priority_of(r[pri]) if pri is not None and pri < len(r)
                                        else "", holdouts=expand_refs(r[cov], ("HS",)) if cov < len(r) else [],
                                        source=v.src(row_line(n, k))))
    return rows


_COV_CELLS = ["SC-001", "SC-EC-002", "x SC-003 y", "SC-004, SC-005", "—", "", "HS-001", "HS-002, HS-003", "HS-001..003",
              "None", "P1", "P0 (x)", "T-1", "HS-9x", "see HS-004", "(HS-005)", "hs-001", "–"]


def _coverage_doc(rnd: random.Random) -> str:
    out = ["# D9: Holdout Scenarios — X", ""]
    for _ in range(rnd.randint(1, 3)):
        head = rnd.choice(["| D2 Scenario | Priority | Holdout Coverage |", "| Scenario | Covered by |",
                           "| Contract | Priority | Holdouts | Notes |", "| Thing | Holdout |"])
        out += [head] + (["|---|---|---|"] if rnd.random() < 0.8 else [])
        out += ["| " + " | ".join(rnd.choice(_COV_CELLS) for _ in range(rnd.randint(0, 4))) + " |"
                for _ in range(rnd.randint(0, 8))] + [""]
    return "\n".join(out)


def test_coverage_rows_as_read_row_by_row():
    from generator.spec import build_holdouts

    rnd = random.Random(6060)
    views = [view("D9", _coverage_doc(rnd)) for _ in range(1500)] + [view("D9", t) for _, t in _spec_texts("D9")]
    seen = 0
    for v in views:
        got = build_holdouts._coverage(v)
        assert got == _coverage_long_way(v), "\n".join(v.lines)
        seen += len(got)
    assert seen > 1000


def _holdout_long_way(v: DocView, it, diags: list) -> object:
    """A holdout read through `Item.get` and `Item.value`, every reference value expanded."""
    from generator.model import Holdout, HoldoutStep
    from generator.spec import build_holdouts as bh
    from generator.spec.ids import expand_refs
    from generator.spec.records import strip_md
    from generator.spec.view import priority_of, table_dicts

    ho = Holdout(id=it.id, title=strip_md(it.title), source=v.src(it.line), text=v.item_text(it))
    data = bh.yaml_data(v, it, diags)  # the YAML block is read as before; the fields are what is compared
    behavioural = bool(data) and any(k in data for k in ("authority", "expected_outcome", "action", "pass_criteria"))
    validates_f, contracts_f = it.get("validates"), it.get("contracts")
    auth = data.get("authority") if isinstance(data.get("authority"), dict) else {}
    ho.validates = expand_refs(bh._as_text(auth.get("d2_scenarios")), bh.SCENARIO_KINDS)
    ho.contracts = expand_refs(bh._as_text(auth.get("d4_contracts")), bh.CONTRACT_KINDS)
    if not ho.validates:
        ho.validates = expand_refs(validates_f.text() if validates_f else bh._as_text(data.get("validates")),
                                   bh.SCENARIO_KINDS)
    if not ho.contracts:
        ho.contracts = expand_refs(contracts_f.text() if contracts_f else bh._as_text(data.get("contracts")),
                                   bh.CONTRACT_KINDS)
    ho.ref_lines["validates"] = validates_f.line if validates_f else (it.line if it.form != "yaml" else it.head.line)
    ho.ref_lines["contracts"] = contracts_f.line if contracts_f else ho.ref_lines["validates"]
    ho.priority = priority_of(it.value("priority")) or priority_of(bh._as_text(data.get("priority")))
    ho.title = ho.title or strip_md(bh._as_text(data.get("title")))
    ho.category = strip_md(it.value("type", "category")) or bh._as_text(data.get("category") or data.get("type"))
    for name in bh.STEPS:
        f = it.get(name)
        script, line = bh._script(f)
        if script:
            ho.steps.append(HoldoutStep(name, script, v.src(line)))
        if name == "verify" and f:
            for n in f.more:
                if n.kind == "table":
                    ho.verify_table = table_dicts(n)
                    break
    ho.form = "behavioural" if behavioural else "executable" if ho.steps else "stub"
    if behavioural:
        ho.behaviour = data
    return ho


_HS_YAML = ["scenario: s\npriority: P1\n", "priority: P0\ntitle: From yaml\n", "validates: SC-001\ncontracts: IN-001\n",
            "authority:\n  d2_scenarios: SC-002, SC-003\n  d4_contracts: [OUT-001]\n", "priority: yes\n",
            "category: cat\ntype: t\n", "priority: [unclosed\n", "action: go\n", "scenario_id: HS-{n}\n"]
_HS_LINES = ["**Validates:** D2 SC-001, SC-002", "**Contracts:** D4 IN-001", "**Type:** Error path", "**Category:** c",
             "**Priority:** P2", "**Validates:** SC-EC-004", "**Contracts:** None", "**Setup:**", "**Execute:**",
             "**Verify:**", "**Cleanup:**", "```bash\nx\n```", "```sh\ny\n```", "```python\nz\n```", "| a | b |\n|---|---|\n| 1 | 2 |",
             "**Validates:** SC-009", "plain prose"]


def _holdout_doc(rnd: random.Random) -> str:
    out = ["# D9: Holdout Scenarios — X", "", "## Scenarios", ""]
    for n in range(rnd.randint(1, 6)):
        out += [f"### HS-{n + 1:03d}: Title {n}", ""]
        if rnd.random() < 0.8:
            out += ["```" + rnd.choice(["yaml", "", "yml"]), rnd.choice(_HS_YAML).format(n=n + 1).rstrip("\n"), "```", ""]
        out += [rnd.choice(_HS_LINES) for _ in range(rnd.randint(0, 9))] + [""]
    return "\n".join(out)


def test_holdouts_read_as_through_item_lookups():
    from generator.spec import build_holdouts

    rnd = random.Random(9191)
    views = [view("D9", _holdout_doc(rnd)) for _ in range(800)] + [view("D9", t) for _, t in _spec_texts("D9")]
    forms = set()
    for v in views:
        for it in v.items_of("HS"):
            d1: list = []
            d2: list = []
            got = build_holdouts._holdout(v, it, d1)
            assert got == _holdout_long_way(v, it, d2), "\n".join(v.lines)
            assert d1 == d2
            forms.add(got.form)
    assert forms == {"behavioural", "executable", "stub"}


def _tasks_long_way(v: DocView) -> tuple[list, list]:
    """Tasks read through `Item.get` and `Item.value`, each value's text read where it is used."""
    import re

    from generator.model import Task
    from generator.spec import build_plan as bp
    from generator.spec.ids import split_refs
    from generator.spec.records import strip_md

    tasks, diags = [], []
    for it in v.items_of("T"):
        title = strip_md(it.title)
        phase = strip_md(it.value("phase"))
        pn = it.get("phase + name")
        if pn:
            head, sep, tail = strip_md(pn.value).partition(" | ")
            if sep and not title:
                title = tail.strip()
            if not phase:
                phase = re.sub(r"^Phase\s+", "", head.strip(), flags=re.IGNORECASE)
        if not phase:
            phase = bp._phase_heading(it.context)
        t = Task(id=it.id, title=title, phase=phase, source=v.src(it.line))
        dep = it.get("dependency", "depends on", "dependencies")
        if dep:
            t.depends_on, other = split_refs(dep.text(), ("T",))
            t.ref_lines["depends_on"] = dep.line
        sc = it.get("scenarios satisfied", "scenarios")
        if sc:
            t.scenarios_text = sc.text()
            t.scenarios, other = split_refs(sc.text(), bp.SCENARIO_KINDS)
            t.ref_lines["scenarios"] = sc.line
            bp._note_other(diags, v, sc.line, t.id, "Scenarios Satisfied", other)
        ct = it.get("contracts implemented", "contracts")
        if ct:
            t.contracts_text = ct.text()
            t.contracts, other = split_refs(ct.text(), bp.CONTRACT_KINDS)
            t.ref_lines["contracts"] = ct.line
            bp._note_other(diags, v, ct.line, t.id, "Contracts Implemented", other)
        ac = it.get("acceptance criteria")
        if ac:
            t.acceptance_criteria = [strip_md(x) for x in ac.items()] or ([ac.value.strip()] if ac.value.strip() else [])
        t.scope = strip_md(it.value("scope"))
        t.parallel = strip_md(it.value("parallel/serial", "parallel", "serial"))
        t.description = "\n".join(n.text for n in it.prose if n.kind == "line")
        tasks.append(t)
    return tasks, diags


_T_LINES = ["**Phase:** 0 — Foundation", "**Phase + Name:** Phase 1 | Named", "**Dependency:** T-001, T-002",
            "**Depends On:** None", "**Dependencies:** T-003", "**Scenarios Satisfied:** D2 SC-001, SC-002, HS-001",
            "**Scenarios:** SC-003..005", "**Contracts Implemented:** D4 IN-001, SC-009", "**Contracts:** OUT-002",
            "**Acceptance Criteria:**\n- a works\n- **b** too", "**Acceptance Criteria:** inline only", "**Scope:** S",
            "**Parallel/Serial:** parallel", "**Serial:** yes", "some prose", "**Phase:** 2", "**Scope:** *M*"]


def _task_doc(rnd: random.Random) -> str:
    out = ["# D8: Tasks — X", ""]
    for n in range(rnd.randint(1, 8)):
        if rnd.random() < 0.3:
            out += [rnd.choice(["## Phase 1: Build", "## Phase 2 — Check", "## Other"]), ""]
        out += [f"#### T-{n + 1:03d}: {rnd.choice(['Title', ''])}", ""]
        out += [rnd.choice(_T_LINES) for _ in range(rnd.randint(0, 8))] + [""]
    return "\n".join(out)


def test_tasks_read_as_through_item_lookups():
    from generator.spec import build_plan

    rnd = random.Random(4040)
    views = [view("D8", _task_doc(rnd)) for _ in range(1200)] + [view("D8", t) for _, t in _spec_texts("D8")]
    for v in views:
        assert build_plan.build_tasks(v) == _tasks_long_way(v), "\n".join(v.lines)
