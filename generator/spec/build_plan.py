"""Typed entities of D7 (plan) and D8 (tasks)."""

from __future__ import annotations

import re

from generator.model import Component, Diagnostic, Plan, Task, TaskSummaryRow
from generator.spec.blocks import Node
from generator.spec.ids import expand_refs, find_ids, split_refs
from generator.spec.records import strip_md
from generator.spec.view import DocView, make_item, row_line, table_dicts

SCENARIO_KINDS = ("SC", "SC-EC")
CONTRACT_KINDS = ("IN", "OUT", "SIDE", "ERR")
_BOLD_LINE_RE = re.compile(r"^\*\*(.+?)\*\*:?\s*$")
_TREE_RE = re.compile(r"^([\s│|├└─`+\\-]*)(?:\d+[.)]\s*)?([\w./@-]+)")
_PATH_RE = re.compile(r"^[\w.@-]+(/[\w.@-]+)*(/|\.\w+)$")
_FILE_IN_TITLE_RE = re.compile(r"`([^`]+)`")


def build_plan(v: DocView) -> Plan:
    p = Plan()
    p.summary = v.section_text("summary")
    p.technical_context = v.section_text("technical context")
    p.architecture = v.section_text("architecture")
    p.testing_strategy = v.section_text("testing strategy", "test strategy")
    p.components = _components(v)
    order_nodes = v.section_nodes("file creation order", "file order", "creation order")
    fences = [n for n in order_nodes if n.kind == "fence"]
    if fences:
        p.file_order = "\n".join(f.text.rstrip("\n") for f in fences)
        p.files = tree_paths(p.file_order)
    else:
        p.file_order = v.section_text("file creation order", "file order")
        p.files = tree_paths(p.file_order)
    p.sections = v.sections()
    return p


def tree_paths(block: str) -> list[str]:
    """File paths named by a directory tree or a numbered list, nesting resolved."""
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, dir)
    for raw in block.split("\n"):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _TREE_RE.match(raw)
        if not m:
            continue
        name = m.group(2).strip("`")
        indent = len(m.group(1))
        if not _PATH_RE.match(name) and not name.endswith("/"):
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        full = name if ("/" in name.rstrip("/") and not parent) else parent + name
        if name.endswith("/"):
            stack.append((indent, full))
        elif full not in out:
            out.append(full)
    return out


def _components(v: DocView) -> list[Component]:
    out: list[Component] = []
    for a, b in v.section_spans("component"):
        base = v.nodes[a].level
        body = v.nodes[a + 1 : b]
        starts: list[tuple[int, str]] = []
        for k, n in enumerate(body):
            if n.kind == "heading" and n.level > base:
                starts.append((k, n.text))
            elif n.kind == "line" and n.depth == 0 and n.first and _BOLD_LINE_RE.match(n.text):
                starts.append((k, _BOLD_LINE_RE.match(n.text).group(1)))
        if not starts:  # "- File: `x.py`" records
            starts = [(k, "") for k, n in enumerate(body) if n.kind == "line" and re.match(r"^\**File\**:", n.text)]
        for x, (k, name) in enumerate(starts):
            end = starts[x + 1][0] if x + 1 < len(starts) else len(body)
            head = body[k]
            rest = body[k + 1 : end] if name else body[k:end]
            it = make_item(head, rest)
            name = strip_md(name).strip("`")
            ff = it.get("file")
            file = strip_md(ff.value).strip("`") if ff else ""
            if not file:
                fm = _FILE_IN_TITLE_RE.search(name)
                file = fm.group(1) if fm else (name if _PATH_RE.match(name) else "")
            if not name:
                name = file
            out.append(
                Component(
                    name=re.sub(r"\s*\(`[^`]*`\)\s*$", "", name).strip() or file,
                    file=file,
                    responsibility=it.value("responsibility"),
                    implements=expand_refs(it.value("implements"), None),
                    depends_on=it.value("depends on", "dependency", "dependencies"),
                    exposes=it.value("exposes"),
                    source=v.src(head.line),
                )
            )
    return out


def _phase_heading(ctx) -> str:
    for h in reversed(ctx):
        m = re.match(r"^\s*Phase\s+(.*)$", h.title, re.IGNORECASE)
        if m:
            return re.sub(r"^(\S+?)\s*[:—–-]\s*", r"\1 — ", m.group(1).strip(), count=1)
    return ""


def build_tasks(v: DocView) -> tuple[list[Task], list[Diagnostic]]:
    tasks: list[Task] = []
    diags: list[Diagnostic] = []
    for it in v.items_of("T"):
        fields = it.fields  # `it.get(a, b)` is the first of these found, read once each below
        title = strip_md(it.title)
        f = fields.get("phase")
        phase = strip_md(f.text() if f else "")
        pn = fields.get("phase + name")
        if pn:
            val = strip_md(pn.value)
            head, sep, tail = val.partition(" | ")
            if sep and not title:
                title = tail.strip()
            if not phase:
                phase = re.sub(r"^Phase\s+", "", head.strip(), flags=re.IGNORECASE)
        if not phase:
            phase = _phase_heading(it.context)
        t = Task(id=it.id, title=title, phase=phase, source=v.src(it.line))
        dep = fields.get("dependency") or fields.get("depends on") or fields.get("dependencies")
        if dep:
            t.depends_on, other = split_refs(dep.text(), ("T",))
            t.ref_lines["depends_on"] = dep.line
        sc = fields.get("scenarios satisfied") or fields.get("scenarios")
        if sc:
            t.scenarios_text = text = sc.text()
            t.scenarios, other = split_refs(text, SCENARIO_KINDS)
            t.ref_lines["scenarios"] = sc.line
            _note_other(diags, v, sc.line, t.id, "Scenarios Satisfied", other)
        ct = fields.get("contracts implemented") or fields.get("contracts")
        if ct:
            t.contracts_text = text = ct.text()
            t.contracts, other = split_refs(text, CONTRACT_KINDS)
            t.ref_lines["contracts"] = ct.line
            _note_other(diags, v, ct.line, t.id, "Contracts Implemented", other)
        ac = fields.get("acceptance criteria")
        if ac:
            t.acceptance_criteria = [strip_md(x) for x in ac.items()] or ([ac.value.strip()] if ac.value.strip() else [])
        f = fields.get("scope")
        t.scope = strip_md(f.text() if f else "")
        f = fields.get("parallel/serial") or fields.get("parallel") or fields.get("serial")
        t.parallel = strip_md(f.text() if f else "")
        t.description = "\n".join([n.text for n in it.prose if n.kind == "line"])
        tasks.append(t)
    return tasks, diags


def _note_other(diags: list[Diagnostic], v: DocView, line: int, tid: str, field: str, other: list[str]) -> None:
    if other:
        diags.append(
            Diagnostic(v.filename, line, f"{tid} {field} also names {', '.join(other)}; kept as a note, not as a reference",
                       "warning", "references")
        )


def all_nodes_text(nodes: list[Node]) -> str:
    return "\n".join(n.text for n in nodes if n.kind == "line")


def build_task_summary(v: DocView) -> list[TaskSummaryRow]:
    """Rows of the Summary table(s): a first column naming a task, then phase, scope, ids."""
    rows: list[TaskSummaryRow] = []
    for a, b in v.section_spans("summary"):
        for n in v.nodes[a + 1 : b]:
            if n.kind != "table" or len(n.rows) < 2:
                continue
            for k, r in enumerate(table_dicts(n)):
                keys = list(r)
                first = find_ids(r[keys[0]])
                if not first or not first[0].startswith("T-"):
                    continue
                def col(*words: str) -> str | None:
                    return next((key for key in keys[1:] if any(w in key for w in words)), None)
                ids_cols = [c for c in (col("scenario"), col("contract")) if c]
                dep = col("depend")
                par = col("parallel", "serial")
                rows.append(TaskSummaryRow(
                    task=first[0],
                    phase=strip_md(r.get(col("phase") or "", "")),
                    scope=strip_md(r.get(col("scope") or "", "")),
                    parallel=strip_md(r.get(par, "")) if par else "",
                    ids=[i for c in ids_cols for i in expand_refs(r[c])],
                    dependencies=expand_refs(r[dep], ("T",)) if dep else None,
                    source=v.src(row_line(n, k)),
                ))
    return rows
