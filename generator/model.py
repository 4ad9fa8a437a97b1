"""Typed spec entities: the middle layer between the raw parse and the registry.

Every item remembers where it was defined (`Source`: document file name and
1-based line) so that diagnostics and generated text can point back at the
spec. Reference lists keep the line of the field they were read from in
`ref_lines`, keyed by field name, so a dangling reference can be reported as
``D8_TASKS.md:57: T-004 depends on unknown task T-099``.

Ids are kept as written (``GAP-1`` stays ``GAP-1``); compare them with
`generator.spec.ids.id_key` which orders numerically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The ten documents, keyed by their short code. File names are fixed.
DOCUMENTS: dict[str, str] = {
    "D1": "D1_CONSTITUTION.md",
    "D2": "D2_SPECIFICATION.md",
    "D3": "D3_DATA_MODEL.md",
    "D4": "D4_CONTRACTS.md",
    "D5": "D5_RESEARCH.md",
    "D6": "D6_GAP_ANALYSIS.md",
    "D7": "D7_PLAN.md",
    "D8": "D8_TASKS.md",
    "D9": "D9_HOLDOUT_SCENARIOS.md",
    "D10": "D10_AGENT_CONTEXT.md",
}

BUILDER_VISIBLE_DOCS = tuple(k for k in DOCUMENTS if k != "D9")

CONTRACT_KINDS = ("IN", "OUT", "SIDE", "ERR")


@dataclass(frozen=True, order=True)
class Source:
    """Where an item was defined: document file name and 1-based line."""

    doc: str
    line: int

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass
class Diagnostic:
    """One problem found while reading or checking a spec.

    `path` is the file the problem is in (relative to the spec dir when it is
    a spec document), `line` 1-based or 0 when the problem is about a whole
    file. `severity` is "error" or "warning".
    """

    path: str
    line: int
    message: str
    severity: str = "error"
    check: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        tag = "" if self.severity == "error" else "warning: "
        return f"{where}: {tag}{self.message}"


@dataclass
class Document:
    """One D document as read from disk, before interpretation."""

    code: str  # "D1".."D10"
    filename: str
    path: Path
    present: bool
    text: str = ""
    title: str = ""  # H1 text
    component: str = ""  # component named in the H1, if any
    meta: dict[str, str] = field(default_factory=dict)  # normalised keys (lower, spaces)
    meta_line: int = 0
    digest: str = ""  # sha256 of the raw bytes


@dataclass
class Section:
    """A heading-delimited part of a document, with its plain text."""

    title: str
    level: int
    text: str
    source: Source
    children: list["Section"] = field(default_factory=list)


@dataclass
class Article:
    number: int
    title: str
    rule: str = ""
    why: str = ""
    test: str = ""
    violations: str = ""
    source: Source | None = None


@dataclass
class BoundaryItem:
    kind: str  # "ALWAYS" | "ASK FIRST" | "NEVER"
    text: str
    source: Source | None = None


@dataclass
class ToolRule:
    operation: str
    use: str
    avoid: str
    why: str = ""
    source: Source | None = None


@dataclass
class Constitution:
    version: str = ""
    articles: list[Article] = field(default_factory=list)
    boundaries: list[BoundaryItem] = field(default_factory=list)
    tooling: list[ToolRule] = field(default_factory=list)
    workflow: list[str] = field(default_factory=list)


@dataclass
class Scenario:
    id: str
    title: str = ""
    priority: str = ""  # "P0".."P3" or "" when missing
    given: str = ""
    when: str = ""
    then: str = ""
    and_: list[str] = field(default_factory=list)
    testing_approach: str = ""
    origin: str = ""  # the scenario's "Source:" field
    kind: str = "primary"  # "primary" | "edge"
    source: Source | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Deferred:
    id: str
    title: str = ""
    what: str = ""
    why: str = ""
    trigger: str = ""
    impact: str = ""
    source: Source | None = None


@dataclass
class Marker:
    """A `[NEEDS CLARIFICATION]` marker or a pointer to a D6 clarification."""

    text: str
    refs: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass
class Specification:
    purpose: str = ""
    not_list: list[str] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    success_criteria: list[str] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)


@dataclass
class Entity:
    id: str
    name: str = ""
    scope: str = ""  # "SHARED" | "PRIVATE" | ""
    description: str = ""
    fields: list[dict[str, str]] = field(default_factory=list)  # table rows
    invariants: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)  # from its Source field
    source: Source | None = None
    ref_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Contract:
    id: str
    kind: str  # "IN" | "OUT" | "SIDE" | "ERR" (from the id prefix)
    title: str = ""
    scenarios: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # Caller, Trigger, …
    shape: list[dict[str, str]] = field(default_factory=list)  # request/response table rows
    source: Source | None = None
    ref_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ErrorCode:
    code: str
    meaning: str = ""
    retryable: str = ""
    source: Source | None = None


@dataclass
class ResearchQuestion:
    id: str
    title: str = ""
    priority: str = ""
    findings: str = ""
    decision: str = ""
    rationale: str = ""
    source: Source | None = None


@dataclass
class Gap:
    id: str
    title: str = ""
    status: str = ""  # "OPEN" | "RESOLVED" | "ASSUMED" | ""
    category: str = ""
    shared: str = ""
    resolution: str = ""
    source: Source | None = None


@dataclass
class Clarification:
    id: str
    title: str = ""
    status: str = ""  # "OPEN" | "RESOLVED" | "ASSUMED" | ""
    question: str = ""
    resolution: str = ""
    blocks: str = ""
    source: Source | None = None


@dataclass
class Component:
    """A D7 component (a module or file the plan names)."""

    name: str
    file: str = ""
    responsibility: str = ""
    implements: list[str] = field(default_factory=list)  # SC/IN/OUT/…/E ids
    depends_on: str = ""
    exposes: str = ""
    source: Source | None = None


@dataclass
class Plan:
    summary: str = ""
    technical_context: str = ""
    architecture: str = ""
    components: list[Component] = field(default_factory=list)
    file_order: str = ""  # the file creation order block, verbatim
    files: list[str] = field(default_factory=list)  # paths named in file_order
    testing_strategy: str = ""
    sections: list[Section] = field(default_factory=list)


@dataclass
class Task:
    id: str
    title: str = ""
    phase: str = ""  # as written, e.g. "0 — Foundation"
    depends_on: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    acceptance_criteria: list[str] = field(default_factory=list)
    description: str = ""  # free prose under the task, if any
    scope: str = ""
    parallel: str = ""
    scenarios_text: str = ""  # the raw field values, for "All …" phrases
    contracts_text: str = ""
    source: Source | None = None
    ref_lines: dict[str, int] = field(default_factory=dict)  # "depends_on"/"scenarios"/"contracts" → line


@dataclass
class TaskSummaryRow:
    """One row of D8's Summary table, kept to be compared with the task's own block."""

    task: str
    phase: str = ""
    scope: str = ""
    parallel: str = ""
    ids: list[str] = field(default_factory=list)  # every id in the Scenarios (and Contracts) cells, expanded
    dependencies: list[str] | None = None  # None when the table has no dependency column
    source: Source | None = None


@dataclass
class HoldoutStep:
    """One bash step of an executable holdout (Setup/Execute/Verify/Cleanup)."""

    name: str  # "setup" | "execute" | "verify" | "cleanup"
    script: str
    source: Source | None = None


@dataclass
class Holdout:
    id: str
    title: str = ""
    priority: str = ""
    validates: list[str] = field(default_factory=list)  # D2 scenario ids
    contracts: list[str] = field(default_factory=list)  # D4 contract ids
    form: str = "executable"  # "executable" | "behavioural" | "stub"
    category: str = ""
    steps: list[HoldoutStep] = field(default_factory=list)
    behaviour: dict[str, Any] = field(default_factory=dict)  # the YAML, for behavioural
    verify_table: list[dict[str, str]] = field(default_factory=list)
    text: str = ""  # the scenario's whole markdown, for the leak guard and evaluators
    source: Source | None = None
    ref_lines: dict[str, int] = field(default_factory=dict)

    def step(self, name: str) -> HoldoutStep | None:
        for s in self.steps:
            if s.name == name:
                return s
        return None


@dataclass
class CoverageRow:
    scenario: str
    priority: str = ""
    holdouts: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass
class Holdouts:
    holdouts: list[Holdout] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    run_protocol: dict[str, str] = field(default_factory=dict)


@dataclass
class AgentContext:
    sections: list[Section] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # bash lines, comments kept
    command_blocks: list[str] = field(default_factory=list)  # fenced blocks verbatim
    tool_rules: list[ToolRule] = field(default_factory=list)
    conventions: list[str] = field(default_factory=list)
    key_patterns: list[str] = field(default_factory=list)
    components: list[dict[str, str]] = field(default_factory=list)  # Active Components rows


@dataclass
class ProductSpec:
    """The whole spec: documents, typed entities and what reading them found."""

    spec_dir: Path
    name: str  # the spec directory's name: the spec's identity
    documents: dict[str, Document] = field(default_factory=dict)  # by code
    component_name: str = ""
    package_id: str = ""
    constitution: Constitution = field(default_factory=Constitution)
    specification: Specification = field(default_factory=Specification)
    entities: list[Entity] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    error_codes: list[ErrorCode] = field(default_factory=list)
    research: list[ResearchQuestion] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    clarifications: list[Clarification] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    tasks: list[Task] = field(default_factory=list)
    task_summary: list[TaskSummaryRow] = field(default_factory=list)  # D8 Summary table rows
    holdouts: Holdouts = field(default_factory=Holdouts)
    agent_context: AgentContext = field(default_factory=AgentContext)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # from parsing

    @property
    def scenarios(self) -> list[Scenario]:
        return self.specification.scenarios

    def doc_present(self, code: str) -> bool:
        d = self.documents.get(code)
        return bool(d and d.present)


# ---------------------------------------------------------------------------
# Results (seed D3 E-002, E-005, E-006, E-007). Field names are the seed's.


@dataclass
class CheckResult:
    check_name: str
    status: str  # "PASS" | "FAIL"
    message: str
    details: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"check_name": self.check_name, "status": self.status, "message": self.message}
        if self.details:
            d["details"] = list(self.details)
        return d


@dataclass
class ValidationResult:
    status: str  # "PASS" | "FAIL"
    spec_dir: str
    component_name: str | None
    checks: list[CheckResult]
    summary: dict[str, int] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)  # not in JSON

    @property
    def ok(self) -> bool:
        return self.status == "PASS"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "spec_dir": self.spec_dir,
            "component_name": self.component_name,
            "checks": [c.to_dict() for c in self.checks],
            "summary": self.summary,
        }


@dataclass
class DispatchRecord:
    dispatch_id: str
    handoff_id: str
    task_id: str
    timestamp_dispatched: str
    status: str  # DISPATCHED | COMPLETED | FAILED | BLOCKED (+ AWAITING_APPROVAL, DISPATCH_FAILED, INTERRUPTED)
    timestamp_completed: str | None = None
    results_path: str | None = None
    error: str | None = None
    tokens_used: int | None = None
    # Beyond the seed: useful for the report, optional in the ledger.
    attempt: int = 1
    turn: str = "build"  # "gate" | "build"
    cost_usd: float | None = None
    session_id: str | None = None
    duration_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class HoldoutResult:
    holdout_id: str
    priority: str
    status: str  # PASS | FAIL | ERROR
    validates_scenarios: list[str]
    validates_contracts: list[str]
    responsible_task: str
    actual_output: str | None = None
    expected_output: str | None = None
    error_message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class FactoryReport:
    spec_dir: str
    component_name: str
    validation: ValidationResult
    dispatches: list[DispatchRecord]
    holdouts: list[HoldoutResult]
    verdict: str  # ACCEPT | REJECT | PARTIAL
    verdict_reason: str
    total_tokens: int
    total_duration_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec_dir": self.spec_dir,
            "component_name": self.component_name,
            "validation": self.validation.to_dict(),
            "dispatches": [d.to_dict() for d in self.dispatches],
            "holdouts": [h.to_dict() for h in self.holdouts],
            "verdict": self.verdict,
            "verdict_reason": self.verdict_reason,
            "total_tokens": self.total_tokens,
            "total_duration_ms": self.total_duration_ms,
        }
