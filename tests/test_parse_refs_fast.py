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
