"""Render a synthetic spec plan as the ten D documents (text, per style).

Every sentence here is written for this generator. Holdout-only wording is
kept in D9 (see synth_words), so a clean spec passes the leak guard.
"""

from __future__ import annotations

from synth_plan import PHASE_NAMES, Plan
from synth_style import STYLES

DATE = "2026-01-15"
VERSION = "1.0.0"
ARTICLES = (
    ("Spec Text Rules the Code", "Code follows the written spec and never adds behaviour of its own.",
     "A reviewer can trace each function to a scenario id."),
    ("One Module per Concern", "Each module owns one concern and exposes one small interface.",
     "Every module file lists exactly one responsibility in D7."),
    ("Traceable Changes", "Each change names the task id and scenario ids it serves.",
     "Every commit message carries a task id."),
    ("Fail Loudly", "Errors surface with a code from the error enum, never silently.",
     "Each error path has a test that checks its code."),
    ("Deterministic Output", "The same input always produces the same bytes.",
     "Two runs over one input produce identical files."),
    ("Validated Inputs", "Every inbound request is checked before any write happens.",
     "Malformed requests leave the stores untouched."),
    ("Small Dependencies", "Only the standard library and the listed packages may be used.",
     "The dependency list matches the plan."),
    ("Tested Before Merge", "Every task lands with its unit tests green.",
     "The full test command passes on the merge commit."),
)


def _lines(*parts: list[str]) -> str:
    out: list[str] = []
    for p in parts:
        out += p
    return "\n".join(out).rstrip("\n") + "\n"


def _block(st, fields: list[tuple[str, str]]) -> list[str]:
    return [st.field(k, v) for k, v in fields] + [""]


def _head(st, level: int, ident: str, title: str, bare: bool = False) -> list[str]:
    return st.item(level, ident, title, bare=bare)


def d1(p: Plan, st) -> str:
    out = st.h1("D1", "Constitution", p.name) + st.meta(
        [("Version", VERSION), ("Ratified", DATE), ("Last Amended", DATE), ("Design Authority", "synthetic plan")])
    out += ["## Articles", ""]
    for n, (title, rule, test) in enumerate(ARTICLES, 1):
        out += _head(st, 3, f"Article {n}", title)
        out += _block(st, [("Rule", rule), ("Why", f"Without article {n} the build drifts from the spec."),
                           ("Test", test), ("Violations", "No exceptions.")])
    out += ["## Boundary Definitions" if st.name == "full" else "## Boundaries", ""]
    for kind, items in (("ALWAYS", ["run the unit tests before reporting", "keep each module within its file"]),
                        ("ASK FIRST", ["adding a new third-party package", "changing a public signature"]),
                        ("NEVER", ["write outside the workspace", "skip a failing test"])):
        out += [f"### {kind}", ""] + [f"- {x}" for x in items] + [""]
    out += ["## Tooling Constraints", ""]
    out += st.table(["Operation", "USE THIS", "NOT THIS"],
                    [["Parse input", "the standard json module", "hand-written string slicing"],
                     ["Run tests", "pytest", "ad hoc print checks"]])
    return _lines(out)


def d2(p: Plan, st) -> str:
    out = st.h1("D2", "Specification", p.name) + st.meta(
        [("Component", p.name), ("Package ID", f"PKG-{p.seed:04d}"), ("Spec Version", VERSION),
         ("Status", "Final"), ("Author", "synthetic generator"), ("Constitution", f"D1 v{VERSION}")])
    out += ["## Component Purpose" if st.name == "full" else "## Purpose", "",
            f"{p.name} keeps {len(p.tasks)} kinds of business records consistent while operators edit them.", ""]
    out += ["## What This Component Is NOT" if st.name == "full" else "## NOT", "",
            f"- {p.name} is NOT a reporting tool. It does not draw charts.",
            f"- {p.name} is NOT a message broker. It does not route traffic.",
            f"- {p.name} is NOT an identity service. It does not issue passwords.", ""]
    out += ["## User Scenarios" if st.name == "full" else "## Scenarios", ""]
    level = 4
    edge_started = False
    out += ["### Primary Scenarios" if st.name == "full" else "### Primary", ""]
    for s in p.scenarios:
        if s.edge and not edge_started:
            edge_started = True
            out += ["### Edge Cases and Failure Modes" if st.name == "full" else "### Edge Cases", ""]
        out += _head(st, level, s.id, s.title)
        out += [st.field("Priority", s.priority), st.field("Source", f"NEW — synthetic case {s.id[3:]}")]
        out += st.gwt(s.given, s.when, s.then)
        out += [st.field("Testing Approach", "a unit test drives the call and checks the stored state"), ""]
    out += ["## Deferred Capabilities", ""]
    for did, title in p.deferred:
        out += _head(st, 4, did, title, bare=True)
        out += _block(st, [("What", f"{title.lower()} from a spreadsheet"), ("Why Deferred", "no user asked for it yet"),
                           ("Trigger" if st.name == "full" else "Trigger to add", "a customer brings more than a thousand rows"),
                           ("Impact if Never Added", "records are entered one by one")])
    out += ["## Success Criteria", "", "- [ ] every scenario has a passing unit test",
            "- [ ] no record is lost across a restart", ""]
    out += ["## Clarification Markers" if st.name == "full" else "## Clarifications", "",
            "See D6 " + ", ".join(c[0] for c in p.clarifications)]
    return _lines(out)


def d3(p: Plan, st) -> str:
    out = st.h1("D3", "Data Model", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Status", "Final"), ("Shared Entities", "0")])
    out += ["## Entities", ""]
    for eid, name, src in p.entities:
        out += _head(st, 3, eid, f"{name} (PRIVATE)" if st.name == "full" else name, bare=True)
        out += _block(st, [("Scope", "PRIVATE"), ("Source", ", ".join(src)),
                           ("Description", f"one stored {name} row with its key and state")])
        out += st.table(["Field", "Type", "Required", "Description"],
                        [["id", "string", "yes", "stable key"], ["state", "string", "yes", "current state word"],
                         ["updated", "integer", "no", "logical clock of the last change"]]) + [""]
        out += [st.field("Invariants", "the id never changes once written"), ""]
    out += ["## Migration Notes", "", "Nothing to migrate: the store starts empty."]
    return _lines(out)


def d4(p: Plan, st) -> str:
    out = st.h1("D4", "Contracts", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Data Model", f"D3 v{VERSION}"), ("Status", "Final")])
    sections = {"IN": "Inbound Contracts", "OUT": "Outbound Contracts", "SIDE": "Side-Effect Contracts",
                "ERR": "Error Contracts"}
    extra = {"IN": [("Caller", "the operator console"), ("Trigger", "a request arrives")],
             "OUT": [("Consumer", "the operator console"), ("Response Shape", "D3 record with id and state")],
             "SIDE": [("Target System", "the local record store"), ("Write Shape", "one row per accepted request")],
             "ERR": [("Condition", "the request names an unknown record"), ("Caller Action", "fix the id and retry")]}
    for kind, heading in sections.items():
        out += [f"## {heading}", ""]
        for c in (c for c in p.contracts if c.kind == kind):
            out += _head(st, 4, c.id, c.title)
            out += _block(st, extra[kind] + [("Scenarios", ", ".join(c.scenarios))])
    out += ["## Error Code Enum", ""]
    out += st.table(["Code", "Meaning", "Retryable"], [[code, meaning, "no"] for code, meaning in p.error_codes])
    return _lines(out)


def d5(p: Plan, st) -> str:
    out = st.h1("D5", "Research", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Status", "Complete"), ("Open Questions", "0")])
    out += ["## Research Log", ""]
    for rid, title in p.research:
        out += _head(st, 4, rid, title, bare=True)
        out += _block(st, [("Priority", "Informational"), ("Findings", "a sorted list is enough at this size"),
                           ("Decision", "keep a sorted list"), ("Rationale", "simple and fast enough")])
    out += ["## Prior Art Review", "", "Plain files with one record per line have served similar tools well."]
    return _lines(out)


def d6(p: Plan, st) -> str:
    out = st.h1("D6", "Gap Analysis", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Status", "Complete"), ("Shared Gaps", "0"),
         ("Private Gaps", str(len(p.gaps))), ("Unresolved", "0")])
    out += ["## Boundary Analysis", ""]
    for n, cat in enumerate(("Data In", "Data Out", "Persistence", "Auth/Authz", "External Services",
                             "Configuration", "Error Propagation", "Observability", "Resource Accounting"), 1):
        out += [f"### {n}. {cat}", ""]
        out += st.table(["Boundary", "Classification", "Status"], [[f"{cat} surface", "PRIVATE", "RESOLVED"]])
        out += ["", st.field("Gaps found", "None."), ""]
    out += ["## Gap Register", ""]
    for gid, title, status in p.gaps:
        out += _head(st, 3, gid, f"{title} ({status})" if st.name == "full" else title)
        out += _block(st, [("Category", "Data In"), ("Shared?", "NO"),
                           ("Resolution", f"{status} — the plan fixes the field order")])
    out += ["## Clarification Log", ""]
    for cid, title, status in p.clarifications:
        out += _head(st, 4, cid, title, bare=True)
        out += _block(st, [("Found During", "D2"), ("Question", f"{title}?"), ("Status", status), ("Blocks", "No")])
    out += ["## Summary", "", "Gate verdict: PASS — every item is settled."]
    return _lines(out)


def d7(p: Plan, st) -> str:
    out = st.h1("D7", "Plan", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Status", "Final"),
         ("Constitution", f"D1 v{VERSION}"), ("Gap Analysis", "D6 PASS (0 open)")])
    out += ["## Summary", "", f"{len(p.components)} small modules, each owning a slice of the records.", ""]
    out += ["## Technical Context", ""]
    out += st.table(["Dimension", "Value"], [["Language/Version", "Python 3.11+"], ["Storage", "local files"]]) + [""]
    out += ["## Architecture Overview", "", "### Component Responsibilities", ""]
    for name, path, implements in p.components:
        fields = [("Responsibility", f"owns the records of {name}"), ("Implements", ", ".join(implements)),
                  ("Depends On", "the standard library"), ("Exposes", f"`{name.lower()}.handle(request) -> dict`")]
        if st.name == "full":
            out += [f"#### {name} (`{path}`)", ""] + _block(st, fields)
        else:
            out += [f"**`{path}`**"] + _block(st, [("File", f"`{path}`")] + fields)
    out += ["### File Creation Order", "", "```text", "src/synthetic/"]
    out += [f"  {path.rsplit('/', 1)[1]}" for _, path, _ in p.components] + ["```", ""]
    out += ["### Testing Strategy", "", "- Unit Tests: one test file per module, no mocks"]
    return _lines(out)


def d8(p: Plan, st) -> str:
    out = st.h1("D8", "Tasks", p.name) + st.meta(
        [("Component", p.name), ("Plan Version", f"D7 v{VERSION}"), ("Status", "Final"),
         ("Total Tasks", str(len(p.tasks))), ("Parallel Opportunities", "many")])
    out += ["## MVP Scope", "", "All P0 and P1 scenarios are in scope.", ""]
    if st.name != "full":
        out += ["## Tasks", "", "Phases: " + ", ".join(f"{i}={n}" for i, n in enumerate(PHASE_NAMES)), ""]
    phase = -1
    for t in p.tasks:
        if t.phase != phase:
            phase = t.phase
            out += st.phase_heading(phase, PHASE_NAMES[phase])
        out += _head(st, 4 if st.name == "full" else 3, t.id, t.title)
        out += [st.field("Phase", f"{t.phase} — {PHASE_NAMES[t.phase]}"),
                st.field("Dependency", ", ".join(t.deps) if t.deps else "None"),
                st.field("Scope", "S"),
                st.field("Scenarios Satisfied", "D2 " + ", ".join(t.scenarios)),
                st.field("Contracts Implemented", "D4 " + ", ".join(t.contracts))]
        out += st.numbered("Acceptance Criteria", t.criteria) + [""]
    out += ["## Summary", "", f"Total: {len(p.tasks)} tasks in {p.phases} phases."]
    return _lines(out)


def d10(p: Plan, st) -> str:
    out = st.h1("D10", "Agent Context", p.name) + st.meta([("Component", p.name), ("Updated", DATE)])
    out += ["## What This Project Does", "", f"{p.name} stores business records and keeps their states consistent.", ""]
    out += ["## Commands", "", "```bash", "# run every unit test", "python -m pytest -q",
            "# run one module's tests", "python -m pytest tests/test_mod_001.py -q", "```", ""]
    out += ["## Tool Rules", ""]
    out += st.table(["USE THIS", "NOT THIS", "WHY"], [["pytest", "manual checks", "repeatable evidence"]]) + [""]
    out += ["## Coding Conventions", "", "- Python 3.11+, type hints on public functions"]
    return _lines(out)


BUILDER_DOCS = {"D1": d1, "D2": d2, "D3": d3, "D4": d4, "D5": d5, "D6": d6, "D7": d7, "D8": d8, "D10": d10}


def render_builder_docs(p: Plan) -> dict[str, str]:
    """Text of every builder-visible document, by code (D9 is separate)."""
    st = STYLES[p.style]
    return {code: fn(p, st) for code, fn in BUILDER_DOCS.items()}
