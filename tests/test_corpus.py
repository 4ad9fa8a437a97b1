"""Every spec folder of the reference corpus parses to its hand-counted figures.

Expected values are FORMAT.md §6 (and §5 item 19 for the templates); the
verdicts are the ones those counts imply.
"""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import corpus_path
from generator.spec import load_spec
from generator.validate import validate

H_L = "_history/fmwk-001-ledger/"
H_S = "_history/fmwk-900-sawmill-smoke/"
L1_LIKE = dict(art=9, sc=(13, 9, 4, 0), defs=2, ent=9, con=(7, 4, 3, 4), rq=6,
               gaps={"RESOLVED": 1, "ASSUMED": 3}, clrs={"RESOLVED": 3}, tasks=12, edges=15,
               hs=(5, 5, 0), cov=(13, 2), fails={"d9_coverage_gate"})

# spec → expected figures. sc = (total, P0, P1, P2); con = IN/OUT/SIDE/ERR; hs = (total, P0, P1); cov = (rows, uncovered)
EXPECTED: dict[str, dict] = {
    "dark-factory-orchestrator": dict(art=8, sc=(10, 0, 9, 1), defs=3, ent=7, con=(5, 5, 2, 4), rq=3,
                                      gaps={"RESOLVED": 2}, clrs={"RESOLVED": 2}, tasks=7, edges=8, hs=(0, 0, 0), cov=(0, 0),
                                      fails={"all_documents_present", "d4_contracts_covered", "d9_minimum_holdouts",
                                             "d9_coverage_gate"}),
    "fmwk-001-ledger": dict(art=10, sc=(11, 7, 4, 0), defs=3, ent=4, con=(6, 5, 2, 4), rq=5,
                            gaps={"RESOLVED": 5}, clrs={"RESOLVED": 4}, tasks=12, edges=23, hs=(11, 7, 4), cov=(13, 0), fails=set()),
    "fmwk-900-sawmill-smoke": dict(art=8, sc=(5, 0, 5, 0), defs=1, ent=2, con=(1, 1, 1, 3), rq=1, gaps={},
                                   clrs={"RESOLVED": 2, "ASSUMED": 1}, tasks=4, edges=3, hs=(4, 0, 4), cov=(5, 0), fails=set()),
    H_L + "2026-03-01-2020-cce5b1a": dict(art=0, sc=(0, 0, 0, 0), defs=0, ent=0, con=(0, 0, 0, 0), rq=0, gaps={}, clrs={},
                                          tasks=12, edges=15, hs=(0, 0, 0), cov=(0, 0),
                                          fails={"all_documents_present", "d6_no_open_items", "d2_scenarios_covered",
                                                 "d4_contracts_covered", "d9_minimum_holdouts", "d9_coverage_gate"}),
    H_L + "2026-03-01-2218-4c503ad": L1_LIKE,
    H_L + "2026-03-09-1626-a6ff5ca": L1_LIKE,
    H_L + "2026-03-12-0106-8955230": L1_LIKE,
    H_L + "2026-03-20-1636-f319bed": dict(art=8, sc=(11, 4, 7, 0), defs=2, ent=9, con=(6, 5, 4, 4), rq=3,
                                          gaps={"ASSUMED": 4}, clrs={"ASSUMED": 4}, tasks=8, edges=10, hs=(5, 4, 1),
                                          cov=(11, 0), fails=set()),
    H_S + "2026-03-07-2055-c4c196f": dict(art=6, sc=(5, 0, 5, 0), defs=1, ent=2, con=(2, 2, 1, 2), rq=1, gaps={},
                                          clrs={"RESOLVED": 3}, tasks=3, edges=3, hs=(4, 0, 4), cov=(5, 0), fails=set()),
    H_S + "2026-03-11-1726-cda0632": dict(art=7, sc=(6, 1, 4, 1), defs=2, ent=0, con=(1, 1, 1, 3), rq=1, gaps={},
                                          clrs={"ASSUMED": 2, "RESOLVED": 1}, tasks=0, edges=0, hs=(0, 0, 0), cov=(0, 0),
                                          fails={"all_documents_present", "d2_scenarios_covered", "d4_contracts_covered",
                                                 "d9_minimum_holdouts", "d8_no_dependency_cycles", "d9_coverage_gate"}),
    H_S + "2026-03-20-1636-f319bed": dict(art=3, sc=(2, 0, 0, 0), defs=0, ent=0, con=(1, 1, 0, 0), rq=0, gaps={}, clrs={},
                                          tasks=2, edges=0, hs=(2, 0, 0), cov=(0, 0),
                                          fails={"d2_scenarios_covered", "d4_contracts_covered", "d9_minimum_holdouts"}),
    "_templates": dict(art=2, sc=(2, 1, 1, 0), defs=1, ent=2, con=(1, 1, 1, 1), rq=2, gaps={}, clrs={"OPEN": 1},
                       tasks=3, edges=2, hs=(2, 1, 1), cov=(2, 0),
                       fails={"d6_no_open_items", "d4_contracts_covered", "d9_minimum_holdouts", "references_resolve"}),
    "_templates/compressed": dict(art=3, sc=(0, 0, 0, 0), defs=0, ent=0, con=(0, 0, 0, 0), rq=0, gaps={}, clrs={},
                                  tasks=0, edges=0, hs=(0, 0, 0), cov=(0, 0),
                                  fails={"d2_scenarios_covered", "d4_contracts_covered", "d9_minimum_holdouts",
                                         "d8_no_dependency_cycles"}),
}


def test_every_corpus_spec_folder_is_listed():
    root = corpus_path()
    found = {p.parent.relative_to(root).as_posix() for p in root.rglob("D*_*.md")
             if "_standards" not in p.parts and "history" not in p.parent.parent.name}
    found = {f for f in found if not f.startswith("_templates/history")}
    assert found <= set(EXPECTED), sorted(found - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_and_verdicts(name: str):
    exp = EXPECTED[name]
    spec = load_spec(corpus_path(name))
    pri = Counter(s.priority for s in spec.scenarios)
    kinds = Counter(c.kind for c in spec.contracts)
    hpri = Counter(h.priority for h in spec.holdouts.holdouts)
    got = dict(
        art=len(spec.constitution.articles),
        sc=(len(spec.scenarios), pri["P0"], pri["P1"], pri["P2"]),
        defs=len(spec.specification.deferred),
        ent=len(spec.entities),
        con=(kinds["IN"], kinds["OUT"], kinds["SIDE"], kinds["ERR"]),
        rq=len(spec.research),
        gaps=dict(Counter(g.status for g in spec.gaps)),
        clrs=dict(Counter(c.status for c in spec.clarifications)),
        tasks=len(spec.tasks),
        edges=sum(len(t.depends_on) for t in spec.tasks),
        hs=(len(spec.holdouts.holdouts), hpri["P0"], hpri["P1"]),
        cov=(len(spec.holdouts.coverage), sum(1 for r in spec.holdouts.coverage if not r.holdouts)),
    )
    result = validate(spec)
    got["fails"] = {c.check_name for c in result.checks if c.status == "FAIL"}
    assert got == exp
    assert result.status == ("FAIL" if exp["fails"] else "PASS")


def test_orchestrator_fails_on_side_002_and_absent_d9():
    result = validate(load_spec(corpus_path("dark-factory-orchestrator")))
    checks = {c.check_name: c for c in result.checks}
    assert checks["d4_contracts_covered"].details == ["D4 SIDE-002 not implemented by any D8 task"]
    assert checks["all_documents_present"].message == "Missing required document: D9_HOLDOUT_SCENARIOS.md"
    text = [str(d) for d in result.diagnostics]
    assert "D4_CONTRACTS.md:196: SIDE-002 is implemented by no D8 task" in text
    assert any("Shared Entities: 3" in t and t.startswith("D3_DATA_MODEL.md:3: warning:") for t in text)


def test_ledger_history_breaks_its_own_coverage_gate():
    result = validate(load_spec(corpus_path(H_L + "2026-03-01-2218-4c503ad")))
    gate = next(c for c in result.checks if c.check_name == "d9_coverage_gate")
    assert gate.details == ["P1 SC-EC-002 has no holdout", "P1 SC-EC-003 has no holdout"]


def test_ledger_edges_task_by_task():
    spec = load_spec(corpus_path("fmwk-001-ledger"))
    deps = {t.id: t.depends_on for t in spec.tasks}
    assert deps["T-003"] == []
    assert deps["T-008"] == ["T-007", "T-003", "T-004", "T-005"]
    assert deps["T-012"] == ["T-010", "T-007"]


def test_none_with_task_inside_is_no_edge():
    spec = load_spec(corpus_path(H_L + "2026-03-01-2218-4c503ad"))
    deps = {t.id: t.depends_on for t in spec.tasks}
    assert deps["T-003"] == []
    assert deps["T-010"] == ["T-005", "T-006", "T-007", "T-008", "T-009"]


def test_yaml_only_holdout_ids_and_authority():
    spec = load_spec(corpus_path("fmwk-900-sawmill-smoke"))
    hs = spec.holdouts.holdouts[0]
    assert (hs.id, hs.form, hs.validates, hs.contracts) == ("HS-001", "behavioural", ["SC-001"], ["IN-001", "OUT-001", "SIDE-001"])
    assert hs.behaviour["pass_criteria"]["runs_required"] == 3


def test_legacy_executable_holdout_steps():
    spec = load_spec(corpus_path(H_L + "2026-03-01-2218-4c503ad"))
    hs = spec.holdouts.holdouts[0]
    assert [s.name for s in hs.steps] == ["setup", "execute", "verify", "cleanup"]
    assert hs.form == "executable" and hs.priority == "P0"
    assert "# Create test database" in hs.step("setup").script
