"""What the site knows about one spec: its facets and handoff tree, or its parse.

The handoff tree (`handoffs/<spec>/`) is the primary source because it is what
was reviewed and committed; when it has no facets the spec directory is
parsed instead. Nothing here reads D9: holdout facts reach the site only
through run data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.site.read import as_list, as_str, pick, read_json, read_text, read_toml, rows
from generator.spec.ids import id_key, kind_of

CONTRACT_KINDS = ("IN", "OUT", "SIDE", "ERR")


@dataclass
class Item:
    """One spec item with an anchor on the spec page."""

    id: str
    title: str = ""
    kind: str = ""
    priority: str = ""
    status: str = ""  # clarifications
    scope: str = ""  # entities
    phase: str = ""  # tasks
    source: str = ""  # "D2_SPECIFICATION.md:40"
    depends_on: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    handoff: str = ""  # tasks: handoff id


@dataclass
class HandoffDoc:
    id: str
    task_id: str = ""
    handoff_md: str | None = None
    prompt_md: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    name: str
    status: str
    message: str
    details: list[str] = field(default_factory=list)


@dataclass
class SpecData:
    name: str
    spec_dir: str = ""
    component: str = ""
    identity: list[tuple[str, str]] = field(default_factory=list)
    scenarios: list[Item] = field(default_factory=list)
    contracts: list[Item] = field(default_factory=list)
    entities: list[Item] = field(default_factory=list)
    tasks: list[Item] = field(default_factory=list)
    articles: list[Item] = field(default_factory=list)
    clarifications: list[Item] = field(default_factory=list)
    handoffs: list[HandoffDoc] = field(default_factory=list)
    validation_status: str = ""
    checks: list[Check] = field(default_factory=list)
    source_kind: str = ""  # "facets" | "spec" | ""
    # scenario id → holdout ids, from D9 when the spec could be parsed. Spec
    # pages show only counts from it; ids are for run pages.
    holdout_map: dict[str, list[str]] | None = None
    notes: list[str] = field(default_factory=list)

    def anchors(self) -> set[str]:
        """Every id that has an anchor on the spec page."""
        groups = (self.scenarios, self.contracts, self.entities, self.tasks, self.articles, self.clarifications)
        return {i.id for g in groups for i in g}

    def task(self, task_id: str) -> Item | None:
        return next((t for t in self.tasks if t.id == task_id), None)


def _sorted(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: id_key(i.id))


def _source(row: dict[str, Any]) -> str:
    src = row.get("source")
    if isinstance(src, dict):
        doc, line = as_str(src.get("doc")), as_str(src.get("line"))
        return f"{doc}:{line}" if doc and line else doc
    if isinstance(src, str):
        return src
    doc = as_str(pick(row, "source_doc", "doc"))
    line = as_str(pick(row, "source_line", "line"))
    return f"{doc}:{line}" if doc and line else doc


def _item(row: dict[str, Any], kind: str, id_keys: tuple[str, ...] = ("id",)) -> Item | None:
    ident = as_str(pick(row, *id_keys))
    if not ident:
        return None
    return Item(
        id=ident,
        title=as_str(pick(row, "title", "name", "summary")),
        kind=as_str(pick(row, "kind", "type")) or kind,
        priority=as_str(row.get("priority")),
        status=as_str(row.get("status")),
        scope=as_str(row.get("scope")),
        phase=as_str(row.get("phase")),
        source=_source(row),
        depends_on=as_list(pick(row, "depends_on", "dependencies", "deps")),
        scenarios=as_list(pick(row, "scenarios", "scenarios_satisfied", "satisfies")),
        contracts=as_list(pick(row, "contracts", "contracts_implemented", "implements")),
        handoff=as_str(pick(row, "handoff_id", "handoff")),
    )


def _facet(fdir: Path, stem: str, keys: tuple[str, ...], kind: str, notes: list[str]) -> list[Item]:
    doc = read_toml(fdir / f"{stem}.toml", notes)
    id_keys = ("id", f"{kind.lower()}_id", "number")
    items = [_item(r, kind, id_keys) for r in rows(doc, *keys)]
    return _sorted([i for i in items if i])


def _apply_edges(data: SpecData, fdir: Path) -> None:
    """Merge `edges.toml` links into the items, judged by the ids' kinds."""
    edges = rows(read_toml(fdir / "edges.toml", data.notes), "edge", "edges")
    tasks = {t.id: t for t in data.tasks}
    contracts = {c.id: c for c in data.contracts}
    for e in edges:
        src, dst = as_str(e.get("from")), as_str(e.get("to"))
        sk, dk = kind_of(src), kind_of(dst)
        target = tasks.get(src) if sk == "T" else contracts.get(src) if sk in CONTRACT_KINDS else None
        if target is None:
            continue
        if dk in ("SC", "SC-EC") and dst not in target.scenarios:
            target.scenarios.append(dst)
        elif sk == "T" and dk in CONTRACT_KINDS and dst not in target.contracts:
            target.contracts.append(dst)
        elif sk == "T" and dk == "T" and dst not in target.depends_on:
            target.depends_on.append(dst)


def _identity(doc: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k in sorted(doc):
        v = doc[k]
        if isinstance(v, dict):
            out += [(f"{k}.{sk}", as_str(sv)) for sk, sv in sorted(v.items()) if not isinstance(sv, (dict, list))]
        elif isinstance(v, list):
            if all(not isinstance(x, dict) for x in v):
                out.append((k, ", ".join(as_str(x) for x in v)))
            else:  # e.g. [[document]] rows: one line per row, named by its file
                for r in v:
                    if isinstance(r, dict):
                        label = as_str(pick(r, "file", "code", "id", "name"))
                        out.append((f"{k} {label}", as_str(pick(r, "digest", "status", "present"))))
        else:
            out.append((k, as_str(v)))
    return out


def _load_handoffs(tree: Path, notes: list[str]) -> list[HandoffDoc]:
    index = read_json(tree / "handoff_index.json", notes)
    by_id: dict[str, str] = {}
    if isinstance(index, dict) and isinstance(index.get("handoffs"), list):
        index = index["handoffs"]
    if isinstance(index, dict):  # {task id: {handoff_id, …}}
        entries = [{"task_id": k, **v} for k, v in index.items() if isinstance(v, dict)]
    else:
        entries = [e for e in index if isinstance(e, dict)] if isinstance(index, list) else []
    for e in entries:
        hid = as_str(pick(e, "handoff_id", "id"))
        if hid:
            by_id[hid] = as_str(pick(e, "task_id", "task"))
    out: list[HandoffDoc] = []
    for d in sorted(p for p in tree.glob("H-*") if p.is_dir()):
        meta = read_toml(d / "handoff.toml", notes)
        flat = meta.get("handoff", meta) if isinstance(meta.get("handoff"), dict) else meta
        task_id = as_str(pick(flat, "task_id", "task")) or by_id.get(d.name, "")
        out.append(
            HandoffDoc(
                id=d.name,
                task_id=task_id,
                handoff_md=read_text(d / f"{d.name}_BUILDER_HANDOFF.md"),
                prompt_md=read_text(d / f"{d.name}_AGENT_PROMPT.md"),
                meta=flat,
            )
        )
    return out


def from_facets(name: str, tree: Path) -> SpecData:
    """Read `handoffs/<spec>/`: facets, index and per-handoff files."""
    data = SpecData(name=name, source_kind="facets")
    fdir = tree / "facets"
    ident = read_toml(fdir / "spec.toml", data.notes)
    spec_tbl = ident.get("spec") if isinstance(ident.get("spec"), dict) else ident
    data.identity = _identity(ident)
    data.component = as_str(pick(spec_tbl, "component_name", "component"))
    data.spec_dir = as_str(pick(spec_tbl, "spec_dir", "path"))
    data.scenarios = _facet(fdir, "scenarios", ("scenario", "scenarios"), "SC", data.notes)
    data.contracts = _facet(fdir, "contracts", ("contract", "contracts"), "", data.notes)
    for c in data.contracts:
        c.kind = kind_of(c.id) if kind_of(c.id) in CONTRACT_KINDS else c.kind
    data.entities = _facet(fdir, "entities", ("entity", "entities"), "E", data.notes)
    data.tasks = _facet(fdir, "tasks", ("task", "tasks"), "T", data.notes)
    data.articles = _facet(fdir, "articles", ("article", "articles"), "Article", data.notes)
    for a in data.articles:
        if a.id.isdigit():
            a.id = f"Article-{a.id}"
    data.clarifications = _sorted(
        _facet(fdir, "clarifications", ("clarification", "clarifications"), "CLR", data.notes)
        + _facet(fdir, "clarifications", ("gap", "gaps"), "GAP", [])
    )
    _apply_edges(data, fdir)
    data.handoffs = _load_handoffs(tree, data.notes)
    _link_tasks(data)
    return data


def _link_tasks(data: SpecData) -> None:
    """Join tasks and handoffs both ways (either side may name the other)."""
    by_task = {h.task_id: h.id for h in data.handoffs if h.task_id}
    known = {h.id for h in data.handoffs}
    for t in data.tasks:
        if not t.handoff or t.handoff not in known:
            t.handoff = by_task.get(t.id, "")
    for h in data.handoffs:
        if not h.task_id:
            h.task_id = next((t.id for t in data.tasks if t.handoff == h.id), "")


def from_model(spec: Any, tree: Path | None) -> SpecData:
    """Build the same view from a parsed `ProductSpec` (no facets on disk)."""
    data = SpecData(name=spec.name, component=spec.component_name, source_kind="spec")
    data.identity = [("component_name", spec.component_name), ("package_id", spec.package_id)]
    data.identity += [(f"digest.{d.filename}", d.digest) for _, d in sorted(spec.documents.items()) if d.present]
    src = lambda s: str(s) if s else ""  # noqa: E731
    data.scenarios = _sorted([Item(s.id, s.title, "SC", s.priority, source=src(s.source)) for s in spec.scenarios])
    data.contracts = _sorted(
        [Item(c.id, c.title, c.kind, source=src(c.source), scenarios=list(c.scenarios)) for c in spec.contracts]
    )
    data.entities = _sorted([Item(e.id, e.name, "E", scope=e.scope, source=src(e.source)) for e in spec.entities])
    data.tasks = _sorted(
        [
            Item(t.id, t.title, "T", phase=t.phase, source=src(t.source), depends_on=list(t.depends_on),
                 scenarios=list(t.scenarios), contracts=list(t.contracts))
            for t in spec.tasks
        ]
    )
    data.articles = [
        Item(f"Article-{a.number}", a.title, "Article", source=src(a.source)) for a in spec.constitution.articles
    ]
    data.clarifications = _sorted(
        [Item(c.id, c.title, "CLR", status=c.status, source=src(c.source)) for c in spec.clarifications]
        + [Item(g.id, g.title, "GAP", status=g.status, source=src(g.source)) for g in spec.gaps]
    )
    if tree is not None and tree.is_dir():
        data.handoffs = _load_handoffs(tree, data.notes)
    _link_tasks(data)
    return data


def parse_spec(spec_dir: Path) -> Any | None:
    """The parsed spec, or None when there is no spec dir or no parser."""
    if not spec_dir.is_dir():
        return None
    try:
        from generator.spec import load_spec
    except ImportError:
        return None
    return load_spec(spec_dir)


def _holdout_map(spec: Any) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for h in spec.holdouts.holdouts:
        for sc in h.validates:
            out.setdefault(sc, set()).add(h.id)
    for row in spec.holdouts.coverage:
        out.setdefault(row.scenario, set()).update(row.holdouts)
    return {k: sorted(v, key=id_key) for k, v in out.items()}


_HOLDOUT_ID = re.compile(r"\bHS-\d+\b")


def _redact(text: str) -> str:
    """Spec pages may count holdouts but never name them."""
    return _HOLDOUT_ID.sub("a holdout", text)


def attach_validation(data: SpecData, spec: Any) -> None:
    """Run the validator on the parsed spec, when both exist."""
    if spec is None:
        return
    data.holdout_map = _holdout_map(spec)
    try:
        from generator.validate import validate
    except ImportError:
        return
    result = validate(spec)
    data.validation_status = result.status
    data.checks = [
        Check(c.check_name, c.status, _redact(c.message), [_redact(d) for d in c.details]) for c in result.checks
    ]


def load_spec_data(name: str, tree: Path, spec_dir: Path | None, shown_dir: str = "") -> SpecData:
    """Everything the spec page needs, from the best source available.

    `shown_dir` is the spec dir as the page prints it (relative, so pages
    do not depend on where the checkout lives).
    """
    spec = parse_spec(spec_dir) if spec_dir else None
    if (tree / "facets").is_dir() or spec is None:
        data = from_facets(name, tree) if tree.is_dir() else SpecData(name=name)
    else:
        data = from_model(spec, tree)
    data.spec_dir = shown_dir or data.spec_dir
    attach_validation(data, spec)
    return data
