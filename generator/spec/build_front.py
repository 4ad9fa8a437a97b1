"""Typed entities of D1 (constitution) and D2 (specification)."""

from __future__ import annotations

import re

from generator.model import Source, Article, BoundaryItem, Constitution, Deferred, Marker, Scenario, Specification, ToolRule
from generator.spec.blocks import Node
from generator.spec.ids import find_ids
from generator.spec.records import Item, strip_md
from generator.spec.view import DocView, bullets, list_items, make_item, priority_of, row_line, table_dicts

_ARTICLE_RE = re.compile(r"^\**Article\s+(\d+)\**\s*(?:[:—–.]|\s-\s)?\s*(.*?)\**$", re.IGNORECASE)
_NUM_ITEM_RE = re.compile(r"^\**\s*(.*?)\s*\**$")
_BOUNDARY_KINDS = ("ASK FIRST", "ALWAYS", "NEVER")


def build_constitution(v: DocView, meta: dict[str, str]) -> Constitution:
    c = Constitution(version=meta.get("version") or meta.get("v", ""))
    c.articles = _articles(v)
    c.boundaries = _boundaries(v)
    c.tooling = tool_rules(v.nodes, v.filename)
    wf = v.section_nodes("workflow")
    c.workflow = [t for t, _ in bullets(wf)]
    return c


def _articles(v: DocView) -> list[Article]:
    out: list[Article] = []
    nodes = v.nodes
    for i, n in enumerate(nodes):
        if n.kind != "heading":
            continue
        m = _ARTICLE_RE.match(n.text)
        if not m:
            continue
        j = i + 1
        while j < len(nodes) and not (nodes[j].kind == "heading" and nodes[j].level <= n.level):
            j += 1
        out.append(_article(int(m.group(1)), m.group(2), n, nodes[i + 1 : j], v))
    if out:
        return out
    # C style: numbered list items under "## Articles".
    for a, b in v.section_spans("article"):
        body = nodes[a + 1 : b]
        heads = [k for k, n in enumerate(body) if n.kind == "line" and n.bullet[:1].isdigit() and n.depth == 1]
        for x, k in enumerate(heads):
            end = heads[x + 1] if x + 1 < len(heads) else len(body)
            head = body[k]
            num = int(re.match(r"\d+", head.bullet).group(0))
            out.append(_article(num, head.text, head, body[k + 1 : end], v))
        break
    return out


def _article(num: int, title: str, head: Node, body: list[Node], v: DocView) -> Article:
    it = make_item(head, body)
    return Article(
        number=num,
        title=strip_md(title),
        rule=it.value("rule"),
        why=it.value("why"),
        test=it.value("test"),
        violations=it.value("violations"),
        source=v.src(head.line),
    )


def _boundaries(v: DocView) -> list[BoundaryItem]:
    """ALWAYS / ASK FIRST / NEVER items of the first section naming boundaries that has
    any (an article titled "… Failure Boundaries" has none), else of the whole document."""
    for a, b in v.section_spans("boundar"):
        found = _boundaries_in(v, a, b, v.nodes[a].level)
        if found:
            return found
    return _boundaries_in(v, 0, len(v.nodes), 0)


def _boundaries_in(v: DocView, a: int, b: int, base: int) -> list[BoundaryItem]:
    out: list[BoundaryItem] = []
    nodes = v.nodes
    kind = ""
    for n in nodes[a + 1 : b]:
        if n.kind == "heading" and n.level > base:
            kind = _boundary_kind(n.text)
            continue
        if n.kind == "line" and not n.bullet and n.depth == 0:
            k = _boundary_kind(n.text)
            if k and len(n.text) < 80:
                kind = k
                continue
        if kind and n.kind == "line" and n.bullet and n.depth == 1:
            out.append(BoundaryItem(kind, strip_md(n.text), v.src(n.line)))
        elif kind and n.kind == "line" and not n.bullet and out and out[-1].source and n.depth >= 1:
            out[-1].text += " " + n.text
    return out


def _boundary_kind(text: str) -> str:
    t = text.replace("*", "").strip().upper()
    for k in _BOUNDARY_KINDS:
        if t.startswith(k) or t.startswith(k.replace(" ", "_")):
            return k
    return ""


def tool_rules(nodes: list[Node], src_doc: str = "") -> list[ToolRule]:
    """Rows of every `Operation | USE | NOT` table."""
    out: list[ToolRule] = []
    for n in nodes:
        if n.kind != "table" or not n.rows:
            continue
        rows = table_dicts(n)
        if not rows:
            continue
        keys = list(rows[0].keys())
        use = next((k for k in keys if k.startswith("use")), None)
        avoid = next((k for k in keys if k.startswith("not") or "avoid" in k), None)
        if not use or not avoid:
            continue
        op = next((k for k in keys if k not in (use, avoid) and "why" not in k), None)
        why = next((k for k in keys if "why" in k), None)
        first = row_line(n, 0)
        for k, r in enumerate(rows):
            out.append(ToolRule(r.get(op, "") if op else "", r.get(use, ""), r.get(avoid, ""),
                                r.get(why, "") if why else "", Source(src_doc, first + k)))
    return out


_MARKER_RE = re.compile(r"^[\W_]*NEEDS CLARIFICATION", re.IGNORECASE)
_GWT_SPLIT_RE = re.compile(r"(?=[*GWTA])\**\b(GIVEN|WHEN|THEN|AND)\b\**:?")  # lookahead: only where a match can start


def _gwt(text: str) -> tuple[str, str, str, list[str]]:
    given = when = then = ""
    ands: list[str] = []
    parts = _GWT_SPLIT_RE.split(text)
    state = ""
    for k in range(1, len(parts), 2):
        word, val = parts[k], parts[k + 1].strip().strip("*").strip()
        if word == "GIVEN":
            given, state = val, "given"
        elif word == "WHEN":
            when, state = val, "when"
        elif word == "THEN":
            then, state = val, "then"
        elif word == "AND":
            if state == "given" and not when:
                given = f"{given} AND {val}".strip()
            elif state == "when" and not then:
                when = f"{when} AND {val}".strip()
            else:
                ands.append(val)
    return given, when, then, ands


def build_specification(v: DocView) -> Specification:
    s = Specification()
    s.purpose = v.section_text("purpose")
    for a, b in v.section_spans("not"):
        title = v.nodes[a].text
        if re.search(r"\bNOT\b", title):
            s.not_list = [strip_md(t) for t, _ in list_items(v.nodes[a + 1 : b])]
            break
    scenarios = v.items_of("SC", "SC-EC")
    for it, edge in zip(scenarios, _edges(scenarios)):
        given, when, then, ands = _gwt(" ".join([n.text for n in it.gwt]))
        fields = {f.key: f.text() for f in it.field_list}
        # A key written twice: the first field counts for the values below (`Item.value`).
        first = fields if len(fields) == len(it.field_list) else {k: f.text() for k, f in it.fields.items()}
        s.scenarios.append(
            Scenario(
                id=it.id,
                title=strip_md(it.title),
                priority=priority_of(first.get("priority", "")),
                given=given,
                when=when,
                then=then,
                and_=ands,
                testing_approach=first.get("testing approach", ""),
                origin=first.get("source", ""),
                kind="edge" if edge else "primary",
                source=v.src(it.line),
                fields=fields,
            )
        )
    for it in v.items_of("DEF"):
        s.deferred.append(
            Deferred(
                id=it.id,
                title=strip_md(it.title),
                what=it.value("what"),
                why=it.value("why deferred", "why"),
                trigger=it.value("trigger to add", "trigger"),
                impact=it.value("impact if never added", "impact"),
                source=v.src(it.line),
            )
        )
    for a, b in v.section_spans("success criteria"):
        s.success_criteria = [re.sub(r"^\[[ xX]\]\s*", "", t) for t, _ in bullets(v.nodes[a + 1 : b])]
        break
    s.markers = _markers(v)
    return s


def _edges(items: list[Item]) -> list[bool]:
    """Whether each scenario is an edge case (an SC-EC id, or under a section naming
    edge cases or failures). Consecutive scenarios share their enclosing headings,
    so each run of equal headings is searched once."""
    out: list[bool] = []
    last: list | None = None
    under = False
    for it in items:
        if it.kind == "SC-EC":
            out.append(True)
            continue
        if last is None or it.context != last:
            last, under = it.context, it.under("edge") or it.under("failure")
        out.append(under)
    return out


def _markers(v: DocView) -> list[Marker]:
    if not _may_hold_markers(v.lines):
        return []
    out: list[Marker] = []
    in_clar = False
    base = 0
    for n in v.nodes:
        if n.kind == "heading":
            if in_clar and n.level <= base:
                in_clar = False
            if "clarification" in n.text.lower():
                in_clar, base = True, n.level
            continue
        if n.kind != "line":
            continue
        if _MARKER_RE.match(n.text):
            out.append(Marker(n.text, [i for i in find_ids(n.text) if i.startswith("CLR-")], v.src(n.line)))
        elif in_clar and "CLR-" in n.text:
            out.append(Marker(n.text, [i for i in find_ids(n.text) if i.startswith("CLR-")], v.src(n.line)))
    return out


_NEEDS_RE = re.compile(r"NEEDS CLARIFICATION", re.IGNORECASE)


def _may_hold_markers(lines: list[str]) -> bool:
    """False when no line node can be a marker: every line node's text is part of
    one source line (comments, the only thing removed from inside a line, aside),
    so a document with no comment, no "CLR-" and no "NEEDS CLARIFICATION" in any
    case has none, and its nodes need not be walked."""
    text = "\n".join(lines)
    return "<!--" in text or "CLR-" in text or _NEEDS_RE.search(text) is not None
