"""TOML facets and the handoff index: the machine-readable side of a build.

One row per item in a stable (numeric id) order, arrays one item per line
(see `tomlout`; the files read back with tomlkit for in-place edits),
so an edit to one scenario changes only the rows that mention it. Facets
never depend on template wording and never carry anything from D9.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from generator.compile.tomlout import _array, _enc, _value, aot_row, aot_rows, dumps
from generator.compile.inputs import TaskInputs, handoff_id, inputs_repr_bytes, one_line, src
from generator.compile.questions import Question
from generator.compile.sections import _memo
from generator.model import BUILDER_VISIBLE_DOCS, ProductSpec
from generator.compile.inputs import key_of as id_key


def handoff_path(hid: str, kind: str) -> str:
    """Relative path of a handoff's file: kind is BUILDER_HANDOFF, AGENT_PROMPT or EXPECTED_ANSWERS."""
    return f"{hid}/{hid}_{kind}.md"


class _Doc(dict):
    """Ordered keys of one TOML file, filled in writing order."""

    def add(self, key: str, value) -> None:
        self[key] = value


def _table(**values) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def _aot(rows) -> list[dict]:
    return [_table(**r) for r in rows]


_dump = dumps


def inputs_digest(t: TaskInputs) -> str:
    """Digest of everything a task's outputs are computed from."""
    return "sha256:" + hashlib.sha256(inputs_repr_bytes(t)).hexdigest()


def spec_digest(spec: ProductSpec) -> str:
    """Digest of the builder-visible documents (D9 is not part of it)."""
    h = hashlib.sha256()
    for code in BUILDER_VISIBLE_DOCS:
        d = spec.documents.get(code)
        h.update(f"{code}={d.digest if d and d.present else '-'}\n".encode())
    return "sha256:" + h.hexdigest()


def handoff_toml(t: TaskInputs, sections: dict[str, tuple[str, ...]], digest: str = "") -> bytes:
    """`handoff.toml`: the task's ids, digest, paths, trace and section sources.

    Written line by line as `dumps` writes the same keys: every value is a
    string or an array of strings, so DEL, which can only stand inside one,
    is escaped once over the whole text.
    """
    hid = handoff_id(t.task.id)
    trace = {
        "scenarios": _array([r.id for r in t.scenarios]),
        "contracts": _array([r.id for r in t.contracts]),
        "entities": _array([r.id for r in t.entities]),
        "articles": _memo("article ids array", t.articles, _ids_array),
        "depends_on": _array(t.depends_on),
        "files": _array(t.files),
        "missing": _array(t.missing),
    }
    lines = [
        f"handoff_id = {_enc(hid)}",
        f"task_id = {_enc(t.task.id)}",
        f"title = {_enc(t.task.title)}",
        f"spec = {_enc(t.spec_name)}",
        f"source = {_enc(t.task.source)}",
        f"inputs_digest = {_enc(digest or inputs_digest(t))}",
        "",
        "[paths]",
        f"handoff = {_enc(handoff_path(hid, 'BUILDER_HANDOFF'))}",
        "",
        "[trace]",
        *[f"{k} = {v}" for k, v in trace.items()],
        "",
        "[sections]",
        *[f"{k} = {_memo('sources array', v, _array) if k in _SHARED_SECTIONS else _array(v)}" for k, v in sections.items()],
    ]
    return _text_bytes(lines)


# Sections whose sources `section_sources` makes once per build from spec-wide
# pieces (the same tuple in every task), so their arrays are written once too.
_SHARED_SECTIONS = frozenset(("constraints", "principles"))


def _ids_array(refs) -> str:
    return _array([r.id for r in refs])


def prompt_toml(t: TaskInputs, qs: list[Question], contract_version: str, adversarial: str, digest: str = "") -> bytes:
    """`prompt.toml`: the task's ids, contract, digest, paths and one [[question]] row per question
    (written as `dumps` writes them, like `handoff.toml`)."""
    hid = handoff_id(t.task.id)
    lines = [
        f"handoff_id = {_enc(hid)}",
        f"task_id = {_enc(t.task.id)}",
        f"contract_version = {_enc(contract_version)}",
        f"adversarial = {_enc(adversarial)}",
        f"inputs_digest = {_enc(digest or inputs_digest(t))}",
        *([] if qs else ["question = []"]),
        "",
        "[paths]",
        f"handoff = {_enc(handoff_path(hid, 'BUILDER_HANDOFF'))}",
        f"prompt = {_enc(handoff_path(hid, 'AGENT_PROMPT'))}",
        f"answers = {_enc(handoff_path(hid, 'EXPECTED_ANSWERS'))}",
    ]
    if qs:  # the [[question]] rows come last
        lines.append(_question_rows(qs))
    return _text_bytes(lines)


def _text_bytes(lines: list[str]) -> bytes:
    """TOML lines as a file: DEL escaped (it only ever stands inside a string), one final newline."""
    text = "\n".join(lines) + "\n"
    if "\x7f" in text:
        text = text.replace("\x7f", "\\u007f")
    return text.encode("utf-8")


def _question_rows(qs: list[Question]) -> str:
    """The [[question]] rows after the line before them: "\\n" + "\\n\\n".join(map(_question_row, qs))."""
    return "\n" + "\n\n".join([
        f"[[question]]\nnumber = {n if n.__class__ is int else _value(n)}\ncategory = {_enc(c)}\n"
        f"text = {_enc(x)}\nsources = {_array(s)}"
        for n, c, x, _, s in qs
    ])


def _question_row(q: Question) -> str:
    """One [[question]] row, as `dumps` writes {number, category, text, sources}, DEL left raw."""
    number = q.number if q.number.__class__ is int else _value(q.number)  # an int is its own TOML
    return (
        f"[[question]]\nnumber = {number}\ncategory = {_enc(q.category)}\n"
        f"text = {_enc(q.text)}\nsources = {_array(q.sources)}"
    )


def index_json(spec: ProductSpec) -> bytes:
    """`handoff_index.json`: task id → handoff id, path, scenarios, contracts (numeric task order)."""
    return (_index_text(_index_entries(spec)) + "\n").encode("utf-8")


def _index_entries(spec: ProductSpec) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for task in sorted(spec.tasks, key=lambda t: id_key(t.id)):
        hid = handoff_id(task.id)
        out[task.id] = {
            "contracts": list(task.contracts),
            "handoff_id": hid,
            "path": handoff_path(hid, "BUILDER_HANDOFF"),
            "scenarios": list(task.scenarios),
        }
    return out


def _index_text(out: dict[str, dict]) -> str:
    """`json.dumps(out, indent=2, ensure_ascii=False)` for the index's fixed shape.

    With an indent, json encodes in Python, value by value; here each entry is
    one format of strings escaped by the same C function. Anything else than
    strings and lists of strings goes to json itself.
    """
    if not out:
        return "{}"
    entries = []
    for key, e in out.items():
        contracts, hid, path, scenarios = e["contracts"], e["handoff_id"], e["path"], e["scenarios"]
        if key.__class__ is not str or hid.__class__ is not str or path.__class__ is not str:
            return json.dumps(out, indent=2, ensure_ascii=False)
        try:
            entries.append(
                f'  {_enc(key)}: {{\n    "contracts": {_json_list(contracts)},\n    "handoff_id": {_enc(hid)},\n'
                f'    "path": {_enc(path)},\n    "scenarios": {_json_list(scenarios)}\n  }}'
            )
        except TypeError:  # a list item that is not a string
            return json.dumps(out, indent=2, ensure_ascii=False)
    return "{\n" + ",\n".join(entries) + "\n}"


def _json_list(items: list[str]) -> str:
    """A list of strings as json writes it at the index's depth (indent 2)."""
    if not items:
        return "[]"
    return "[\n      " + ",\n      ".join(map(_enc, items)) + "\n    ]"


def _by_id(items):
    return sorted(items, key=lambda x: id_key(x.id))


def _edges(spec: ProductSpec, entities_of: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    # (id_key(from), rel, id_key(to)) flattened: id keys are pairs, so the order is the
    # same, and a flat tuple compares without a nested compare per id
    return sorted(_edge_rows(spec, entities_of), key=lambda r: (*id_key(r[0]), r[1], *id_key(r[2])))


def _edge_rows(spec: ProductSpec, entities_of: dict[str, list[str]]) -> set[tuple[str, str, str]]:
    rows: set[tuple[str, str, str]] = set()
    for t in spec.tasks:
        rows.update((t.id, "satisfies", s) for s in t.scenarios)
        rows.update((t.id, "implements", c) for c in t.contracts)
        rows.update((t.id, "depends_on", d) for d in t.depends_on)
        rows.update((t.id, "uses", e) for e in entities_of.get(t.id, []))
    for c in spec.contracts:
        rows.update((s, "specified_by", c.id) for s in c.scenarios)
    for e in spec.entities:
        rows.update((e.id, "serves", s) for s in e.scenarios)
    return rows


def _doc_key(spec: ProductSpec, codes: tuple[str, ...]) -> tuple:
    out = []
    for c in codes:
        d = spec.documents.get(c)
        out.append((c, d.filename, d.present, d.digest) if d is not None else (c,))
    return tuple(out)


class _Rows:
    """One array-of-tables facet written row by row: each row's TOML block is kept
    under the row's values, so a rebuild after an edit renders only the new rows.
    Rows are tuples of values for `names` (arrays as tuples, so a row is its own
    key); the concatenation equals `dumps({key: rows})` of the same rows as tables."""

    def __init__(self, key: str, names: tuple[str, ...], cache: dict | None, remember: bool = True):
        self.key = key
        self.names = names
        self.old = cache or {}
        self.new: dict = {}
        self.remember = remember  # False: nobody keeps the blocks, so skip keying them

    def block(self, row: tuple) -> str:
        if not self.remember:
            return aot_row(self.key, self.names, row)
        b = self.new.get(row)
        if b is None:
            b = self.old.get(row)
            if b is None:
                b = aot_row(self.key, self.names, row)
            self.new[row] = b
        return b

    def dumps(self, rows: Iterable[tuple]) -> bytes:
        if not self.remember:
            rows = list(rows)
            text = aot_rows(self.key, self.names, rows)
            if text is not None:
                return (text + "\n").encode("utf-8") if rows else _dump({self.key: []})
        blocks = [self.block(r) for r in rows]
        if not blocks:
            return _dump({self.key: []})
        return ("\n\n".join(blocks) + "\n").encode("utf-8")


# Which documents each facet reads (the edges also read what the tasks use: D3, D4, D7).
_FACET_DOCS = {
    "scenarios": ("D2",),
    "tasks": ("D8",),
    "contracts": ("D4",),
    "entities": ("D3",),
    "articles": ("D1",),
    "clarifications": ("D6",),
    "edges": ("D3", "D4", "D7", "D8"),
}


def spec_facets(spec: ProductSpec, source_label: str, entities_of, cache: dict | None = None) -> dict[str, bytes]:
    """facets/*.toml for the whole spec; `entities_of` maps task id → entity ids it uses
    (or is a function returning that map, called only when the edges are rebuilt).

    `cache` (a dict the caller keeps between builds, as watch mode does) lets a
    facet whose documents are unchanged be reused and a changed one render only
    its changed rows; the bytes are the same either way.
    """
    files: dict[str, bytes] = {}
    old = cache if cache is not None else {}
    new: dict = {}

    def cached(name: str, build) -> None:
        key = (source_label, _doc_key(spec, _FACET_DOCS[name]))
        got = old.get(("facet", name))
        if got is None or got[0] != key:
            got = (key, build(old.get(("rows", name))))
        new[("facet", name)] = got
        files[f"facets/{name}.toml"] = got[1]

    def rows_of(name: str, key: str, names: tuple[str, ...], rows) -> None:
        def build(row_cache):
            r = _Rows(key, names, row_cache, remember=cache is not None)
            data = r.dumps(rows())
            new[("rows", name)] = r.new
            return data

        cached(name, build)
        if ("rows", name) not in new and ("rows", name) in old:
            new[("rows", name)] = old[("rows", name)]

    doc = _Doc()
    doc.add("name", spec.name)
    doc.add("component", one_line(spec.component_name))
    doc.add("package_id", one_line(spec.package_id))
    doc.add("source", source_label)
    doc.add("digest", spec_digest(spec))
    doc.add(
        "document",
        _aot(
            {"code": c, "file": d.filename, "present": d.present, "digest": d.digest}
            for c in BUILDER_VISIBLE_DOCS
            if (d := spec.documents.get(c))
        ),
    )
    files["facets/spec.toml"] = _dump(doc)

    rows_of(
        "scenarios",
        "scenario",
        ("id", "title", "priority", "kind", "source"),
        lambda: [(s.id, one_line(s.title), s.priority, s.kind, src(s.source)) for s in _by_id(spec.scenarios)],
    )
    rows_of(
        "tasks",
        "task",
        ("id", "title", "phase", "handoff_id", "depends_on", "scenarios", "contracts", "source"),
        lambda: [
            (
                t.id,
                one_line(t.title),
                one_line(t.phase),
                handoff_id(t.id),
                tuple(t.depends_on),
                tuple(t.scenarios),
                tuple(t.contracts),
                src(t.source),
            )
            for t in _by_id(spec.tasks)
        ],
    )
    rows_of(
        "contracts",
        "contract",
        ("id", "kind", "title", "scenarios", "source"),
        lambda: [(c.id, c.kind, one_line(c.title), tuple(c.scenarios), src(c.source)) for c in _by_id(spec.contracts)],
    )
    rows_of(
        "entities",
        "entity",
        ("id", "name", "scope", "fields", "source"),
        lambda: [(e.id, one_line(e.name), e.scope, len(e.fields), src(e.source)) for e in _by_id(spec.entities)],
    )

    def articles(_):
        const = spec.constitution
        d = _Doc()
        d.add("version", one_line(const.version))
        d.add("article", _aot({"number": a.number, "title": one_line(a.title), "source": src(a.source)} for a in const.articles))
        d.add("boundary", _aot({"kind": b.kind, "text": one_line(b.text), "source": src(b.source)} for b in const.boundaries))
        return _dump(d)

    cached("articles", articles)

    def clarifications(_):
        d = _Doc()
        d.add(
            "clarification",
            _aot(
                {"id": c.id, "title": one_line(c.title), "status": c.status, "source": src(c.source)}
                for c in _by_id(spec.clarifications)
            ),
        )
        d.add("gap", _aot({"id": g.id, "title": one_line(g.title), "status": g.status, "source": src(g.source)} for g in _by_id(spec.gaps)))
        return _dump(d)

    cached("clarifications", clarifications)
    rows_of("edges", "edge", ("from", "rel", "to"), lambda: _edges(spec, entities_of() if callable(entities_of) else entities_of))
    if cache is not None:
        cache.clear()
        cache.update(new)
    return files
