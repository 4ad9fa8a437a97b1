"""The ten handoff sections and where each one's content comes from.

Sources are computed here, not in the template, so `handoff.toml` records
them whatever wording a project's templates use.
"""

from __future__ import annotations

from generator.compile.inputs import Piece, Ref, TaskInputs

SECTIONS: tuple[tuple[str, str], ...] = (
    ("mission", "Mission"),
    ("constraints", "Critical Constraints"),
    ("architecture", "Architecture"),
    ("steps", "Implementation Steps"),
    ("package", "Package Plan"),
    ("tests", "Test Plan"),
    ("existing", "Existing Code"),
    ("verification", "End-to-End Verification"),
    ("files", "Files Summary"),
    ("principles", "Design Principles"),
)


def _s(*groups) -> tuple[str, ...]:
    out: list[str] = []
    for g in groups:
        for r in g:
            if isinstance(r, Piece):
                s = r.source if r.text.strip() else ""
            elif isinstance(r, Ref):
                s = r.source
            else:
                s = r
            if s and s not in out:
                out.append(s)
    return tuple(out)


def _p(t: TaskInputs, name: str) -> list[Piece]:
    p = t.piece(name)
    return [p] if p else []


def section_sources(t: TaskInputs) -> dict[str, tuple[str, ...]]:
    """Section key → the `doc:line` places its content is taken from (empty: nothing)."""
    task = [t.task]
    return {
        "mission": _s(task),
        "constraints": _s(t.articles, t.boundaries, t.conventions[:1]),
        "architecture": _s(_p(t, "architecture"), t.components),
        "steps": _s(task) if t.criteria else (),
        "package": _s(_p(t, "technical_context"), _p(t, "file_order")) + (() if t.package_id else ()),
        "tests": _s(t.scenarios, _p(t, "testing_strategy")),
        "existing": _s(t.existing[:1]),
        "verification": _s(_p(t, "commands")),
        "files": _s(_p(t, "file_order"), t.components) if t.files else (),
        "principles": _s(t.articles, t.tooling, t.tool_rules),
    }
