"""What one task's outputs are made of: an explicit, hashable `TaskInputs`.

A handoff, prompt and expected answers are a function of the task's inputs
only, so an incremental rebuild can compare `TaskInputs` values to know
which tasks an edit touches. Every piece carries its source (`doc:line`).
Nothing here reads D9.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache

from generator.model import ProductSpec, Section, Source, Task
from generator.spec.ids import find_ids, id_key

# Ids are normalised millions of times on a large spec; the set of distinct
# ids is small, so memoising the key is both safe and much cheaper.
norm_id = lru_cache(maxsize=None)(id_key)
key_of = norm_id

_TASK_NUM_RE = re.compile(r"^T-(\d+)([A-Za-z]*)$")
_ARTICLE_RE = re.compile(r"\bArt(?:icles?|\.)?\s+(\d+(?:\s*(?:,|and|&|-|–|through)\s*\d+)*)", re.IGNORECASE)
# A word with a dot in it ("src/app.py"). A match can only start where a run of
# [\w./-] does (a later start would need a later dot, which the first start
# takes), so the look-behind gives the same matches while sparing a scan of
# the rest of the run from every position inside it.
_FILE_WORD_RE = re.compile(r"(?<![\w./-])[\w./-]+\.\w+")
# The D3 entity ids among `find_ids`: "E-" with the same boundaries as
# `ID_RE`. No other id can hold one, since ids start after no [\w-] character.
_ENTITY_ID_RE = re.compile(r"E(?<![\w-]E)-\d+(?![\w-]*\w)")
# What any _ARTICLE_RE match leaves in the lower-cased text: "art" after a
# non-word character, then "i" (or a dotless i) of "icle", a "." or a space.
_ARTICLE_HINT_RE = re.compile(r"art(?<!\wart)[iı.\s]")  # the literal first: found by fast search


@lru_cache(maxsize=1 << 14)
def handoff_id(task_id: str) -> str:
    """H-FACTORY-NNN from the task's own number: T-7 → H-FACTORY-007, T-1000 → H-FACTORY-1000."""
    m = _TASK_NUM_RE.match(task_id.strip())
    if not m:
        raise ValueError(f"not a task id: {task_id!r}")
    return f"H-FACTORY-{int(m.group(1)):03d}{m.group(2).upper()}"


@lru_cache(maxsize=1 << 17)
def one_line(text: str) -> str:
    """Collapse a spec value to one line so each item renders on one line (memoised: rebuilds repeat values)."""
    return " ".join(text.split()) if text else ""  # str.split and re's \s agree on what whitespace is


def src(source: Source | None, fallback: str = "") -> str:
    return str(source) if source else fallback


@dataclass(frozen=True)
class Ref:
    """One spec item a task uses: id, title, labelled fields, table rows, source."""

    kind: str
    id: str
    title: str = ""
    source: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    rows: tuple[tuple[tuple[str, str], ...], ...] = ()
    refs: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        for k, v in self.fields:
            if k == name:
                return v
        return ""


@dataclass(frozen=True)
class Piece:
    """A block of spec text (plan or agent-context section) with its source."""

    name: str
    text: str
    source: str


@dataclass(frozen=True)
class TaskInputs:
    """Exactly what a task's outputs are computed from."""

    spec_name: str
    component: str
    package_id: str
    task: Ref
    depends_on: tuple[str, ...]
    dependents: tuple[str, ...]
    criteria: tuple[str, ...]
    scenarios: tuple[Ref, ...]
    contracts: tuple[Ref, ...]
    entities: tuple[Ref, ...]
    missing: tuple[str, ...]  # ids the task names that the spec does not define
    articles: tuple[Ref, ...]
    articles_named: bool  # False: the task names no article, all apply
    boundaries: tuple[Ref, ...]
    tooling: tuple[Ref, ...]
    not_list: tuple[Ref, ...]
    components: tuple[Ref, ...]
    files: tuple[str, ...]
    plan: tuple[Piece, ...]
    context: tuple[Piece, ...]
    tool_rules: tuple[Ref, ...]
    conventions: tuple[Ref, ...]
    existing: tuple[Ref, ...]  # D10 active components for the task's files

    @property
    def handoff_id(self) -> str:
        return handoff_id(self.task.id)

    def piece(self, name: str) -> Piece | None:
        for pieces in (self.plan, self.context):
            for p in pieces:
                if p.name == name:
                    return p
        return None


# --- repr(TaskInputs), for the inputs digest ---------------------------------------
#
# The digest hashes `repr(t)` as UTF-8. Most of a task's Refs and Pieces
# (articles, boundaries, plan sections …) are the same objects in every task,
# so their reprs are remembered by identity, already encoded, instead of being
# rebuilt per task; the task's repr is then a join of bytes, and the long text
# (wide as soon as one character is, such as a dash in a title) is never built
# nor encoded as a whole. The f-strings below spell out the dataclass reprs
# field by field; a test holds them equal to `repr`.

_REPRS: dict[int, tuple[object, bytes]] = {}
_REPRS_MAX = 1 << 16


def _remember(v, data: bytes) -> bytes:
    if len(_REPRS) >= _REPRS_MAX:
        _REPRS.clear()
    _REPRS[id(v)] = (v, data)
    return data


def _item_repr(r) -> bytes:
    """repr of a Ref or Piece as UTF-8, remembered while `r` lives."""
    hit = _REPRS.get(id(r))
    if hit is not None and hit[0] is r:
        return hit[1]
    c = r.__class__
    if c is Ref:
        text = (
            f"Ref(kind={r.kind!r}, id={r.id!r}, title={r.title!r}, source={r.source!r}, "
            f"fields={r.fields!r}, rows={r.rows!r}, refs={r.refs!r})"
        )
    elif c is Piece:
        text = f"Piece(name={r.name!r}, text={r.text!r}, source={r.source!r})"
    else:
        return repr(r).encode("utf-8")
    return _remember(r, text.encode("utf-8"))


def _items_repr(v: tuple) -> bytes:
    """repr of a tuple of Refs or Pieces as UTF-8, remembered while `v` lives."""
    if v.__class__ is not tuple:
        return repr(v).encode("utf-8")
    hit = _REPRS.get(id(v))
    if hit is not None and hit[0] is v:
        return hit[1]
    parts = [_item_repr(x) for x in v]
    if len(parts) == 1:
        return _remember(v, b"(" + parts[0] + b",)")
    return _remember(v, b"(" + b", ".join(parts) + b")")


def _inputs_repr(t: TaskInputs) -> bytes:
    r, rs = _item_repr, _items_repr
    return b"".join([
        f"TaskInputs(spec_name={t.spec_name!r}, component={t.component!r}, package_id={t.package_id!r}, task=".encode("utf-8"),
        r(t.task),
        f", depends_on={t.depends_on!r}, dependents={t.dependents!r}, criteria={t.criteria!r}, scenarios=".encode("utf-8"),
        rs(t.scenarios), b", contracts=", rs(t.contracts), b", entities=", rs(t.entities),
        f", missing={t.missing!r}, articles=".encode("utf-8"), rs(t.articles),
        f", articles_named={t.articles_named!r}, boundaries=".encode("utf-8"), rs(t.boundaries),
        b", tooling=", rs(t.tooling), b", not_list=", rs(t.not_list), b", components=", rs(t.components),
        f", files={t.files!r}, plan=".encode("utf-8"), rs(t.plan), b", context=", rs(t.context),
        b", tool_rules=", rs(t.tool_rules), b", conventions=", rs(t.conventions), b", existing=", rs(t.existing), b")",
    ])


_SPELLED = (
    ("kind", "id", "title", "source", "fields", "rows", "refs"),
    ("name", "text", "source"),
    (
        "spec_name", "component", "package_id", "task", "depends_on", "dependents", "criteria", "scenarios",
        "contracts", "entities", "missing", "articles", "articles_named", "boundaries", "tooling", "not_list",
        "components", "files", "plan", "context", "tool_rules", "conventions", "existing",
    ),
)


def inputs_repr_bytes(t: TaskInputs) -> bytes:
    """Exactly `repr(t).encode("utf-8")`, cheaply: shared Refs and Pieces are formatted once per build."""
    if t.__class__ is not TaskInputs:
        return repr(t).encode("utf-8")
    return _inputs_repr(t)


def inputs_repr(t: TaskInputs) -> str:
    """Exactly `repr(t)` (the digest hashes `inputs_repr_bytes`)."""
    return inputs_repr_bytes(t).decode("utf-8")


if tuple(tuple(f.name for f in fields(c)) for c in (Ref, Piece, TaskInputs)) != _SPELLED:  # fields changed

    def _inputs_repr(t: TaskInputs) -> bytes:  # noqa: F811  (stay exact; the spelled-out reprs no longer apply)
        return repr(t).encode("utf-8")


def _pairs(*items: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple([(k, line) for k, v in items if v and (line := one_line(v))])  # blank values dropped


def _task_text(task: Task) -> str:
    return "\n".join([task.title, task.description, task.scenarios_text, task.contracts_text, *task.acceptance_criteria])


def _find_section(sections: Iterable[Section], *words: str) -> Section | None:
    """First section (depth first) whose title contains one of `words`."""
    for s in sections:
        t = s.title.lower()
        if any(w in t for w in words):
            return s
        hit = _find_section(s.children, *words)
        if hit:
            return hit
    return None


def _section_source(spec: ProductSpec, sections: list[Section], doc: str, *words: str) -> str:
    s = _find_section(sections, *words)
    if s:
        return str(s.source)
    return spec.documents[doc].filename if doc in spec.documents else ""


def _article_numbers(text: str) -> set[int]:
    out: set[int] = set()
    if not _ARTICLE_HINT_RE.search(text.lower()):  # no match possible; the case-blind scan costs more
        return out
    for m in _ARTICLE_RE.finditer(text):
        nums = [int(n) for n in re.findall(r"\d+", m.group(1))]
        if re.search(r"-|–|through", m.group(1)) and len(nums) == 2 and 0 <= nums[1] - nums[0] < 50:
            out.update(range(nums[0], nums[1] + 1))
        else:
            out.update(nums)
    return out


def file_words(text: str) -> list[str]:
    """`_FILE_WORD_RE.findall(text)`: words with a dot in them ("src/app.py").

    A match starts where a run of [\\w./-] does and stays inside it, and the
    search goes on after it, so each run holds at most the one match the
    pattern finds at its start, and only a run with a dot can hold one. In an
    ASCII text (the usual one), the runs around its few dots are found from
    a copy with every byte outside the runs made a space, and matched alone.
    """
    pos = text.find(".")
    if pos < 0:
        return []
    if not text.isascii():
        return _FILE_WORD_RE.findall(text)
    cut = text.encode("ascii").translate(_RUN_BYTES)
    out = []
    while pos >= 0:
        start = cut.rfind(b" ", 0, pos) + 1
        end = cut.find(b" ", pos)
        if end < 0:
            end = len(cut)
        m = _FILE_WORD_RE.match(text[start:end])
        if m is not None:
            out.append(m.group())
        pos = text.find(".", end)
    return out


# ASCII bytes of [\w./-] kept, any other byte made a space (no kept byte is whitespace).
_RUN_BYTES = bytes(c if chr(c).isalnum() and c < 0x80 or chr(c) in "_./-" else 0x20 for c in range(256))


def own_text(text: str) -> str:
    """A section's text without its subsections (headings outside fences end it).

    The plan's component list is rendered per task, so the overview must not
    carry every component of a large spec into every handoff.
    """
    fenced = False
    out: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6}\s", line):
            break
        out.append(line)
    return "\n".join(out).strip()


def _basename(path: str) -> str:
    return path.strip().strip("`").rstrip("/").rsplit("/", 1)[-1]


class SpecIndex:
    """Lookups over a spec built once per compile, so per-task work does not scan the spec."""

    def __init__(self, spec: ProductSpec):
        self.spec = spec
        self.scenarios = {norm_id(s.id): s for s in spec.scenarios}
        self.contracts = {norm_id(c.id): c for c in spec.contracts}
        self.entities = {norm_id(e.id): e for e in spec.entities}
        self.tasks = {norm_id(t.id): t for t in spec.tasks}
        self.dependents: dict[tuple, list[str]] = {}
        for t in spec.tasks:
            for d in t.depends_on:
                self.dependents.setdefault(norm_id(d), []).append(t.id)
        comps = spec.plan.components
        self.implements = [{norm_id(i) for i in c.implements} for c in comps]
        # Component positions by implemented id and by file name, plan files by file name.
        self.comp_by_id: dict[tuple, list[int]] = {}
        self.comp_by_base: dict[str, list[int]] = {}
        for n, (c, ids) in enumerate(zip(comps, self.implements)):
            for k in ids:
                self.comp_by_id.setdefault(k, []).append(n)
            if c.file:
                self.comp_by_base.setdefault(_basename(c.file), []).append(n)
        self.comp_base = [_basename(c.file) if c.file else "" for c in comps]
        self.comp_entities = [[i for i in c.implements if i.startswith("E-")] for c in comps]
        self.files_by_base: dict[str, list[int]] = {}
        for n, f in enumerate(spec.plan.files):
            self.files_by_base.setdefault(_basename(f), []).append(n)
        self.entities_by_scenario: dict[tuple, list[str]] = {}
        for e in spec.entities:
            for s in e.scenarios:
                self.entities_by_scenario.setdefault(norm_id(s), []).append(e.id)
        self._scopes: dict[int, tuple] = {}
        self._named: dict[int, tuple[Ref, list[str]]] = {}
        self.refs: dict[str, dict] = {"scenario": {}, "contract": {}, "entity": {}}
        plan, ctx = spec.plan, spec.agent_context
        self.plan_pieces = {
            "architecture": Piece(
                "architecture",
                plan.architecture if not plan.components else own_text(plan.architecture),
                _section_source(spec, plan.sections, "D7", "architecture"),
            ),
            "technical_context": Piece(
                "technical_context", plan.technical_context, _section_source(spec, plan.sections, "D7", "technical context")
            ),
            "testing_strategy": Piece(
                "testing_strategy", plan.testing_strategy, _section_source(spec, plan.sections, "D7", "testing")
            ),
            "file_order": Piece("file_order", plan.file_order, _section_source(spec, plan.sections, "D7", "file creation", "file order")),
        }
        self.order_lines = self.plan_pieces["file_order"].text.splitlines()
        self._order_hits: dict[str, tuple[int, ...]] = {}
        self.commands = Piece(
            "commands", "\n\n".join(b.rstrip("\n") for b in ctx.command_blocks), _section_source(spec, ctx.sections, "D10", "command")
        )
        self.conventions_src = _section_source(spec, ctx.sections, "D10", "convention")
        self.patterns_src = _section_source(spec, ctx.sections, "D10", "pattern")
        self.active_src = _section_source(spec, ctx.sections, "D10", "active component", "component")
        self.d2_file = spec.documents["D2"].filename if "D2" in spec.documents else "D2_SPECIFICATION.md"
        self._shared: dict | None = None

    def order_hits(self, name: str) -> tuple[int, ...]:
        """Positions of the file-order lines that mention `name` (a substring test, as rendered)."""
        hits = self._order_hits.get(name)
        if hits is None:
            hits = self._order_hits[name] = tuple(n for n, line in enumerate(self.order_lines) if name in line)
        return hits

    def shared(self) -> dict:
        """The spec-wide pieces every task carries (articles, boundaries, tool rules, …), built once."""
        if self._shared is None:
            self._shared = _shared_refs(self)
        return self._shared


def _shared_refs(ix: SpecIndex) -> dict:
    spec = ix.spec
    const, ctx = spec.constitution, spec.agent_context
    articles = {
        id(a): Ref(
            "article",
            f"Article {a.number}",
            one_line(a.title),
            src(a.source),
            _pairs(("rule", a.rule), ("why", a.why), ("test", a.test), ("violations", a.violations)),
        )
        for a in const.articles
    }
    conventions = tuple(Ref("convention", str(n), one_line(c), ix.conventions_src) for n, c in enumerate(ctx.conventions, 1))
    conventions += tuple(Ref("pattern", str(n), one_line(p), ix.patterns_src) for n, p in enumerate(ctx.key_patterns, 1))
    rows = [
        (r, {_basename(w) for w in re.findall(r"[\w./-]+", " ".join(r.values()))},
         Ref("active", one_line(next(iter(r.values()), "")), "", ix.active_src, tuple((k, one_line(v)) for k, v in r.items())))
        for r in ctx.components
    ]
    return {
        "articles": articles,
        "all_articles": tuple(articles[id(a)] for a in const.articles),
        "boundaries": tuple(Ref("boundary", b.kind, one_line(b.text), src(b.source)) for b in const.boundaries),
        "tooling": tuple(
            Ref("tool", one_line(t.operation), one_line(t.operation), src(t.source), _pairs(("use", t.use), ("avoid", t.avoid), ("why", t.why)))
            for t in const.tooling
        ),
        "not_list": tuple(Ref("not", str(n), one_line(s), ix.d2_file) for n, s in enumerate(spec.specification.not_list, 1)),
        "tool_rules": tuple(
            Ref("tool", one_line(t.operation), one_line(t.operation), src(t.source), _pairs(("use", t.use), ("avoid", t.avoid), ("why", t.why)))
            for t in ctx.tool_rules
        ),
        "conventions": conventions,
        "active_rows": rows,
        "all_active": tuple(ref for _, _, ref in rows),
    }


def _scenario_ref(s) -> Ref:
    fields = _pairs(("priority", s.priority), ("given", s.given), ("when", s.when), ("then", s.then))
    fields += tuple([("and", line) for a in s.and_ if (line := one_line(a))])
    fields += _pairs(("testing", s.testing_approach), ("kind", s.kind))
    return Ref("scenario", s.id, one_line(s.title), src(s.source), fields)


def _contract_ref(c) -> Ref:
    fields = tuple((k, one_line(v)) for k, v in sorted(c.fields.items()) if v and v.strip())
    rows = tuple(tuple((k, one_line(v)) for k, v in row.items()) for row in c.shape)
    return Ref("contract", c.id, one_line(c.title), src(c.source), fields, rows, tuple(c.scenarios))


def _entity_ref(e) -> Ref:
    fields = _pairs(("name", e.name), ("scope", e.scope), ("description", e.description))
    fields += tuple(("invariant", one_line(i)) for i in e.invariants if i.strip())
    rows = tuple(tuple((k, one_line(v)) for k, v in row.items()) for row in e.fields)
    return Ref("entity", e.id, one_line(e.name), src(e.source), fields, rows, tuple(e.scenarios))


def _component_ref(c) -> Ref:
    fields = _pairs(
        ("file", c.file), ("responsibility", c.responsibility), ("depends_on", c.depends_on), ("exposes", c.exposes)
    )
    return Ref("component", c.name, one_line(c.name), src(c.source), fields, (), tuple(c.implements))


def _lookup(ids: Iterable[str], table: dict, make, missing: list[str], cache: dict | None = None) -> tuple[Ref, ...]:
    """Refs for `ids` (first mention wins), collecting ids the spec lacks; `cache` shares Refs across tasks."""
    out: list[Ref] = []
    seen: set[tuple] = set()
    for i in ids:
        k = norm_id(i)
        if k in seen:
            continue
        seen.add(k)
        item = table.get(k)
        if item is None:
            missing.append(i)
        elif cache is None:
            out.append(make(item))
        else:
            ref = cache.get(k)
            if ref is None:
                ref = cache[k] = make(item)
            out.append(ref)
    return tuple(out)


def _named_entities(ix: SpecIndex, contract: Ref) -> list[str]:
    """Entity ids a contract's fields name, in order (once per contract and index).

    The fields are scanned as one text: a newline, like the end of a text,
    can neither start nor continue an id.
    """
    hit = ix._named.get(id(contract))
    if hit is None or hit[0] is not contract:
        ids = [i for i in find_ids("\n".join([v for _, v in contract.fields])) if i.startswith("E-")]
        hit = ix._named[id(contract)] = (contract, ids)
    return hit[1]


def task_scope(ix: SpecIndex, task: Task, contracts: tuple[Ref, ...] | None = None):
    """(D7 components, files, D3 entity ids) a task uses.

    Components are those whose Implements names one of the task's ids or
    whose file the task mentions; entities are named by the task, its
    contracts or components, or serve one of its scenarios. Computed once
    per task and index (the shared facets ask again).
    """
    cached = ix._scopes.get(id(task))
    if cached is not None and cached[0] is task:
        return cached[1]
    if contracts is None:
        contracts = _lookup(task.contracts, ix.contracts, _contract_ref, [], ix.refs["contract"])
    text = _task_text(task)
    own = {norm_id(i) for i in [*task.scenarios, *task.contracts, task.id]}
    words = {_basename(w) for w in file_words(text)}
    picked: set[int] = set()
    for k in own:
        picked.update(ix.comp_by_id.get(k, ()))
    for w in words:
        picked.update(ix.comp_by_base.get(w, ()))
    all_comps = ix.spec.plan.components
    picked_order = sorted(picked)
    components = [all_comps[n] for n in picked_order]
    comp_files = {ix.comp_base[n]: all_comps[n].file for n in picked_order if all_comps[n].file}
    chosen: set[int] = set()
    for b in set(comp_files) | words:
        chosen.update(ix.files_by_base.get(b, ()))
    plan_files = ix.spec.plan.files
    files: list[str] = [plan_files[n] for n in sorted(chosen)]
    known = {_basename(f) for f in files}
    files += [f for b, f in comp_files.items() if b not in known]
    ent_ids = _ENTITY_ID_RE.findall(text)  # the ids `find_ids` gives that start with "E-"
    for c in contracts:
        ent_ids += _named_entities(ix, c)
    for n in picked_order:
        ent_ids += ix.comp_entities[n]
    for s in task.scenarios:
        ent_ids += ix.entities_by_scenario.get(norm_id(s), [])
    ent_ids = sorted({norm_id(i): i for i in ent_ids}.values(), key=norm_id)
    result = (components, files, ent_ids)
    ix._scopes[id(task)] = (task, result)
    return result


def task_inputs(spec: ProductSpec, task: Task, index: SpecIndex | None = None) -> TaskInputs:
    """Gather the task plus exactly the spec pieces its outputs use."""
    ix = index or SpecIndex(spec)
    missing: list[str] = []
    scenarios = _lookup(task.scenarios, ix.scenarios, _scenario_ref, missing, ix.refs["scenario"])
    contracts = _lookup(task.contracts, ix.contracts, _contract_ref, missing, ix.refs["contract"])
    text = _task_text(task)
    components, files, ent_ids = task_scope(ix, task, contracts)
    comp_refs = ix.refs.setdefault("component", {})
    ent_missing: list[str] = []
    entities = _lookup(ent_ids, ix.entities, _entity_ref, ent_missing, ix.refs["entity"])
    missing += [m for m in ent_missing if m in text]
    # D1 articles named anywhere in what the task uses; all of them when none is named.
    named_text = "\n".join(
        [text, *[v for r in scenarios + contracts for _, v in r.fields], *[c.responsibility for c in components]]
    )
    numbers = _article_numbers(named_text)
    shared = ix.shared()
    const = spec.constitution
    chosen = [a for a in const.articles if a.number in numbers]
    articles = tuple([shared["articles"][id(a)] for a in chosen]) if chosen else shared["all_articles"]
    file_names = {_basename(f) for f in files}
    existing = tuple(ref for _, names, ref in shared["active_rows"] if file_names & names) or shared["all_active"]
    order = ix.plan_pieces["file_order"]
    scoped_order = "\n".join(ix.order_lines[n] for n in sorted(set().union(*(ix.order_hits(b) for b in file_names))))
    plan = (
        ix.plan_pieces["architecture"],
        ix.plan_pieces["technical_context"],
        ix.plan_pieces["testing_strategy"],
        Piece("file_order", scoped_order, order.source),
    )
    task_ref = Ref(
        "task",
        task.id,
        one_line(task.title),
        src(task.source),
        _pairs(("phase", task.phase), ("scope", task.scope), ("parallel", task.parallel), ("description", task.description)),
    )
    return TaskInputs(
        spec_name=spec.name,
        component=one_line(spec.component_name),
        package_id=one_line(spec.package_id),
        task=task_ref,
        depends_on=tuple(task.depends_on),
        dependents=tuple(ix.dependents.get(norm_id(task.id), [])),
        criteria=tuple([one_line(c) for c in task.acceptance_criteria if c.strip()]),
        scenarios=scenarios,
        contracts=contracts,
        entities=entities,
        missing=tuple(missing),
        articles=articles,
        articles_named=bool(chosen),
        boundaries=shared["boundaries"],
        tooling=shared["tooling"],
        not_list=shared["not_list"],
        components=tuple([comp_refs.get(id(c)) or comp_refs.setdefault(id(c), _component_ref(c)) for c in components]),
        files=tuple(files),
        plan=plan,
        context=(ix.commands,),
        tool_rules=shared["tool_rules"],
        conventions=shared["conventions"],
        existing=existing,
    )
