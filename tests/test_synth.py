"""The synthetic spec generator: benchmarks and large-spec tests rely on its counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synth import EXPECTED_CHECK, FILES, edit_one_scenario, generate_spec
from synth_plan import DEFECTS

STYLES = ("full", "compressed")
# Definition patterns per style: (D2 scenario, D8 task, D4 contract, D3 entity).
DEFS = {
    "full": (r"^#### SC-\d+: ", r"^#### T-\d+: ", r"^#### (IN|OUT|SIDE|ERR)-\d+: ", r"^### E-\d+: "),
    "compressed": (r"^#### SC-\d+ — ", r"^### T-\d+ — ", r"^#### (IN|OUT|SIDE|ERR)-\d+ — ", r"^E-\d+ \w"),
}


def _count(path: Path, pattern: str) -> int:
    return len(re.findall(pattern, path.read_text(encoding="utf-8"), re.M))


def _tree(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    """Benchmarks compare runs, so a seed must pin every byte."""
    for style in STYLES:
        generate_spec(tmp_path / f"a-{style}", tasks=30, style=style, seed=7)
        generate_spec(tmp_path / f"b-{style}", tasks=30, style=style, seed=7)
        generate_spec(tmp_path / f"c-{style}", tasks=30, style=style, seed=8)
        a, b, c = (_tree(tmp_path / f"{x}-{style}") for x in "abc")
        assert a == b
        assert a["D2_SPECIFICATION.md"] != c["D2_SPECIFICATION.md"]


@pytest.mark.parametrize("style", STYLES)
def test_requested_counts_are_in_the_files(tmp_path, style):
    """The stats must match what a reader counts, or benchmark sizes lie."""
    s = generate_spec(tmp_path / "spec", tasks=40, scenarios_per_task=3, style=style, seed=1)
    d = tmp_path / "spec"
    sc, t, c, e = DEFS[style]
    assert s.tasks == 40 and s.scenarios == 120
    assert _count(d / FILES["D2"], sc) == 120
    assert _count(d / FILES["D8"], t) == 40
    assert _count(d / FILES["D4"], c) == sum(s.contracts.values()) == 40
    assert all(n == 10 for n in s.contracts.values())
    assert _count(d / FILES["D3"], e) == s.entities
    assert _count(d / FILES["D9"], r"^### HS-\d+: ") == s.holdouts >= 3
    assert _count(d / FILES["D9"], r"^\| SC-\d+ \|") == 120
    assert sum(s.priorities.values()) == 120 and s.priorities["P0"] and s.priorities["P2"]
    assert sorted(p.name for p in d.iterdir()) == sorted(FILES.values())


def _d8_graph(d: Path) -> tuple[dict[str, list[str]], set[str]]:
    deps: dict[str, list[str]] = {}
    covered: set[str] = set()
    current = ""
    for line in (d / FILES["D8"]).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#{3,4} (T-\d+)", line)
        if m:
            current = m.group(1)
            deps[current] = []
        elif "Dependency:" in line and "None" not in line:
            deps[current] = re.findall(r"T-\d+", line)
        elif "Scenarios Satisfied:" in line:
            covered |= set(re.findall(r"SC-\d+", line))
    return deps, covered


@pytest.mark.parametrize("style", STYLES)
def test_clean_graph_is_acyclic_phased_and_covers_everything(tmp_path, style):
    """A clean spec must be a valid input: no cycles, full coverage, fan-in honoured."""
    s = generate_spec(tmp_path / "spec", tasks=60, style=style, seed=2, fan_in=3)
    deps, covered = _d8_graph(tmp_path / "spec")
    assert all(int(dep[2:]) < int(t[2:]) for t, ds in deps.items() for dep in ds)
    assert max(len(ds) for ds in deps.values()) == 3
    assert sum(len(ds) for ds in deps.values()) == s.dependency_edges
    assert len(covered) == s.scenarios
    assert s.phases == 4


def test_holdout_wording_stays_out_of_builder_documents(tmp_path):
    """The leak guard refuses builds that echo D9, so clean specs must not."""
    generate_spec(tmp_path / "spec", tasks=30, seed=4)
    d = tmp_path / "spec"
    builder = "\n".join((d / f).read_text(encoding="utf-8") for c, f in FILES.items() if c != "D9")
    d9 = (d / FILES["D9"]).read_text(encoding="utf-8")
    titles = re.findall(r"^### HS-\d+: (.+)$", d9, re.M)
    assert titles and not any(t in builder for t in titles)
    assert "HS-" not in builder and "FACTORY_INSTALL_ROOT" not in builder


@pytest.mark.parametrize("style", STYLES)
def test_edit_one_scenario_changes_one_line_each_time(tmp_path, style):
    """Rebuild benchmarks need a real, local edit on every call."""
    generate_spec(tmp_path / "spec", tasks=10, style=style)
    d2 = tmp_path / "spec" / FILES["D2"]
    before = d2.read_text(encoding="utf-8").splitlines()
    assert edit_one_scenario(tmp_path / "spec", index=5) == "SC-006"
    middle = d2.read_text(encoding="utf-8").splitlines()
    edit_one_scenario(tmp_path / "spec", index=5)
    after = d2.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (x, y) in enumerate(zip(before, middle)) if x != y]
    assert len(before) == len(middle) and len(changed) == 1 and "THEN" in middle[changed[0]]
    assert middle != after and "(revision 2)" in after[changed[0]]


def test_defects_edit_the_files_as_described(tmp_path):
    """Each defect leaves a visible trace, whatever the validator reports."""
    d = tmp_path
    s = generate_spec(d / "m", tasks=12, defects=["missing_document"])
    assert not (d / "m" / FILES["D5"]).exists() and s.files == 9
    s = generate_spec(d / "dup", tasks=12, defects=["duplicate_task"])
    assert _count(d / "dup" / FILES["D8"], rf"^#### {s.markers['duplicate_task']}: ") == 2
    s = generate_spec(d / "few", tasks=12, defects=["too_few_holdouts"])
    assert _count(d / "few" / FILES["D9"], r"^### HS-\d+: ") == 2
    s = generate_spec(d / "cyc", tasks=12, defects=["dependency_cycle"])
    deps, _ = _d8_graph(d / "cyc")
    assert deps["T-001"] == ["T-002"] and "T-001" in deps["T-002"]
    s = generate_spec(d / "unc", tasks=12, defects=["uncovered_scenario"])
    _, covered = _d8_graph(d / "unc")
    assert s.markers["uncovered_scenario"] not in covered and len(covered) == s.scenarios - 1
    s = generate_spec(d / "open", tasks=12, style="compressed", defects=["open_clarification"])
    assert "- Status: OPEN" in (d / "open" / FILES["D6"]).read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        generate_spec(d / "bad", tasks=12, defects=["no_such_defect"])


# ---------------------------------------------------------------------------
# Against the real validator.


def _validator():
    try:
        from generator.spec import load_spec
        from generator.validate import validate
    except ImportError as exc:
        pytest.skip(f"generator.spec.load_spec / generator.validate.validate not importable yet: {exc}")
    return load_spec, validate


@pytest.mark.parametrize("style", STYLES)
def test_clean_spec_validates(tmp_path, style):
    load_spec, validate = _validator()
    generate_spec(tmp_path / "spec", tasks=25, style=style, seed=5)
    result = validate(load_spec(tmp_path / "spec"))
    failing = [f"{c.check_name}: {c.message} {c.details}" for c in result.checks if c.status != "PASS"]
    assert result.status == "PASS", failing
    assert result.checks


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_fails_exactly_one_check(tmp_path, defect, style):
    """One defect, one failing check, naming the id involved."""
    load_spec, validate = _validator()
    s = generate_spec(tmp_path / "spec", tasks=25, style=style, seed=5, defects=[defect])
    result = validate(load_spec(tmp_path / "spec"))
    failing = [c for c in result.checks if c.status != "PASS"]
    assert result.status == "FAIL"
    assert len(failing) == 1, [f"{c.check_name}: {c.message}" for c in failing]
    if EXPECTED_CHECK[defect]:
        assert failing[0].check_name == EXPECTED_CHECK[defect]
    said = " ".join([failing[0].message, *failing[0].details, *(str(x) for x in result.diagnostics)])
    assert s.markers[defect] in said
