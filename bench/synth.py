"""Seeded synthetic D1–D10 spec directories, for benchmarks and large-spec tests.

    from synth import generate_spec
    stats = generate_spec(tmp / "spec", tasks=500, style="compressed", seed=3)

    python bench/synth.py OUT_DIR --tasks 2000 [--scenarios-per-task 4]
        [--style full|compressed] [--seed S] [--fan-in 2] [--defect KIND ...]

Same arguments, same bytes. A clean spec is valid; each defect kind breaks
exactly one validation rule (`EXPECTED_CHECK` names the check when the
product's own spec fixes its name, `SpecStats.markers` the id involved).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth_docs import render_builder_docs
from synth_holdouts import render_d9
from synth_plan import DEFECTS, KINDS, make_plan

FILES = {
    "D1": "D1_CONSTITUTION.md", "D2": "D2_SPECIFICATION.md", "D3": "D3_DATA_MODEL.md",
    "D4": "D4_CONTRACTS.md", "D5": "D5_RESEARCH.md", "D6": "D6_GAP_ANALYSIS.md", "D7": "D7_PLAN.md",
    "D8": "D8_TASKS.md", "D9": "D9_HOLDOUT_SCENARIOS.md", "D10": "D10_AGENT_CONTEXT.md",
}
STYLE_NAMES = ("full", "compressed")

# Check names fixed by the product spec's ValidationResult example; the
# reference and duplicate defects are reported under the validator's own names.
EXPECTED_CHECK: dict[str, str | None] = {
    "missing_document": "all_documents_present",
    "open_clarification": "d6_no_open_items",
    "dependency_cycle": "d8_no_dependency_cycles",
    "uncovered_scenario": "d2_scenarios_covered",
    "uncovered_contract": "d4_contracts_covered",
    "too_few_holdouts": "d9_minimum_holdouts",
    "dangling_dependency": None,
    "dangling_scenario_ref": None,
    "dangling_contract_ref": None,
    "duplicate_task": None,
}
assert set(EXPECTED_CHECK) == set(DEFECTS)


@dataclass
class SpecStats:
    """What was written: counts a test can check against the files."""

    spec_dir: Path
    style: str
    seed: int
    tasks: int
    phases: int
    scenarios: int
    priorities: dict[str, int]
    contracts: dict[str, int]
    entities: int
    deferred: int
    research: int
    gaps: int
    clarifications: int
    components: int
    error_codes: int
    holdouts: int
    dependency_edges: int
    files: int
    bytes: int
    defects: tuple[str, ...] = ()
    markers: dict[str, str] = field(default_factory=dict)


def generate_spec(out_dir: Path, *, tasks: int, scenarios_per_task: int = 4, style: str = "full",
                  seed: int = 0, fan_in: int = 2, defects: Sequence[str] = (),
                  name: str = "Synthetic Records") -> SpecStats:
    """Write a complete D1–D10 directory to `out_dir` and describe it."""
    if style not in STYLE_NAMES:
        raise ValueError(f"style must be one of {', '.join(STYLE_NAMES)}, not {style!r}")
    plan = make_plan(name=name, tasks=tasks, scenarios_per_task=scenarios_per_task, style=style,
                     seed=seed, fan_in=fan_in, defects=tuple(defects))
    texts = render_builder_docs(plan)
    texts["D9"] = render_d9(plan)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = total = 0
    for code, filename in FILES.items():
        path = out_dir / filename
        if code in plan.omit:
            path.unlink(missing_ok=True)
            continue
        data = texts[code].encode("utf-8")
        path.write_bytes(data)
        written += 1
        total += len(data)
    prio = {p: sum(1 for s in plan.scenarios if s.priority == p) for p in ("P0", "P1", "P2")}
    return SpecStats(
        spec_dir=out_dir, style=style, seed=seed, tasks=len(plan.tasks), phases=plan.phases,
        scenarios=len(plan.scenarios), priorities=prio,
        contracts={k: sum(1 for c in plan.contracts if c.kind == k) for k in KINDS},
        entities=len(plan.entities), deferred=len(plan.deferred), research=len(plan.research),
        gaps=len(plan.gaps), clarifications=len(plan.clarifications), components=len(plan.components),
        error_codes=len(plan.error_codes), holdouts=len(plan.holdouts),
        dependency_edges=sum(len(t.deps) for t in plan.tasks), files=written, bytes=total,
        defects=tuple(defects), markers=dict(plan.markers),
    )


_SC_HEAD = re.compile(r"^#{2,4} (SC-\d+)\b")
_REV = re.compile(r" \(revision (\d+)\)$")


def _revise(then: str) -> str:
    m = _REV.search(then)
    n = int(m.group(1)) + 1 if m else 1
    return _REV.sub("", then) + f" (revision {n})"


def edit_one_scenario(spec_dir: Path, index: int = 0) -> str:
    """Change the THEN text of the index-th D2 scenario in place; return its id.

    Each call writes different bytes (a revision counter), so repeated edits
    in a benchmark are always real changes.
    """
    path = Path(spec_dir) / FILES["D2"]
    lines = path.read_text(encoding="utf-8").split("\n")
    current, seen = "", -1
    for i, line in enumerate(lines):
        m = _SC_HEAD.match(line)
        if m:
            current = m.group(1)
            continue
        if line.startswith("**THEN** "):
            seen += 1
            if seen == index:
                lines[i] = "**THEN** " + _revise(line[len("**THEN** "):])
                break
        elif line.startswith("- GIVEN ") and " THEN " in line:
            seen += 1
            if seen == index:
                head, then = line.rsplit(" THEN ", 1)
                lines[i] = f"{head} THEN {_revise(then)}"
                break
    else:
        raise IndexError(f"{path}: no scenario number {index}")
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return current


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a seeded synthetic D1–D10 spec directory.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--tasks", type=int, required=True)
    ap.add_argument("--scenarios-per-task", type=int, default=4)
    ap.add_argument("--style", choices=STYLE_NAMES, default="full")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fan-in", type=int, default=2)
    ap.add_argument("--defect", action="append", default=[], choices=DEFECTS, metavar="KIND",
                    help="inject a defect (repeatable): " + ", ".join(DEFECTS))
    a = ap.parse_args(argv)
    try:
        s = generate_spec(a.out_dir, tasks=a.tasks, scenarios_per_task=a.scenarios_per_task, style=a.style,
                          seed=a.seed, fan_in=a.fan_in, defects=a.defect)
    except ValueError as exc:
        ap.error(str(exc))
    print(f"{s.spec_dir}: {s.tasks} tasks, {s.scenarios} scenarios, {sum(s.contracts.values())} contracts, "
          f"{s.holdouts} holdouts, {s.dependency_edges} dependency edges, {s.bytes} bytes ({s.style})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
