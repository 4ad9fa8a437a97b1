"""Reference lists read through the fast paths name the same ids as the full reading.

`ids.split_refs` skips the range and abbreviation patterns when the text cannot
hold them; `records._line_form` reads each distinct body line once. Both are
compared here with the straightforward readings on generated texts.
"""

from __future__ import annotations

import random

from generator.spec import ids, records


def full_expand(text: str) -> list[str]:
    """The reading without shortcuts: ranges, then abbreviations, then plain ids."""
    out: list[str] = []
    pos = 0
    spans: list[tuple[int, int, list[str]]] = []
    for m in ids._RANGE_RE.finditer(text):
        kind, a, b = m.group(1), m.group(2), m.group(3)
        lo, hi = int(a), int(b)
        if hi < lo or hi - lo > ids._MAX_RANGE:
            found = [ids._fmt(kind, lo, len(a)), ids._fmt(kind, hi, len(a))]
        else:
            found = [ids._fmt(kind, n, len(a)) for n in range(lo, hi + 1)]
        spans.append((m.start(), m.end(), found))
    for m in ids._ABBR_RE.finditer(text):
        if any(s <= m.start() < e for s, e, _ in spans):
            continue
        kind, first = m.group(1), m.group(2)
        found = [ids._fmt(kind, int(first), len(first))]
        found += [ids._fmt(kind, int(n), len(n.strip())) for n in m.group(3).split(",") if n.strip()]
        spans.append((m.start(), m.end(), found))
    spans.sort()
    for start, end, found in spans:
        out += [x.group(0) for x in ids.ID_RE.finditer(text, pos, start)]
        out += found
        pos = end
    out += [x.group(0) for x in ids.ID_RE.finditer(text, pos)]
    return out


def full_split(text: str, kinds=None) -> tuple[list[str], list[str]]:
    if not text or ids.is_none_value(text):
        return [], []
    outside = ids._PAREN_RE.sub(" ", text)
    while ids._PAREN_RE.search(outside):
        outside = ids._PAREN_RE.sub(" ", outside)
    found = full_expand(outside) if ids.ID_RE.search(outside) else full_expand(text)
    wanted = set(kinds) if kinds is not None else None
    keep: list[str] = []
    other: list[str] = []
    seen: set[tuple] = set()
    for ident in found:
        k = ids.id_key(ident)
        if k in seen:
            continue
        seen.add(k)
        (keep if wanted is None or k[0] in wanted else other).append(ident)
    return keep, other


_PIECES = ["SC-001", "SC-EC-002", "T-5", "T-010", "HS-2001", "IN-3", "ERR-004", ",", ", ", ",002", ", 003", ",\t04",
           " through ", " thru ", "..", "...", "–", " (", ")", "(T-001)", "None", "N/A", "—", "-", " ", "x", "D2 ",
           "SC-", "007", "through", "T-001–T-004", "SC-006..009", "0", "**", "٣", ",٣٣"]


def test_split_refs_matches_full_reading():
    rnd = random.Random(4242)
    for _ in range(20000):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 12)))
        for kinds in (None, ("SC", "SC-EC"), ("T",)):
            assert ids.split_refs(text, kinds) == full_split(text, kinds), (text, kinds)


def test_written_reference_lists():
    for text in ("D2 SC-001, SC-002, SC-003", "SC-001,002,003", "T-005 through T-009", "SC-EC-002..003",
                 "None (needs T-001 first)", "Foundation (SC-010, SC-011)", "T-001–T-004", "IN-001, OUT-001 (GAP-2)"):
        assert ids.split_refs(text) == full_split(text), text


def test_line_form_matches_field_reading():
    lines = ["**Priority:** P1", "**GIVEN** a thing", "GIVEN x", "Priority: P2", "Depends on: T-1 | Scope: S",
             "a | b", "Scope S | Priority P1 | x", "**Setup:**", "plain prose", "**CRITICAL: all of it**",
             "Shared? (YES/NO): yes", "Note (see below)", "AND then", "- Dependency: T-001 | Phase 2"]
    for text in lines:
        gwt, f, recs = records._line_form(text)
        assert gwt == bool(records._GWT_RE.match(text))
        expect_recs = ()
        if not gwt and records.parse_field(text) is None and " | " in text:
            r = records.parse_pipe_record(text)
            expect_recs = tuple(r) if len(r) >= 2 else ()
        assert recs == expect_recs, text
        assert f == (None if gwt or recs else records.parse_field(text)), text


def reference_gather(nodes, chosen):
    """The node-by-node reading `records._gather` must equal."""
    items, stack, cur = [], [], None
    for i, n in enumerate(nodes):
        if i in chosen:
            form, ident, title = chosen[i]
            if n.kind == "heading":
                while stack and stack[-1].level >= n.level:
                    stack.pop()
            cur = records.Item(ident, records.id_kind(ident), form, n.line, records._clean_title(title),
                               n.level if form == "heading" else 0, n, context=list(stack))
            items.append(cur)
            if n.kind == "heading":
                stack.append(records.Heading(n.text, n.level, n.line))
            if form == "yaml":
                cur.nodes.append(n)
            continue
        if n.kind == "heading":
            while stack and stack[-1].level >= n.level:
                stack.pop()
            stack.append(records.Heading(n.text, n.level, n.line))
            if cur is not None and (cur.level == 0 or n.level <= cur.level):
                cur = None
        if cur is not None and cur.form == "bullet":
            if n.kind == "line" and n.depth <= 1 and (n.bullet or n.first):
                cur = None
            elif n.kind != "line" and n.depth < 1:
                cur = None
        if cur is not None:
            cur.nodes.append(n)
    return items


def random_nodes(rnd):
    from generator.spec.blocks import Node

    out = []
    for k in range(rnd.randint(0, 40)):
        r = rnd.random()
        ident = f"{rnd.choice(['T', 'SC', 'HS'])}-{rnd.randint(1, 9):03d}"
        if r < 0.2:
            out.append(Node("heading", k + 1, text=rnd.choice([ident + ": x", "Section", "**" + ident + "**"]),
                            level=rnd.randint(1, 4)))
        elif r < 0.8:
            bullet = rnd.choice(["", "", "-", "*"])
            text = rnd.choice([f"**{ident}:** t", f"{ident} — t", f"{ident}: t", "**Priority:** P1", "prose", "- x"])
            out.append(Node("line", k + 1, text=text, depth=rnd.choice([0, 0, 1, 1, 2]), bullet=bullet,
                            first=rnd.random() < 0.5))
        elif r < 0.9:
            out.append(Node("fence", k + 1, text=rnd.choice(["x\n", f"scenario_id: {ident}\n"]), depth=rnd.randint(0, 1)))
        else:
            out.append(Node("table", k + 1, rows=[["a"], ["b"]], depth=rnd.randint(0, 1)))
    return out


def test_gather_matches_node_by_node_reading():
    rnd = random.Random(99)
    for _ in range(3000):
        nodes = random_nodes(rnd)
        for kinds in (("T",), ("SC", "SC-EC"), ("HS",)):
            chosen, _ = records._choose(nodes, kinds)
            assert records._gather(nodes, chosen) == reference_gather(nodes, chosen)
