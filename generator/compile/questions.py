"""The 13 gate questions of an agent prompt and their expected answers.

Questions 1–10 are built from the task's own inputs (scope 1–3, technical
4–6, packaging 7–8, test count 9, integration 10), so two tasks with
different inputs get different questions. 11–13 come from the adversarial
set chosen in the config. Answers are taken from the spec, with sources.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from generator.compile.inputs import Piece, Ref, TaskInputs
from generator.compile.sections import _memo

ADVERSARIAL_SETS = ("genesis", "infrastructure")
_COUNT_RE = re.compile(r"(\d+)\s*\+?\s*(?:\w+\s+){0,2}tests?\b|tests?\W{0,3}(\d+)\s*\+?", re.IGNORECASE)


class Question(NamedTuple):
    """One gate question (a named tuple: 13 are made per task, and tuples cost least to make)."""

    number: int
    category: str
    text: str
    answer: tuple[str, ...]
    sources: tuple[str, ...]


def _ids(refs: tuple[Ref, ...] | tuple[str, ...]) -> str:
    if not refs:
        return "none"
    return ", ".join([r.id for r in refs] if isinstance(refs[0], Ref) else refs)


def _srcs(*groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}  # first mention wins, in order
    for g in groups:
        for r in g:
            s = r.source if r.__class__ is Ref or isinstance(r, Ref) else r
            if s:
                seen[s] = None
    return tuple(seen)


def _fields(r: Ref) -> list[str]:
    out = [f"{k}: {v}" for k, v in r.fields]
    out += ["; ".join(f"{k}: {v}" for k, v in row if v) for row in r.rows]
    return out


def _scope(t: TaskInputs) -> list[Question]:
    tid, title = t.task.id, t.task.title
    q1 = Question(
        1,
        "scope",
        f"What does {tid} ({title}) deliver, and which D2 scenarios ({_ids(t.scenarios)}) does it satisfy?",
        (f"{tid}: {title}", *[f"{k}: {v}" for k, v in t.task.fields], *[f"{s.id}: {s.title}" for s in t.scenarios]),
        _srcs([t.task], t.scenarios),
    )
    neighbours = ", ".join([*t.depends_on, *t.dependents]) or "no other task"
    q2 = Question(
        2,
        "scope",
        f"What is outside {tid}? Name what the spec says {t.component or t.spec_name} is not, "
        f"and what the neighbouring tasks ({neighbours}) own instead.",
        (
            *_memo("not lines", t.not_list, _not_lines),
            f"before {tid}: {_ids(t.depends_on)}",
            f"after {tid}: {_ids(t.dependents)}",
        ),
        _srcs(t.not_list[:1], [t.task]),
    )
    if t.scenarios:
        s = t.scenarios[0]
        q3 = Question(
            3,
            "scope",
            f"In {s.id} ({s.title}), given {s.get('given') or 'its starting state'}, "
            f"when {s.get('when') or 'it is exercised'}: what must hold afterwards?",
            tuple([f"{k}: {v}" for k, v in s.fields if k in ("then", "and")]) or ("the scenario states no outcome",),
            (s.source,),
        )
    else:
        q3 = Question(
            3,
            "scope",
            f"{tid} names no D2 scenario. Which of its acceptance criteria says when it is done?",
            t.criteria or ("the task lists no acceptance criteria",),
            _srcs([t.task]),
        )
    return [q1, q2, q3]


def _technical(t: TaskInputs) -> list[Question]:
    tid = t.task.id
    if t.contracts:
        c = t.contracts[0]
        q4 = Question(
            4,
            "technical",
            f"Which D4 contracts does {tid} implement ({_ids(t.contracts)}), and what does {c.id} ({c.title}) take and give back?",
            (*[f"{r.id}: {r.title}" for r in t.contracts], *_fields(c)),
            _srcs(t.contracts),
        )
    else:
        q4 = Question(
            4,
            "technical",
            f"{tid} implements no D4 contract. Which existing interface does it touch, and how will you avoid inventing one?",
            ("the spec names no contract for this task", *(f"{k}: {v}" for r in t.components for k, v in r.fields if k == "exposes")),
            _srcs([t.task]),
        )
    if t.entities:
        e = t.entities[0]
        q5 = Question(
            5,
            "technical",
            f"Which D3 entities does {tid} use ({_ids(t.entities)}), and which fields of {e.id} ({e.title}) are required?",
            (*[f"{r.id}: {r.title}" for r in t.entities], *_fields(e)),
            _srcs(t.entities),
        )
    else:
        q5 = Question(
            5,
            "technical",
            f"{tid} uses no D3 entity directly. What data do its scenarios ({_ids(t.scenarios)}) pass in and out?",
            ("the spec ties no entity to this task", *(f"{s.id} then: {s.get('then')}" for s in t.scenarios)),
            _srcs(t.scenarios, [t.task]),
        )
    files = ", ".join(t.files) or "none named"
    q6 = Question(
        6,
        "technical",
        f"Where does the code for {tid} live (files: {files}), and what does each part expose?",
        tuple(f"{c.id}: " + "; ".join(f"{k}: {v}" for k, v in c.fields) for c in t.components)
        or ("the D7 plan assigns no file to this task; ask before creating one",),
        _srcs(t.components) or _srcs([t.task]),
    )
    return [q4, q5, q6]


def _packaging(t: TaskInputs) -> list[Question]:
    tid = t.task.id
    tech = t.piece("technical_context")
    order = t.piece("file_order")
    q7 = Question(
        7,
        "packaging",
        f"Which dependencies and tools may {tid}'s work ({', '.join(t.files) or 'its files'}) use, "
        "by the plan's technical context and the constitution's tooling rules?",
        (*(_memo("text lines", tech, _text_lines) if tech and tech.text else ()), *_memo("tool uses", t.tooling, _tool_uses))
        or ("the spec states no dependency or tooling rule",),
        _srcs([tech.source] if tech and tech.text else [], t.tooling),
    )
    deps = [f"{c.id} depends on {c.get('depends_on')}" for c in t.components if c.get("depends_on")]
    order_lines = [line.strip() for line in (order.text.splitlines() if order else []) if line.strip()]
    q8 = Question(
        8,
        "packaging",
        f"In what order are {tid}'s files created, and what does package {t.package_id or t.spec_name} need before them?",
        tuple(order_lines + deps) or ("the plan gives no creation order for this task's files",),
        _srcs([order.source] if order and order.text else [], t.components),
    )
    return [q7, q8]


# Lines from spec-wide pieces, formatted once per build (see sections._memo).


def _not_lines(not_list: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple([f"not: {n.title}" for n in not_list])


def _out_of_scope(not_list: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple([f"out of scope: {n.title}" for n in not_list])


def _text_lines(piece: Piece) -> tuple[str, ...]:
    return tuple([line for line in piece.text.splitlines() if line.strip()])


def _tool_uses(tooling: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple([f"{r.id}: use {r.get('use')}; avoid {r.get('avoid')}" for r in tooling])


def minimum_tests(t: TaskInputs) -> int:
    """The larger of a count the criteria state ("10+ tests") and one test per scenario."""
    stated = _stated_counts(tuple(t.criteria))
    return max([len(t.scenarios), *stated]) if (stated or t.scenarios) else 0


@lru_cache(maxsize=64)
def _stated_counts(criteria: tuple[str, ...]) -> tuple[int, ...]:
    """Test counts the criteria state (remembered: the handoff and question 9 both ask).

    Both ways of stating a count hold "test", in any case: a criterion whose
    case fold has no "test" in it is not searched (the fold of every letter
    the pattern takes for t, e or s is that letter).
    """
    return tuple(int(a or b) for c in criteria if "test" in c.casefold() for a, b in _COUNT_RE.findall(c))


def _tests(t: TaskInputs) -> Question:
    tid = t.task.id
    n = minimum_tests(t)
    return Question(
        9,
        "tests",
        f"How many tests will {tid} have at least, and which of {_ids(t.scenarios)} or its "
        f"{len(t.criteria)} acceptance criteria does each one cover?",
        (f"at least {n}" if n else "the spec states no test count", *(f"{s.id}: {s.title}" for s in t.scenarios))
        + tuple(c for c in t.criteria if "test" in c.lower()),
        _srcs([t.task], t.scenarios),
    )


def _integration(t: TaskInputs) -> Question:
    tid = t.task.id
    side = [c for c in t.contracts if c.id.startswith(("SIDE", "OUT"))]
    return Question(
        10,
        "integration",
        f"How does {tid} connect to the rest: what do {_ids(t.depends_on)} give it, what do "
        f"{_ids(t.dependents)} expect from it, and which outputs or side effects ({_ids(tuple(side))}) does it cause?",
        (
            f"depends on: {_ids(t.depends_on)}",
            f"needed by: {_ids(t.dependents)}",
            *(f"{c.id}: {c.title}" + "".join(f"; {k}: {v}" for k, v in c.fields) for c in side),
        ),
        _srcs([t.task], side),
    )


def _adversarial(t: TaskInputs, kind: str) -> list[Question]:
    tid = t.task.id
    missing = t.missing or ()
    if kind == "infrastructure":
        first = (
            f"Likely failure: if a check of {tid}'s work fails, which file in its scope "
            f"({', '.join(t.files) or 'as the plan names it'}) is the first suspect, and why?",
            (*(f"candidate: {f}" for f in t.files), "judge: the answer names a file and a concrete reason"),
        )
        second = (
            f"Shortcut check: is there a command or tool the spec prescribes for {tid} that you are "
            "tempted to replace with an ad-hoc shell command? Say why you will not.",
            (*(f"prescribed: use {r.get('use')} (not {r.get('avoid')})" for r in t.tooling + t.tool_rules),)
            or ("the spec prescribes no tool; the answer should say so",),
        )
    else:
        first = (
            f"Missing ground: what does {tid} rely on that does not exist yet, and how will you work "
            "without it and without building a stand-in of your own?",
            (f"prerequisite tasks: {_ids(t.depends_on)}", *(f"named but undefined in the spec: {m}" for m in missing)),
        )
        second = (
            f"Scope creep: which part of your plan for {tid} comes closest to general-purpose "
            "infrastructure rather than the task's own deliverable, and why does it belong here?",
            _memo("out of scope", t.not_list, _out_of_scope) or ("the spec lists no exclusions",),
        )
    third = (
        f"Word check: pick one word in your plan for {tid} that two readers could take differently, and define it precisely.",
        ("judge: the definition agrees with the terms of D2 and D3",),
    )
    return [
        Question(11, "adversarial", first[0], first[1], ()),
        Question(12, "adversarial", second[0], second[1], ()),
        Question(13, "adversarial", third[0], third[1], ()),
    ]


def questions(t: TaskInputs, adversarial: str = "genesis") -> list[Question]:
    """The 13 questions for one task, numbered 1..13."""
    if adversarial not in ADVERSARIAL_SETS:
        raise ValueError(f"unknown adversarial set {adversarial!r}")
    return [*_scope(t), *_technical(t), *_packaging(t), _tests(t), _integration(t), *_adversarial(t, adversarial)]
