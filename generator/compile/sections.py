"""The ten handoff sections and where each one's content comes from.

Sources are computed here, not in the template, so `handoff.toml` records
them whatever wording a project's templates use.
"""

from __future__ import annotations

from generator.compile.inputs import Piece, Ref, TaskInputs
from generator.compile.templating import block, places, test_name, with_blocks

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
    out: dict[str, None] = {}  # first mention wins, in order
    for g in groups:
        for r in g:
            c = r.__class__
            if c is Ref:
                s = r.source
            elif c is Piece or isinstance(r, Piece):
                s = r.source if r.text.strip() else ""
            elif isinstance(r, Ref):
                s = r.source
            else:
                s = r
            if s:
                out[s] = None
    return tuple(out)


def _constraint_sources(articles: tuple[Ref, ...], boundaries: tuple[Ref, ...], conventions: tuple[Ref, ...]):
    return _s(articles, boundaries, conventions[:1])


def _p(t: TaskInputs, name: str) -> list[Piece]:
    p = t.piece(name)
    return [p] if p else []


def section_sources(t: TaskInputs) -> dict[str, tuple[str, ...]]:
    """Section key → the `doc:line` places its content is taken from (empty: nothing)."""
    task = [t.task]
    return {
        "mission": _s(task),
        "constraints": _memo_all("constraints", (t.articles, t.boundaries, t.conventions), _constraint_sources),
        "architecture": _s(_p(t, "architecture"), t.components),
        "steps": _s(task) if t.criteria else (),
        "package": _s(_p(t, "technical_context"), _p(t, "file_order")) + (() if t.package_id else ()),
        "tests": _s(t.scenarios, _p(t, "testing_strategy")),
        "existing": _s(t.existing[:1]),
        "verification": _s(_p(t, "commands")),
        "files": _s(_p(t, "file_order"), t.components) if t.files else (),
        "principles": _memo_all("principles", (t.articles, t.tooling, t.tool_rules), _s),
    }


# --- the per-item lines of a handoff ------------------------------------------------
#
# Lists (articles, scenarios, components, files …) are formatted here, once per
# item, and handed to the template as finished lines: a Jinja loop with method
# calls and filters per item costs far more than the same f-string, and items
# such as the articles are shared by every task. The wording of each line is
# the default template's; the headings, sentences and layout stay in the
# template, and every value the lines are made from stays available to it.

# The words those lines add to every handoff besides the values (the leak guard
# counts them with the templates' own wording).
ITEM_WORDING = "no rule text; depends on; phase, scope, parallel; nothing in the spec; use, not; none; given, when, then, and, testing"

_MEMO: dict[tuple, tuple[object, object]] = {}
_MEMO_MAX = 1 << 15


def _memo(kind: str, obj, make):
    """`make(obj)`, remembered while `obj` lives (keyed by identity; the entry is the one
    `_memo_all` makes for `(obj,)`)."""
    key = (kind, id(obj))
    hit = _MEMO.get(key)
    if hit is not None and hit[0][0] is obj:
        return hit[1]
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    value = make(obj)
    _MEMO[key] = ((obj,), value)
    return value


def _memo_all(kind: str, objs: tuple, make):
    """`make(*objs)`, remembered while the objects live (the memo keeps them, so
    their ids stay theirs): values made from spec-wide pieces, once per build."""
    key = (kind, *map(id, objs))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] == objs:  # the same objects: compared by identity first
        return hit[1]
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    value = make(*objs)
    _MEMO[key] = (objs, value)
    return value


def _article_lines(articles: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(
        f"{n}. **{a.id}{f' — {a.title}' if a.title else ''}** ({a.source}): {a.get('rule') or 'no rule text'}"
        for n, a in enumerate(articles, 1)
    )


def _why_lines(articles: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"- {a.id}{f' ({a.title})' if a.title else ''}: {a.get('why')}" for a in articles if a.get("why"))


def tool_rule_text(r: Ref) -> str:
    """A D1/D10 tool rule as one line: what to use, what not to, and why."""
    use, avoid, why = r.get("use"), r.get("avoid"), r.get("why")
    head = f"{r.title} — USE: " if r.title else "USE: "
    return f"{head}{use}{f'; NOT: {avoid}' if avoid else ''}{f' ({why})' if why else ''}"


def _tool_lines(rules: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple([f"- {tool_rule_text(r)}" for r in rules])


def mandatory_rules(t: TaskInputs) -> list[str]:
    """The prompt's rules: this spec's own articles, NEVER/ASK FIRST boundaries and tool rules
    (each part formatted once per build: most tasks share their articles, all share the rest)."""
    return list(rules_of(t.articles, t.boundaries, t.tooling, t.tool_rules))


def rules_of(articles: tuple[Ref, ...], boundaries: tuple[Ref, ...], tooling: tuple[Ref, ...],
             tool_rules: tuple[Ref, ...]) -> tuple[str, ...]:
    return (
        *_memo("article rules", articles, _article_rules),
        *_memo("boundary rules", boundaries, _boundary_rules),
        *_memo("tool rules", tooling, _tool_rules),
        *_memo("tool rules", tool_rules, _tool_rules),
    )


def _article_rules(articles: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"{a.id}{f' ({a.title})' if a.title else ''}: {a.get('rule')}" for a in articles if a.get("rule"))


def _boundary_rules(boundaries: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"{b.id}: {b.title}" for b in boundaries if b.id.upper() in ("NEVER", "ASK FIRST"))


def _tool_rules(rules: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(tool_rule_text(r) for r in rules if r.get("use"))


def _component_row(c: Ref) -> str:
    return f"| {c.title} | {c.get('file')} | {c.get('responsibility')} | {', '.join(c.refs)} | {c.get('exposes')} |"


def _scenario_lines(s: Ref) -> str:
    return "\n".join(scenario_rows(s))


def scenario_rows(s: Ref) -> list[str]:
    """A scenario's lines in the test plan: its test name and id, then its steps."""
    prio = ""
    for k, v in s.fields:
        if k == "priority":
            prio = v
            break
    head = f"- `{test_name(s.id, s.title)}` — {s.id}{f' {s.title}' if s.title else ''}{f' ({prio})' if prio else ''}, {s.source}"
    return [head, *[f"  - {k}: {v}" for k, v in s.fields if k in _STEPS]]


_STEPS = frozenset(("given", "when", "then", "and", "testing"))


def _existing_lines(rows: tuple[Ref, ...]) -> tuple[str, ...]:
    cols = [k for k, _ in rows[0].fields]
    return (f"| {' | '.join(cols)} |", "|" + "---|" * len(cols), *(f"| {' | '.join(v for _, v in r.fields)} |" for r in rows))


def _file_line(f: str, components: tuple[Ref, ...]) -> str:
    base = f.split("/")[-1]
    names = []
    for c in components:
        file = c.get("file")
        if file and (file.endswith(base) or f.endswith(file.strip("`"))):
            names.append(c.title)
    return f"| `{f}` | {', '.join(names)} |"


# The plan and agent-context pieces a handoff shows, looked up once for the template.
PIECES = ("architecture", "technical_context", "file_order", "testing_strategy", "commands")

# The lists above that the default handoff template prints as blocks: the task's
# own, and those made from spec-wide pieces (the same tuple in most tasks, so
# their blocks are joined once per build).
LISTS = ("sections", "mission", "components", "criteria", "depends", "tests", "files")
SHARED_LISTS = ("articles", "boundaries", "conventions", "existing", "why", "tooling")


def handoff_items(t: TaskInputs, sources: dict[str, tuple[str, ...]]) -> dict:
    """The handoff template's finished lines and values (see the note above)."""
    where = {key: places(s) for key, s in sources.items()}
    task = t.task
    items = {
        "places": where,
        "sections": section_rows(where),
        "trace": trace(t),
        "description": task.get("description"),
        "mission": mission_lines(task),
        "articles": _memo("articles", t.articles, _article_lines),
        "boundaries": _memo("boundaries", t.boundaries, _boundary_lines),
        "conventions": _memo("conventions", t.conventions, _convention_lines),
        "components": tuple([_memo("component", c, _component_row) for c in t.components]),
        "criteria": criteria_lines(t.criteria),
        "depends": depends_lines(t.components),
        "tests": tuple([_memo("scenario", s, _scenario_lines) for s in t.scenarios]),
        "existing": _memo("existing", t.existing, _existing_lines) if t.existing else (),
        "files": tuple([_file_line(f, t.components) for f in t.files]),
        "why": _memo("why", t.articles, _why_lines),
        "tooling": _memo_all("tooling", (t.tooling, t.tool_rules), _tooling_lines),
        "piece": {name: t.piece(name) for name in PIECES},
    }
    for name in SHARED_LISTS:
        items[f"{name}_text"] = _memo("block", items[name], block)
    return with_blocks(items, LISTS)


def section_rows(where: dict[str, str]) -> tuple[str, ...]:
    """The "Taken from" table's rows, from each section's places."""
    return tuple([f"| {n}. {title} | {where[key] or 'nothing in the spec'} |" for n, (key, title) in enumerate(SECTIONS, 1)])


def trace(t: TaskInputs) -> dict[str, str]:
    """The trace table's id lists ("none" for an empty one)."""
    return {
        "scenarios": ", ".join([s.id for s in t.scenarios]) or "none",
        "entities": ", ".join([e.id for e in t.entities]) or "none",
        "contracts": ", ".join([c.id for c in t.contracts]) or "none",
        "depends_on": ", ".join(t.depends_on) or "none",
    }


def mission_lines(task: Ref) -> tuple[str, ...]:
    return tuple([f"- {k.capitalize()}: {v}" for k in ("phase", "scope", "parallel") if (v := task.get(k))])


def criteria_lines(criteria: tuple[str, ...]) -> tuple[str, ...]:
    return tuple([f"{n}. {c}" for n, c in enumerate(criteria, 1)])


def depends_lines(components: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"- {c.title} depends on: {c.get('depends_on')}" for c in components if c.get("depends_on"))


def _boundary_lines(boundaries: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"- {b.id}: {b.title} ({b.source})" for b in boundaries)


def _convention_lines(conventions: tuple[Ref, ...]) -> tuple[str, ...]:
    return tuple(f"- {c.title}" for c in conventions)


def _tooling_lines(tooling: tuple[Ref, ...], tool_rules: tuple[Ref, ...]) -> tuple[str, ...]:
    return _memo("tools", tooling, _tool_lines) + _memo("tools", tool_rules, _tool_lines)
