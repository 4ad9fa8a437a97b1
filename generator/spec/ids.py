"""Spec ids: recognise them, order them numerically, expand reference lists.

Specs write references loosely ("D2 SC-001, 002", "T-005 through T-009",
"SC-EC-002..003", "None (needs T-001 first)"); everything that reads a
reference list goes through `expand_refs` so all stages agree on its meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Longest prefixes first so "SC-EC-001" is not read as "SC-…".
KINDS = ("SC-EC", "SC", "DEF", "E", "IN", "OUT", "SIDE", "ERR", "RQ", "GAP", "CLR", "T", "HS", "TD")
CONTRACT_PREFIXES = ("IN", "OUT", "SIDE", "ERR")
_KIND_ALT = "|".join(KINDS)

ID_RE = re.compile(rf"(?<![\w-])({_KIND_ALT})-(\d+)(?![\w-]*\w)")
# "X-005 through X-009", "X-005 through 009", "X-006..009", "X-006..X-009", "X-001–X-004".
_RANGE_RE = re.compile(
    rf"(?<![\w-])({_KIND_ALT})-(\d+)\s*(?:\s(?:through|thru)\s|\.\.\.?|–)\s*(?:(?:{_KIND_ALT})-)?(\d+)(?![\w-]*\w)"
)
# "SC-001,002,003": bare numbers glued to an id by commas.
_ABBR_RE = re.compile(rf"(?<![\w-])({_KIND_ALT})-(\d+)((?:,\s?\d{{2,}}(?![\w-]))+)")
_COMMA_NUMBER_RE = re.compile(r",\s?\d")  # what `_ABBR_RE` cannot match without
_PAREN_RE = re.compile(r"\([^()]*\)")
_NONE_RE = re.compile(r"^\W*(none|n/a|nothing|—|-)(\W|$)", re.IGNORECASE)
_MAX_RANGE = 1000  # a typo like "T-001 through T-9999" must not explode


def kind_of(ident: str) -> str:
    """The id's kind prefix ("SC-EC" for "SC-EC-001", "T" for "T-004")."""
    m = ID_RE.fullmatch(ident)
    return m.group(1) if m else ident.rsplit("-", 1)[0]


def scenario_family(kind: str) -> str:
    """SC and SC-EC are both D2 scenarios."""
    return "SC" if kind == "SC-EC" else kind


def id_key(ident: str) -> tuple:
    """Sort key comparing numerically: GAP-2 < GAP-10, GAP-1 == GAP-001."""
    m = ID_RE.fullmatch(ident.strip())
    if not m:
        return (ident, -1)
    return (m.group(1), int(m.group(2)))


def norm_id(ident: str) -> tuple[str, int]:
    """Identity of an id for lookups, so "GAP-1" finds "GAP-001"."""
    return id_key(ident)  # type: ignore[return-value]


def sort_ids(ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=id_key)


def is_none_value(text: str) -> bool:
    """True for values that say there is nothing: "None", "None (…T-001…)", "N/A"."""
    return bool(_NONE_RE.match(text.strip().strip("*").strip()))


def _fmt(kind: str, n: int, width: int) -> str:
    return f"{kind}-{n:0{width}d}"


def _expand_text(text: str) -> list[str]:
    if not _may_range(text) and not ("," in text and _COMMA_NUMBER_RE.search(text)):  # ids as written
        return [x.group(0) for x in ID_RE.finditer(text)]
    out: list[str] = []
    pos = 0
    spans: list[tuple[int, int, list[str]]] = []
    for m in _RANGE_RE.finditer(text):
        kind, a, b = m.group(1), m.group(2), m.group(3)
        lo, hi = int(a), int(b)
        if hi < lo or hi - lo > _MAX_RANGE:
            ids = [_fmt(kind, lo, len(a)), _fmt(kind, hi, len(a))]
        else:
            ids = [_fmt(kind, n, len(a)) for n in range(lo, hi + 1)]
        spans.append((m.start(), m.end(), ids))
    for m in _ABBR_RE.finditer(text):
        if any(s <= m.start() < e for s, e, _ in spans):
            continue
        kind, first = m.group(1), m.group(2)
        ids = [_fmt(kind, int(first), len(first))]
        ids += [_fmt(kind, int(n), len(n.strip())) for n in m.group(3).split(",") if n.strip()]
        spans.append((m.start(), m.end(), ids))
    spans.sort()
    for start, end, ids in spans:
        out += [x.group(0) for x in ID_RE.finditer(text, pos, start)]
        out += ids
        pos = end
    out += [x.group(0) for x in ID_RE.finditer(text, pos)]
    return out


def _may_range(text: str) -> bool:
    """False when `_RANGE_RE` cannot match: it needs "through", "thru", ".." or "–"."""
    return "–" in text or ".." in text or "thr" in text


@lru_cache(maxsize=1 << 16)
def _key(ident: str) -> tuple:
    return id_key(ident)


def split_refs(text: str, kinds: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
    """(ids of the wanted kinds, ids of other kinds) named in a reference value.

    Parenthetical reasons are skipped when the text outside them names ids;
    otherwise ("Foundation (SC-010, SC-011)") the parenthesis is the list.
    A value that starts with "None" names nothing.
    """
    if not text:
        return [], []
    one = ID_RE.fullmatch(text)
    if one is not None:  # a single id, as coverage cells and many fields hold: named as written
        return ([text], []) if kinds is None or one.group(1) in set(kinds) else ([], [text])
    if is_none_value(text):
        return [], []
    if "(" in text:
        outside = _PAREN_RE.sub(" ", text)
        while _PAREN_RE.search(outside):
            outside = _PAREN_RE.sub(" ", outside)
        found = _expand_text(outside) if ID_RE.search(outside) else _expand_text(text)
    elif _may_range(text) or ("," in text and _COMMA_NUMBER_RE.search(text)):
        found = _expand_text(text)
    else:
        return _split_written(text, kinds)
    wanted = set(kinds) if kinds is not None else None
    keep: list[str] = []
    other: list[str] = []
    seen: set[tuple] = set()
    for ident in found:
        k = _key(ident)
        if k in seen:
            continue
        seen.add(k)
        (keep if wanted is None or k[0] in wanted else other).append(ident)
    return keep, other


def _split_written(text: str, kinds: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """`split_refs` of a text naming its ids as written (no range, list or parenthesis):
    each id's key is read from its own match (`id_key` of the matched text gives the
    same), not looked up, most ids of a spec being named once."""
    wanted = set(kinds) if kinds is not None else None
    keep: list[str] = []
    other: list[str] = []
    seen: set[tuple] = set()
    for m in ID_RE.finditer(text):
        kind, number = m.groups()
        k = (kind, int(number))
        if k in seen:
            continue
        seen.add(k)
        (keep if wanted is None or kind in wanted else other).append(m.group(0))
    return keep, other


def expand_refs(text: str, kinds: Iterable[str] | None = None) -> list[str]:
    """Ids named in a reference value, in written order, without duplicates."""
    return split_refs(text, kinds)[0]


def find_ids(text: str) -> list[str]:
    """Every id written in a text (no range expansion, no None rule)."""
    return [m.group(0) for m in ID_RE.finditer(text)]
