"""Typed entities of D9 (holdouts) and D10 (agent context)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from generator.model import AgentContext, CoverageRow, Diagnostic, Holdout, HoldoutStep, Holdouts
from generator.spec.build_front import tool_rules
from generator.spec.ids import ID_RE, expand_refs
from generator.spec.records import Field, Item, strip_md
from generator.spec.view import DocView, bullets, list_items, priority_of, row_line, table_dicts

SCENARIO_KINDS = ("SC", "SC-EC")
CONTRACT_KINDS = ("IN", "OUT", "SIDE", "ERR")
STEPS = ("setup", "execute", "verify", "cleanup")
_SHELLS = ("bash", "sh", "shell", "console", "zsh", "")
_YAML_KEYS_RE = re.compile(r"^\s*(scenario_id|priority|validates|authority)\s*:", re.M)


# A "key: value" line whose key and value YAML can only read as plain strings:
# a letter first, then letters, digits, spaces and "._/-" (no ":", "#", quotes,
# brackets or indent), and neither one of the words YAML reads as a bool or null.
_FLAT_LINE_RE = re.compile(r"([a-z_][a-z0-9_]*): ([A-Za-z](?:[A-Za-z0-9 _./-]*[A-Za-z0-9_./-])?)")
_YAML_WORDS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF "
                        "null Null NULL".split())


def _flat_yaml(text: str) -> dict[str, str] | None:
    """The mapping of a block made only of such lines, read without the YAML loader
    (thousands of small holdout headers cost a loader each); None for any other block."""
    out: dict[str, str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        m = _FLAT_LINE_RE.fullmatch(line)
        if m is None:
            return None
        key, value = m.groups()
        if key in _YAML_WORDS or value in _YAML_WORDS:
            return None
        out[key] = value
    return out if out and _plain_words_are_strings() else None


@lru_cache(maxsize=1)
def _plain_words_are_strings() -> bool:
    """True while YAML's implicit types for a value starting with a letter are only
    bool and null (the words `_YAML_WORDS` leaves out), as in YAML 1.1."""
    import yaml

    tags = {tag for ch, rules in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
            if ch and ch.isascii() and ch.isalpha() for tag, _ in rules}
    return tags <= {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}


def _yaml(text: str) -> tuple[Any, str, int]:
    """(data, error, folded lines). A continuation line that breaks the YAML
    (a plain scalar carrying ": ") is folded into the line above, as meant."""
    flat = _flat_yaml(text)
    if flat is not None:
        return flat, "", 0
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    lines = text.split("\n")
    folded = 0
    while True:
        try:
            return yaml.load("\n".join(lines), Loader=loader), "", folded
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            k = mark.line if mark else 0
            prev = lines[k - 1] if 0 < k < len(lines) else ""
            indent = len(lines[k]) - len(lines[k].lstrip()) if 0 < k < len(lines) else 0
            if folded < 20 and prev.strip() and indent > len(prev) - len(prev.lstrip().lstrip("- ")) - 1 and indent > 0:
                lines[k - 1] = prev.rstrip() + " " + lines[k].strip()
                del lines[k]
                folded += 1
                continue
            where = f" (line {mark.line + 1} of the block)" if mark else ""
            return None, f"{getattr(exc, 'problem', None) or 'invalid YAML'}{where}", folded


def _as_text(x: Any) -> str:
    if isinstance(x, list):
        return ", ".join(str(i) for i in x)
    return "" if x is None else str(x)


@lru_cache(maxsize=256)
def _is_shell(info: str) -> bool:
    """Whether a fence's info string names a shell (a spec repeats a few of them)."""
    return (info.split() or [""])[0].lower() in _SHELLS


def _script(f: Field | None) -> tuple[str, int]:
    if f is None:
        return "", 0
    blocks = [n for n in f.more if n.kind == "fence" and _is_shell(n.info)]
    if not blocks:
        return "", 0
    return "".join([b.text for b in blocks]), blocks[0].line


def build_holdouts(v: DocView) -> tuple[Holdouts, list[Diagnostic]]:
    h = Holdouts()
    diags: list[Diagnostic] = []
    for it in v.items_of("HS"):
        h.holdouts.append(_holdout(v, it, diags))
    h.coverage = _coverage(v)
    for a, b in v.section_spans("run protocol"):
        for n in v.nodes[a + 1 : b]:
            if n.kind != "line":
                continue
            key, sep, val = strip_md(n.text).partition(":")
            if sep and len(key) < 40:
                h.run_protocol[key.strip().lower()] = val.strip()
        break
    return h, diags


def yaml_data(v: DocView, it: Item, diags: list[Diagnostic]) -> dict[str, Any]:
    """The mapping of the holdout's first YAML block ({} when none or not a mapping);
    a block that cannot be read, or only with continuation lines folded, is reported."""
    for n in it.nodes:
        if n.kind == "fence" and (n.info.lower().startswith("yaml") or n.info == "") and _YAML_KEYS_RE.search(n.text):
            loaded, err, folded = _yaml(n.text)
            if err:
                diags.append(Diagnostic(v.filename, n.line, f"{it.id}: YAML block cannot be read: {err}", "error", "parse"))
            if folded and not err:
                diags.append(Diagnostic(v.filename, n.line, f"{it.id}: YAML block has {folded} continuation line(s) that "
                                        "are not valid YAML; read as part of the value above", "warning", "parse"))
            return loaded if isinstance(loaded, dict) else {}
    return {}


def _holdout(v: DocView, it: Item, diags: list[Diagnostic]) -> Holdout:
    ho = Holdout(id=it.id, title=strip_md(it.title), source=v.src(it.line), text=v.item_text(it))
    data = yaml_data(v, it, diags)
    behavioural = bool(data) and any(k in data for k in ("authority", "expected_outcome", "action", "pass_criteria"))
    fields = it.fields  # one key each: what `it.get(key)` reads
    validates_f = fields.get("validates")
    contracts_f = fields.get("contracts")
    auth = data.get("authority") if isinstance(data.get("authority"), dict) else {}
    if auth:  # else both stay empty, as an empty value names no id
        ho.validates = expand_refs(_as_text(auth.get("d2_scenarios")), SCENARIO_KINDS)
        ho.contracts = expand_refs(_as_text(auth.get("d4_contracts")), CONTRACT_KINDS)
    if not ho.validates:
        ho.validates = expand_refs(validates_f.text() if validates_f else _as_text(data.get("validates")), SCENARIO_KINDS)
    if not ho.contracts:
        ho.contracts = expand_refs(contracts_f.text() if contracts_f else _as_text(data.get("contracts")), CONTRACT_KINDS)
    ho.ref_lines["validates"] = validates_f.line if validates_f else (it.line if it.form != "yaml" else it.head.line)
    ho.ref_lines["contracts"] = contracts_f.line if contracts_f else ho.ref_lines["validates"]
    f = fields.get("priority")
    ho.priority = priority_of(f.text() if f else "") or priority_of(_as_text(data.get("priority")))
    ho.title = ho.title or strip_md(_as_text(data.get("title")))
    f = fields.get("type") or fields.get("category")
    ho.category = strip_md(f.text() if f else "") or _as_text(data.get("category") or data.get("type"))
    for name in STEPS:
        f = fields.get(name)
        script, line = _script(f)
        if script:
            ho.steps.append(HoldoutStep(name, script, v.src(line)))
        if name == "verify" and f:
            for n in f.more:
                if n.kind == "table":
                    ho.verify_table = table_dicts(n)
                    break
    if behavioural:
        ho.form = "behavioural"
        ho.behaviour = data
    elif ho.steps:
        ho.form = "executable"
    else:
        ho.form = "stub"
    return ho


def _coverage(v: DocView) -> list[CoverageRow]:
    rows: list[CoverageRow] = []
    for n in v.nodes:
        if n.kind != "table" or len(n.rows) < 2:
            continue
        head = [c.lower() for c in n.rows[0]]
        if not head or not ("scenario" in head[0] or "contract" in head[0] or head[0].startswith("d2") or head[0].startswith("d4")):
            continue
        cov = next((k for k, c in enumerate(head) if "holdout" in c or "coverage" in c or "covered" in c), None)
        if cov is None:
            continue
        pri = next((k for k, c in enumerate(head) if "priority" in c), None)
        first = row_line(n, 0)
        for k, r in enumerate(n.rows[1:]):
            m = ID_RE.search(r[0]) if r else None  # the row's first id
            if m is None:
                continue
            rows.append(CoverageRow(m.group(0), priority_of(r[pri]) if pri is not None and pri < len(r) else "",
                                    expand_refs(r[cov], ("HS",)) if cov < len(r) else [], v.src(first + k)))
    return rows


def build_agent_context(v: DocView) -> AgentContext:
    c = AgentContext(sections=v.sections())
    for a, b in v.section_spans("command"):
        for n in v.nodes[a + 1 : b]:
            if n.kind == "fence":
                c.command_blocks.append(n.text)
                c.commands += [ln for ln in n.text.split("\n") if ln.strip()]
        break
    c.tool_rules = tool_rules(v.nodes, v.filename)
    for a, b in v.section_spans("convention"):
        c.conventions = [strip_md(t) for t, _ in list_items(v.nodes[a + 1 : b])]
        break
    for a, b in v.section_spans("key pattern"):
        body = v.nodes[a + 1 : b]
        c.key_patterns = [t for t, _ in bullets(body)] or [n.text for n in body if n.kind == "line" and n.first]
        break
    for a, b in v.section_spans("active component"):
        for n in v.nodes[a + 1 : b]:
            if n.kind == "table":
                c.components = table_dicts(n)
                break
        break
    return c
