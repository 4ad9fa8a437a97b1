"""Raw records: the tolerant middle of the parse.

A document becomes sections (heading tree), metadata and *items*: every id
definition with the nodes that belong to it and the fields read from them.
Nothing is dropped: lines that are not fields stay in `Item.prose`, tables
and fences in `Item.nodes`. The typed builders read from these records only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from generator.spec.blocks import Node
from generator.spec.ids import KINDS, scenario_family

_KIND_ALT = "|".join(KINDS)
_ID = rf"(?:{_KIND_ALT})-\d+"
# The title is the rest of the heading up to its last character other than "*`_"
# (matched greedily: a lazy ".*?" would try the closing "[*`_]*$" after each character).
_HEAD_DEF_RE = re.compile(rf"^[*`_]*({_ID})[*`_]*(?:\s*(?:[:—–]|\s-\s|\s)\s*((?:.*[^*`_\n])?))?[*`_]*$")
_BOLD_DEF_RE = re.compile(rf"^\*\*`?({_ID})`?\b(?:\s*(?:[:—–]|\s-\s|\s)\s*(.*?))?\s*\*\*\s*$")
_BARE_DEF_RE = re.compile(rf"^({_ID})(?:\s*(?:[:—–]|\s-\s)\s*(.*)|\s+(\S.*))?$")
_BULLET_DEF_RE = re.compile(rf"^\*{{0,2}}`?({_ID})`?\*{{0,2}}\s*(?:[:—–]|\s-\s)\s*(.*)$")
_YAML_ID_RE = re.compile(r"^\s*scenario_id:\s*[\"']?((?:HS)-\d+)[\"']?\s*$", re.MULTILINE)

FORM_RANK = {"heading": 4, "bold": 3, "bare": 2, "bullet": 1, "yaml": 0}

# Which id kinds each document defines.
DEFINES: dict[str, tuple[str, ...]] = {
    "D2": ("SC", "SC-EC", "DEF"),
    "D3": ("E",),
    "D4": ("IN", "OUT", "SIDE", "ERR", "TD"),
    "D5": ("RQ",),
    "D6": ("GAP", "CLR"),
    "D8": ("T",),
    "D9": ("HS",),
}

# Field keys a spec uses (normalised). Bold keys are accepted even if absent.
_KNOWN_KEYS = frozenset(
    k.strip()
    for k in (
        "priority|source|testing approach|what|why|why deferred|trigger|trigger to add|impact|impact if never added|"
        "scope|used by|description|invariants|fields|json example|example|caller|scenarios|request shape|constraints|"
        "consumer|response shape|example response|example success|example failure|target system|write shape|"
        "ordering guarantee|failure behavior|failure behaviour|condition|caller action|retryable|returns|prompted by|"
        "sources consulted|findings|problem statement|options considered|options|decision|rationale|category|"
        "what is needed|need|existing contract|existing|gap description|shared|recommendation|resolution|"
        "resolution note|impact if unresolved|found during|question|status|blocks|note|file|responsibility|"
        "implements|depends on|exposes|phase|phase + name|parallel/serial|parallel|serial|dependency|dependencies|"
        "scenarios satisfied|contracts implemented|acceptance criteria|validates|contracts|type|setup|execute|verify|"
        "cleanup|authority basis|notes for evaluator|rule|test|violations|when|order|threshold|on failure|"
        "boundary table|gaps found|title|observable postconditions|postconditions|preconditions|notes|"
        "component|used in|error code|error codes|http status|signature|input|output|inputs|outputs|"
        "json example (intact)|pass condition|fail condition|environment|environment variables"
    ).split("|")
)

_KEYS_LONGEST_FIRST = sorted(_KNOWN_KEYS, key=lambda k: (-len(k), k))

_BOLD_FIELD_RE = re.compile(r"^\*\*([^*]{1,80}?)\*\*\s*(\([^)]*\))?\s*(:?)\s*(.*)$")
_PLAIN_FIELD_RE = re.compile(r"^([A-Za-z][\w /+&'.-]{0,50}?)\s*(\([^)]*\))?\s*(\?)?\s*:\s*(.*)$")
_SHARED_Q_RE = re.compile(r"^([A-Za-z][\w /+&'-]{0,40}\?)\s*(\([^)]*\))?\s*:?\s*(.*)$")
_PAREN_ONLY_RE = re.compile(r"^([A-Za-z][\w /+&'-]{0,40}?)\s*\(([^)]*)\)\s*$")
_GWT_RE = re.compile(r"^\W*\**\s*(GIVEN|WHEN|THEN|AND)\b")


_PAREN_KEY_RE = re.compile(r"\([^)]*\)")
_SPACES_RE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def norm_key(key: str) -> str:
    """Compare keys by meaning: "**Shared?:**", "Shared? (YES/NO)" → "shared"."""
    k = key.replace("**", "").replace("`", "").replace("_", " ").strip()
    k = _PAREN_KEY_RE.sub(" ", k)
    k = k.strip().rstrip(":?").strip().lower()
    return _SPACES_RE.sub(" ", k)


def strip_md(text: str) -> str:
    """Plain text of an inline value: no bold/italic markers, trimmed."""
    t = text.replace("**", "").strip()
    if len(t) > 1 and t[0] == "*" and t[-1] == "*":
        t = t[1:-1]
    return t.strip()


@dataclass
class Field:
    key: str  # normalised
    raw_key: str
    value: str  # the inline value, markdown kept
    line: int
    node: Node | None = None
    more: list[Node] = field(default_factory=list)  # continuation: nested lines, lists, tables, fences

    @property
    def open(self) -> bool:
        return not self.value.strip()

    def text(self) -> str:
        """Inline value plus continuation lines, one per line."""
        if not self.more:
            return self.value.strip()
        parts = [self.value.strip()] if self.value.strip() else []
        for n in self.more:
            if n.kind == "line":
                parts.append(n.text)
        return "\n".join(parts)

    def items(self) -> list[str]:
        """Continuation list items (one per bullet, continuation lines joined)."""
        out: list[str] = []
        top = min((n.depth for n in self.more if n.kind == "line" and n.bullet), default=0)
        for n in self.more:
            if n.kind != "line":
                continue
            if n.bullet and n.depth == top:
                out.append(n.text)
            elif out:
                out[-1] += (" " if not n.bullet else " ") + n.text
            elif n.text:
                out.append(n.text)
        return out


def parse_field(text: str) -> tuple[str, str, str] | None:
    """(normalised key, raw key, value) when a line is a field line, else None."""
    if _GWT_RE.match(text):
        return None
    return _field(text)


def _field(text: str) -> tuple[str, str, str] | None:
    """`parse_field` of a line already known to be no GIVEN/WHEN/THEN line."""
    m = _BOLD_FIELD_RE.match(text)
    if m:
        raw, paren, colon, rest = m.groups()
        inner_colon = raw.rstrip().endswith(":")  # "?:" included
        if not rest and ":" in raw and not inner_colon and not paren:  # **CRITICAL: whole line**
            k, _, v = raw.partition(":")
            return (norm_key(k), k.strip(), v.strip()) if len(k) <= 40 else None
        if inner_colon or colon or not rest:
            key = norm_key(raw)
            if key and len(key.split()) <= 6:
                return key, raw.strip().rstrip(":"), rest
        return None
    m = _PLAIN_FIELD_RE.match(text)
    if m:
        raw, paren, _q, rest = m.groups()
        key = norm_key(raw)
        if key in _KNOWN_KEYS:
            return key, raw.strip(), rest
    m = _SHARED_Q_RE.match(text)
    if m and norm_key(m.group(1)) in _KNOWN_KEYS:
        return norm_key(m.group(1)), m.group(1), m.group(3)
    m = _PAREN_ONLY_RE.match(text)
    if m and norm_key(m.group(1)) in _KNOWN_KEYS:
        return norm_key(m.group(1)), m.group(1), m.group(2)
    return None


def parse_pipe_record(text: str) -> list[tuple[str, str, str]]:
    """Fields of a one-line pipe record: `Key: v | Key (v) | Key v`."""
    out = []
    for seg in text.split(" | "):
        seg = seg.strip().lstrip("-").strip()
        f = parse_field(seg)
        if f:
            out.append(f)
            continue
        low = seg.lower()
        for key in _KEYS_LONGEST_FIRST:
            if low.startswith(key + " ") and len(key) > 3:
                out.append((key, seg[: len(key)], seg[len(key):].strip()))
                break
    return out


@dataclass
class Heading:
    title: str
    level: int
    line: int


@dataclass
class Item:
    """One id definition and everything under it."""

    id: str
    kind: str
    form: str
    line: int
    title: str
    level: int  # heading level for heading forms, else 0
    head: Node
    nodes: list[Node] = field(default_factory=list)  # body, in order
    context: list[Heading] = field(default_factory=list)  # enclosing headings
    fields: dict[str, Field] = field(default_factory=dict)
    field_list: list[Field] = field(default_factory=list)
    prose: list[Node] = field(default_factory=list)
    gwt: list[Node] = field(default_factory=list)

    def get(self, *keys: str) -> Field | None:
        for k in keys:
            f = self.fields.get(k)
            if f is not None:
                return f
        return None

    def value(self, *keys: str) -> str:
        f = self.get(*keys)
        return f.text() if f else ""

    def under(self, word: str) -> bool:
        """True when an enclosing section heading (H2 and below) names `word`."""
        search = _word_re(word).search
        for h in self.context:
            if h.level > 1 and search(h.title):
                return True
        return False


@lru_cache(maxsize=64)
def _word_re(word: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(word)}", re.IGNORECASE)


def id_kind(ident: str) -> str:
    return ident.rsplit("-", 1)[0]


def _def_candidate(n: Node, kinds: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(form, id, title) when node `n` defines an id of one of `kinds`."""
    if n.kind == "heading":
        m = _HEAD_DEF_RE.match(n.text)
        if m and id_kind(m.group(1)) in kinds:
            return "heading", m.group(1), (m.group(2) or "").strip()
    elif n.kind == "line":
        if not n.bullet and n.depth == 0 and n.first:
            m = _BOLD_DEF_RE.match(n.text)
            if m and id_kind(m.group(1)) in kinds:
                return "bold", m.group(1), (m.group(2) or "").strip()
            m = _BARE_DEF_RE.match(n.text)
            if m and id_kind(m.group(1)) in kinds:
                return "bare", m.group(1), (m.group(2) or m.group(3) or "").strip()
        elif n.bullet and n.depth == 1:
            m = _BULLET_DEF_RE.match(n.text)
            if m and id_kind(m.group(1)) in kinds:
                return "bullet", m.group(1), m.group(2).strip()
    elif n.kind == "fence" and "HS" in kinds and "scenario_id" in n.text:
        m = _YAML_ID_RE.search(n.text)
        if m:
            return "yaml", m.group(1), ""
    return None


@dataclass
class Skipped:
    """A definition-like line ignored because the document uses a stronger form for that kind."""

    id: str
    form: str
    line: int
    chosen: str


def find_items(nodes: list[Node], code: str, heads: list[int] | None = None) -> tuple[list[Item], list[Skipped]]:
    """Every item a document defines, each with its body nodes and fields
    (`heads`, when given, must be `heading_indexes(nodes)`)."""
    kinds = DEFINES.get(code, ())
    if not kinds:
        return [], []
    chosen, skipped = _choose(nodes, kinds)
    items = _gather(nodes, chosen, heads)
    for it in items:
        _read_fields(it)
    return items, skipped


def heading_indexes(nodes: list[Node]) -> list[int]:
    """Indexes of the heading nodes (a plain comprehension: cheaper than chained
    `map` calls over tens of thousands of nodes)."""
    return [i for i, n in enumerate(nodes) if n.kind == "heading"]


def _choose(nodes: list[Node], kinds: tuple[str, ...]) -> tuple[dict[int, tuple[str, str, str]], list[Skipped]]:
    """The definitions read (node index → form, id, title): per id family, only those
    written in the strongest form the document uses; the others are skipped."""
    cands: list[tuple[int, str, str, str, str, int]] = []
    best: dict[str, int] = {}
    for i, n in [(i, n) for i, n in enumerate(nodes) if "-" in n.text]:  # every id is written KIND-number
        c = _def_candidate(n, kinds)
        if c:
            form, ident, title = c
            fam = scenario_family(id_kind(ident))
            rank = FORM_RANK[form]
            cands.append((i, form, ident, title, fam, rank))
            if rank > best.get(fam, -1):
                best[fam] = rank
    chosen: dict[int, tuple[str, str, str]] = {}
    skipped: list[Skipped] = []
    for i, form, ident, title, fam, rank in cands:
        if rank == best[fam]:
            chosen[i] = (form, ident, title)
        elif form != "yaml":
            top = best[fam]
            skipped.append(Skipped(ident, form, nodes[i].line, next(f for f, r in FORM_RANK.items() if r == top)))
    return chosen, skipped


def _gather(nodes: list[Node], chosen: dict[int, tuple[str, str, str]], heads: list[int] | None = None) -> list[Item]:
    """The items, each with the nodes under it. Only definitions and headings can open
    or close an item (and, under a bullet definition, the next list entry), so the
    runs of other nodes between them are handed over whole."""
    items: list[Item] = []
    stack: list[Heading] = []
    cur: Item | None = None
    events = sorted(chosen.keys() | set(heading_indexes(nodes) if heads is None else heads))
    prev = 0
    for e in events + [len(nodes)]:
        if cur is not None and prev < e:
            if cur.form == "bullet":
                for n in nodes[prev:e]:
                    cur = _follow(n, cur, stack)
                    if cur is None:
                        break
            else:
                cur.nodes += nodes[prev:e]
        if e == len(nodes):
            break
        n = nodes[e]
        prev = e + 1
        if e in chosen:
            cur = _open(n, chosen[e], stack)
            items.append(cur)
        else:
            cur = _follow(n, cur, stack)
    return items


def _open(n: Node, choice: tuple[str, str, str], stack: list[Heading]) -> Item:
    """The item a definition node opens (the heading stack updated for a heading)."""
    form, ident, title = choice
    if n.kind == "heading":
        while stack and stack[-1].level >= n.level:
            stack.pop()
    it = Item(ident, id_kind(ident), form, n.line, _clean_title(title), n.level if form == "heading" else 0, n,
              context=list(stack))
    if n.kind == "heading":
        stack.append(Heading(n.text, n.level, n.line))
    if form == "yaml":
        it.nodes.append(n)
    return it


def _follow(n: Node, cur: Item | None, stack: list[Heading]) -> Item | None:
    """The item open after node `n` (which joins it, unless it closes it)."""
    if n.kind == "heading":
        while stack and stack[-1].level >= n.level:
            stack.pop()
        stack.append(Heading(n.text, n.level, n.line))
        if cur is not None and (cur.level == 0 or n.level <= cur.level):
            cur = None
    if cur is not None and cur.form == "bullet":
        if n.kind == "line" and n.depth <= 1 and (n.bullet or n.first):
            cur = None
        elif n.kind != "line" and n.depth < 1:
            cur = None
    if cur is not None:
        cur.nodes.append(n)
    return cur


def _clean_title(t: str) -> str:
    t = t.strip().strip("*").strip()
    return t


def _read_fields(it: Item) -> None:
    """Split an item's body into fields, GIVEN/WHEN/THEN lines and prose."""
    if it.form == "bullet":
        head = it.head.text
        rest = _BULLET_DEF_RE.match(head)
        body = rest.group(2) if rest else head
        if " | " in body:
            segs = body.split(" | ")
            it.title = strip_md(segs[0])
            for key, raw, val in parse_pipe_record(" | ".join(segs[1:])):
                _add(it, Field(key, raw, val, it.head.line, it.head))
        else:
            it.title = strip_md(body)
    cur: Field | None = None
    cur_depth = 0
    last_was_field = False
    # Bound once: this loop runs for every body line of every item of a document.
    line_form, add_field, first_field, gwt_lines, prose = _line_form, it.field_list.append, it.fields.setdefault, \
        it.gwt, it.prose
    for n in it.nodes:
        kind = n.kind
        if kind == "line":
            text = n.text
            gwt, f, recs = _GWT_FORM if text.startswith(_BOLD_GWT) else line_form(text)
            if gwt:
                gwt_lines.append(n)
                cur = None
                continue
            if recs:
                for key, raw, val in recs:
                    fld = Field(key, raw, val, n.line, n)
                    add_field(fld)
                    first_field(key, fld)
                cur = None
                continue
            if cur is not None and n.depth > cur_depth:
                cur.more.append(n)
                continue
            if f is not None:
                key, raw, val = f
                cur = Field(key, raw, val, n.line, n)
                cur_depth = n.depth
                add_field(cur)
                first_field(key, cur)
                last_was_field = True
                continue
            if cur is not None and (cur.open or (not n.first and not n.bullet)):
                cur.more.append(n)
                continue
            if gwt_lines and not n.first and not n.bullet and gwt_lines[-1].line == n.line - 1:
                gwt_lines.append(n)
                continue
            prose.append(n)
            cur = None
        elif kind == "table" or kind == "fence":
            if cur is not None and (cur.open or last_was_field):
                cur.more.append(n)
            else:
                prose.append(n)
        last_was_field = False


_GWT_FORM = (True, None, ())
# Openings that make a line a GIVEN/WHEN/THEN line (`_GWT_RE` matches them), the way
# scenarios are mostly written: such lines, each different, need no cache entry.
_BOLD_GWT = ("**GIVEN**", "**WHEN**", "**THEN**", "**AND**")


@lru_cache(maxsize=1 << 14)
def _line_form(text: str) -> tuple[bool, tuple[str, str, str] | None, tuple[tuple[str, str, str], ...]]:
    """How an item's body line reads: (GIVEN/WHEN/THEN line, its field, the fields
    of a pipe record of two or more). Body lines repeat from item to item
    ("**Priority:** P1", "**Setup:**"), so each distinct text is read once."""
    if _GWT_RE.match(text):
        return _GWT_FORM
    f = _field(text)
    if f is None and " | " in text:
        recs = parse_pipe_record(text)
        if len(recs) >= 2:
            return False, None, tuple(recs)
    return False, f, ()


def _add(it: Item, f: Field) -> None:
    it.field_list.append(f)
    it.fields.setdefault(f.key, f)


def sections(nodes: list[Node]) -> list[Heading]:
    return [Heading(n.text, n.level, n.line) for n in nodes if n.kind == "heading"]
