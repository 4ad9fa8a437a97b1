"""Refuse any output that carries D9 material the builders may not see.

D9 is cut into needles: holdout ids, titles and slugs, each command line of
its bash steps, and every sentence or table cell of meaningful length.
Needles the spec shows builders anyway are dropped (see `build_guard`).
Outputs are then scanned line by line: each needle is anchored on its
rarest word, so a line is looked at closely only when a set intersection
says one of those anchors is in it. Most outputs are cleared before that,
on their lines with digits masked (see `Guard.scan`). The guard is built
once; `Guard.scan` over disjoint shares of the outputs, merged with
`merge_leaks`, reports what one scan of them all does.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import accumulate, chain, compress, count, filterfalse, repeat
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from operator import add, attrgetter, not_

from generator.errors import FactoryError
from generator.model import ProductSpec

_PUNCT = str.maketrans({c: " " for c in "`*_|\"'()[]{}<>,;:!?.#=—–“”‘’\\"})
_WIDE = "—–“”‘’"  # the non-ASCII characters of _PUNCT
_MARKER_RE = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_FENCE_RE = re.compile(r"^\s*(?:```|~~~)\s*(\w*)")
_SHELLS = ("", "bash", "sh", "shell", "console", "zsh")
_REF_WORD_RE = re.compile(r"^(?:[a-z]+(?:-[a-z]+)?-\d+|d\d+|p\d)$")
_KEY_RE = re.compile(r"^\s*-?\s*[\w.-]+:\s*")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_SLUG_WORD_RE = re.compile(r"^[a-z0-9]*[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z0-9]*[a-z][a-z0-9]*$")
# `words` as bytes for ASCII text: ASCII casefold is lower(), the same
# punctuation becomes a space, and so do \x1c-\x1f, which str.split treats
# as whitespace. Lines are split on \n alone, so text holding another line
# break str.splitlines knows takes the slow path.
_FOLD = bytearray(range(256))
for _c in b"`*_|\"'()[]{}<>,;:!?.#=\\\x1c\x1d\x1e\x1f":
    _FOLD[_c] = 0x20
for _c in range(0x41, 0x5B):
    _FOLD[_c] = _c + 0x20
_ASCII_FOLD = bytes(_FOLD)
_WIDE_PUNCT = tuple(c.encode("utf-8") for c in "—–“”‘’")
# All of them at once: each is E2 80 and one more byte, so no two occurrences
# overlap and a space put in place of one never completes another.
_WIDE_PUNCT_RE = re.compile(b"|".join(map(re.escape, _WIDE_PUNCT)))
# The bytes fold with every digit read as 0. Folding keeps word boundaries, so an
# anchor in a line leaves its masked form among the masked line's words; and lines
# that differ only in their numbers, which is much of what sets one task's outputs
# apart, mask to one line that is proven clean once.
_MASK = _ASCII_FOLD.translate(bytes.maketrans(b"123456789", b"000000000"))
_ODD_BREAKS = (b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")
# A word made of dashes only; \s and \S are str.split's whitespace and its complement.
# It is (?<!\S)-+(?!\S) with the first dash ahead of the look-behind, so that a
# search skips straight to dashes instead of trying every position.
_LONE_DASH_RE = re.compile(r"-(?<!\S-)-*(?!\S)")
MIN_WORDS = 5  # sentences shorter than this are too common to call a leak
MIN_COMMAND = 2  # words in a command line


def _normalised(text: str) -> str:
    """`text` case folded, with the punctuation `words` drops turned into spaces."""
    if not text.isascii():  # lower and translate are fast only on ASCII: drop the wide punctuation first
        for c in _WIDE:
            if c in text:
                text = text.replace(c, " ")
    # No character folds to or from the wide punctuation, and ASCII folds as lower() does.
    return (text.lower() if text.isascii() else text.casefold()).translate(_PUNCT)


def words(text: str) -> list[str]:
    """Normalised words: case folded, markdown punctuation removed, lone dashes dropped."""
    return _split_words(_normalised(text))


def _split_words(text: str) -> list[str]:
    """The words of normalised text, lone dashes dropped."""
    if "-" in text and _LONE_DASH_RE.search(text):  # only then is there a word to drop
        ws = text.split()
        if len(ws) < 256:
            return [w for w in ws if w.strip("-")]
        # A whole document: find its few distinct dash words, then drop them in C.
        dashes = {w for w in set(ws) if not w.strip("-")}
        return list(filterfalse(dashes.__contains__, ws))
    return text.split()


class Needle(NamedTuple):
    """One piece of D9 the outputs may not carry. A named tuple rather than a
    dataclass: a big D9 makes tens of thousands, and sets and dicts hash them."""

    kind: str  # "id" | "title" | "slug" | "command" | "sentence"
    words: tuple[str, ...]
    source: str  # D9 file:line
    text: str


@dataclass(frozen=True)
class Leak:
    path: str
    line: int
    needle: Needle

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: holdout {self.needle.kind} from {self.needle.source}: {self.needle.text[:80]!r}"


class LeakError(FactoryError):
    """Outputs would carry D9 material; nothing is written (exit 1)."""

    def __init__(self, leaks: list[Leak]):
        self.leaks = leaks
        super().__init__("\n".join(str(x) for x in leaks))


def merge_leaks(parts: Iterable[list[Leak]]) -> list[Leak]:
    """The leaks of `Guard.scan` over disjoint shares of the outputs (say, one per
    worker process), in the order one scan of them all reports them."""
    return sorted(chain.from_iterable(parts), key=attrgetter("path"))


_BLANK, _TABLE, _START, _PLAIN, _FENCE = range(5)  # line kinds (`_line_kind`)


def _line_kind(raw: str) -> tuple[int, object]:
    """What one line of a markdown document is to `_distinct_units`, with what it holds.

    A fence line gives whether its fence is a shell one; a table row, its
    cells; a heading or list item (which starts a paragraph), its text with
    the marker dropped; a plain line, its text. Outside fences a line's kind
    depends on the line alone, so each distinct line is classified once.
    """
    fence = _FENCE_RE.match(raw) if ("```" in raw or "~~~" in raw) else None
    if fence:
        return _FENCE, fence.group(1).lower() in _SHELLS
    line = raw.strip()
    if not line:
        return _BLANK, None
    c = line[0]
    if c == "|":
        return _TABLE, line.strip("|").split("|")
    if c == "#" or ((c in "-*+>" or c.isdecimal()) and _MARKER_RE.match(raw)):
        return _START, _MARKER_RE.sub("", line).lstrip("#").strip()
    return _PLAIN, line


def _distinct_units(text: str) -> list[tuple[int, str, bool]]:
    """(line, text, is_command) units of a markdown document, each distinct one
    once (commands and the rest apart), where it first stands.

    Shell fence lines are commands; other fence lines (YAML, JSON) are read
    as sentences without their key; prose gives sentences and table cells:
    a paragraph (plain lines, or a heading or list item and the plain lines
    after it) is joined and cut into sentences. A paragraph repeating an
    earlier one gives only sentences already found, so it is not cut again.
    """
    out: list[tuple[int, str, bool]] = []
    add = out.append
    seen_code: set[str] = set()
    seen_prose: set[str] = set()
    seen_para: set[str] = set()
    kinds: dict[str, tuple[int, object]] = {}
    keyless: dict[str, str] = {}

    def flush(para: list[str], start: int) -> None:
        joined = " ".join(para)
        if joined in seen_para:
            return
        seen_para.add(joined)
        for s in _sentences(joined):
            if s not in seen_prose:
                seen_prose.add(s)
                add((start, s, False))

    fenced = shell = False
    para: list[str] = []  # the lines of the open paragraph, which starts at line `start`
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        k = kinds.get(raw)
        if k is None:
            k = kinds[raw] = _line_kind(raw)
        kind = k[0]
        if kind == _FENCE:
            if para:
                flush(para, start)
                para = []
            fenced = not fenced
            shell = k[1]
        elif fenced:
            if shell:
                if raw not in seen_code:
                    seen_code.add(raw)
                    add((n, raw, True))
            else:
                unit = keyless.get(raw)
                if unit is None:
                    unit = keyless[raw] = _KEY_RE.sub("", raw)
                if unit not in seen_prose:
                    seen_prose.add(unit)
                    add((n, unit, False))
        elif kind == _PLAIN:
            if not para:
                start = n
            para.append(k[1])
        elif kind == _BLANK:
            if para:
                flush(para, start)
                para = []
        elif kind == _START:
            if para:
                flush(para, start)
            para = [k[1]]
            start = n
        else:  # a table row: each cell a unit
            if para:
                flush(para, start)
                para = []
            for cell in k[1]:
                if cell not in seen_prose:
                    seen_prose.add(cell)
                    add((n, cell, False))
    if para:
        flush(para, start)
    return out


def _sentences(text: str) -> list[str]:
    """`text` split after each sentence's end mark (`_SENTENCE_RE`). The pattern
    starts with a look-behind, so the search tries every position: text with
    no end mark is not searched."""
    if "." in text or "!" in text or "?" in text:
        return _SENTENCE_RE.split(text)
    return [text]


def _ranks(freq: Counter, common: Mapping[str, int]) -> dict:
    """Each word's anchor rank: the anchor is the word with the least
    (common count, needle count, -length).

    With integer counts the triple is packed into one int of the same order,
    which compares faster; anything else keeps the triple.
    """
    counts = dict(zip(freq, map(common.get, freq, repeat(0))))
    if not freq or not set(map(type, counts.values())) <= {int}:
        return {w: (counts[w], c, -len(w)) for w, c in freq.items()}
    m = max(freq.values()) + 1
    span = max(map(len, freq)) + 1
    return {w: (counts[w] * m + c) * span + span - 1 - len(w) for w, c in freq.items()}


class Guard:
    """The D9 needles of one spec, ready to scan outputs."""

    def __init__(self, needles: list[Needle], common: Mapping[str, int] | None = None, freq: Counter | None = None):
        """`common` counts words in the text the outputs are made of: anchors avoid frequent ones.
        `freq`, how many of `needles` hold each word, is counted here unless given."""
        self.needles = needles
        if freq is None:
            freq = Counter(chain.from_iterable(n.words for n in needles))
        common = common or {}
        rank = _ranks(freq, common)
        self.anchors: dict[str, list[tuple[int, Needle]]] = {}
        anchors = self.anchors
        for n in needles:
            ws = n.words
            if len(ws) == 1:
                pos = 0
            else:
                rs = list(map(rank.__getitem__, ws))
                pos = rs.index(min(rs))  # the first on a tie
            hit = anchors.get(ws[pos])
            if hit is None:
                anchors[ws[pos]] = [(pos, n)]
            else:
                hit.append((pos, n))
        self._keys = frozenset(self.anchors)
        self._bkeys = frozenset(map(str.encode, self._keys))
        self._masked = frozenset(map(bytes.translate, self._bkeys, repeat(_MASK)))

    def find(self, ws: list[str]) -> list[Needle]:
        """Needles that occur as a run of words in `ws`."""
        hits = self._keys.intersection(ws)
        if not hits:
            return []
        found: dict[Needle, None] = {}  # in the order first found
        anchors = self.anchors
        for i in compress(count(), map(hits.__contains__, ws)):
            for off, n in anchors[ws[i]]:
                start = i - off
                if start >= 0 and tuple(ws[start : start + len(n.words)]) == n.words and n not in found:
                    found[n] = None
        return list(found)

    def scan(self, files: Mapping[str, bytes]) -> list[Leak]:
        """Every leak in `files`, by path and line.

        The masked lines (see `_MASK`) of all the files are checked first, in
        one pass: when none holds a masked anchor there is no leak. Otherwise
        each file is checked on its masked lines: one holding no masked
        anchor cannot hold a needle, and masked lines proven clean in an
        earlier file are not read again. Only the other files are read line
        by line (`_scan_file`). Where anchors are plain words the outputs use
        (real prose), most files fail that check, so once half of them have,
        the rest are read line by line directly.
        Either way a file's leaks depend on it alone, so scans of disjoint
        shares of the outputs, merged with `merge_leaks`, give what one scan
        of them all gives.
        """
        if not self.needles:
            return []
        clean: set[bytes] = set()
        # All files at once first: each file's check reads a subset of these lines,
        # so if this passes, every file would. (Joined, the files would no longer
        # fit in the processor's caches: each is masked and split on its own.)
        masked_of = {path: data.translate(_MASK).split(b"\n") for path, data in files.items()}
        if self._masked_clean(chain.from_iterable(masked_of.values()), clean):
            return []
        return self._scan_files(files, clean, masked_of)

    def _scan_files(self, files: Mapping[str, bytes], clean: set[bytes],
                    masked_of: Mapping[str, list[bytes]]) -> list[Leak]:
        """`scan` file by file, `clean` holding masked lines already proven clean and
        `masked_of` each file's masked lines."""
        cache: dict[bytes, list[Needle]] = {}
        leaks: list[Leak] = []
        tried = failed = 0
        for path in sorted(files):
            data = files[path]
            masked = None
            if failed * 2 <= tried:  # masking pays only while most files pass; then read plainly
                tried += 1
                masked = masked_of[path]
                if self._masked_clean(masked, clean):
                    continue
                failed += 1
            leaks.extend(self._scan_file(path, data, masked, clean, cache))
        return leaks

    def _masked_clean(self, masked: Iterable[bytes], clean: set[bytes]) -> bool:
        """True when no word of the masked lines can be an anchor; adds the lines that proves to `clean`.

        Text that is not ASCII once the wide punctuation is gone is never
        proven here: its words need the full `words` treatment.
        """
        new = set(masked).difference(clean)
        if not new:
            return True
        text = _ascii_words(b"\n".join(new))
        if text is not None and self._masked.isdisjoint(text.split()):
            clean.update(new)
            return True
        return False

    def _scan_file(self, path: str, data: bytes, masked: list[bytes] | None, clean: set[bytes],
                   cache: dict) -> list[Leak]:
        """The leaks of one file, line by line; `cache` holds the verdict per distinct line.

        Plain-ASCII files (after mapping the typographic dashes and quotes
        `words` drops anyway) are normalised as bytes, which gives the same
        words far faster; anything else goes through `words` line by line.
        Given the file's `masked` lines, those in `clean` are skipped.
        A line is looked at closely only when one of its words is an anchor.
        """
        raw = data
        if not data.isascii():  # the wide punctuation is all non-ASCII
            data = _WIDE_PUNCT_RE.sub(b" ", data)
        if data.isascii() and not any(b in data for b in _ODD_BREAKS):
            if masked is None and self._bkeys.isdisjoint(data.translate(_ASCII_FOLD).split()):
                return []  # no anchor anywhere in the file: no needle can be in it
            lines = data.split(b"\n")  # aligned with `masked`: no mapping here touches a line feed
            todo = range(1, len(lines) + 1)
            if masked is not None:
                todo = compress(todo, map(not_, map(clean.__contains__, masked)))
            fast = True
        else:
            lines = raw.decode("utf-8", errors="replace").splitlines()
            todo = range(1, len(lines) + 1)
            fast = False
        leaks: list[Leak] = []
        for n in todo:  # the numbers of the lines left to read
            line = lines[n - 1]
            hit = cache.get(line)
            if hit is None:
                hit = cache[line] = self._find_line(line, fast)
            if hit:
                leaks.extend(Leak(path, n, x) for x in hit)
        return leaks

    def _find_line(self, line, fast: bool) -> list[Needle]:
        if not fast:
            return self.find(words(line))
        ws = line.translate(_ASCII_FOLD).split()
        if self._bkeys.isdisjoint(ws):
            return []
        return self.find([w.decode("ascii") for w in ws if w.strip(b"-")])


def _ascii_words(text: bytes) -> bytes | None:
    """`text` with the wide punctuation turned into spaces, or None when other non-ASCII is left."""
    if text.isascii():
        return text
    text = _WIDE_PUNCT_RE.sub(b" ", text)
    return text if text.isascii() else None


def _needles(spec: ProductSpec) -> list[Needle]:
    d9 = spec.documents.get("D9")
    if not d9 or not d9.present:
        return []
    name = d9.filename
    cands = _candidates(spec, d9.text)
    ws_of = _words_of([text for _, text, _, _ in cands])
    # (kind, words) → the first needle with them.
    unique: dict[tuple, Needle] = {}
    for kind, text, line, minimum in cands:
        ws = ws_of[text]
        if len(ws) < minimum or (kind, ws) in unique:
            continue
        if kind == "sentence" and len(ws) - _references(ws) < MIN_WORDS - 1:
            continue  # a list of references, not a secret
        unique[(kind, ws)] = Needle(kind, ws, f"{name}:{line}", " ".join(text.split()))
    return list(unique.values())


def _references(ws: tuple[str, ...]) -> int:
    """How many of `ws` are references (`_REF_WORD_RE`). Each holds a digit, so
    words of letters alone are not tried."""
    return len(list(filter(_REF_WORD_RE.match, filterfalse(str.isalpha, ws))))


def _candidates(spec: ProductSpec, text: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, line, minimum words) of every would-be needle, in D9 order.

    A unit repeating an earlier one of the same sort is left out: its needle
    would already be there, or be refused for the same reason.
    """
    out: list[tuple[str, str, int, int]] = []
    add = out.append
    scripts: set[str] = set()
    for h in spec.holdouts.holdouts:
        line = h.source.line if h.source else 0
        add(("id", h.id, line, 1))
        add(("title", h.title, line, 2))
        slug = _SLUG_RE.sub("-", h.title.lower()).strip("-")
        if slug.count("-") >= 1:
            add(("slug", slug, line, 1))
        for step in h.steps:
            if step.script in scripts:
                continue  # its commands are candidates already
            scripts.add(step.script)
            base = step.source.line if step.source else line
            for k, cmd in enumerate(step.script.splitlines()):
                if cmd.strip() and not cmd.strip().startswith("#"):
                    add(("command", cmd, base + k, MIN_COMMAND))
    for n, unit, code in _distinct_units(text):
        if code:
            if unit.strip() and not unit.strip().startswith("#"):
                add(("command", unit, n, MIN_COMMAND + 1))
        elif "-" in unit and _is_slug(unit.strip()):
            add(("slug", unit.strip(), n, 1))
        else:
            add(("sentence", unit, n, MIN_WORDS))
    return out


def _is_slug(text: str) -> bool:
    """`text` is one slug-like word (`_SLUG_WORD_RE`). The pattern backtracks over a
    first word, so text holding a space, which it never matches, is not tried."""
    return " " not in text and _SLUG_WORD_RE.match(text.casefold()) is not None


def _words_of(texts: list[str]) -> dict[str, tuple[str, ...]]:
    """`words` of each distinct text as a tuple, normalising them all in one pass.

    Normalising works character by character and keeps line feeds, so the
    texts are joined on them; should a text hold one itself, each is
    normalised on its own.
    """
    distinct = list(dict.fromkeys(texts))
    joined = "\n".join(distinct)
    normal = _normalised(joined)
    folded = normal.split("\n")
    if joined.count("\n") != len(distinct) - 1 or len(folded) != len(distinct):
        return {t: tuple(words(t)) for t in distinct}
    out = {t: tuple(f.split()) for t, f in zip(distinct, folded)}
    # Lone dashes are searched for once in the whole text rather than in each text: a
    # line feed is whitespace to the search and is in no match, so each match lies in
    # one text and is found there as in the text alone.
    ends = list(accumulate(len(f) + 1 for f in folded))
    for k in {bisect_right(ends, m.start()) for m in _LONE_DASH_RE.finditer(normal)}:
        out[distinct[k]] = tuple(_split_words(folded[k]))
    return out


@lru_cache(maxsize=1)
def _template_words() -> frozenset[str]:
    """Words of the default templates and of the lines formatted for them (only
    steers anchor choice, never what counts as a leak)."""
    from generator.compile.sections import ITEM_WORDING
    from generator.compile.templating import default_dir

    out: set[str] = set(words(ITEM_WORDING))
    for p in sorted(default_dir().glob("*.j2")):
        out.update(words(p.read_text(encoding="utf-8", errors="replace")))
    return frozenset(out)


DESIGN_DOCS = ("D1", "D2", "D3", "D4", "D5", "D6", "D7")
BUILDER_DOCS = ("D8", "D10")


def build_guard(spec: ProductSpec, cache: dict | None = None) -> Guard:
    """Needles from D9 minus what the spec shows builders anyway.

    Material standing in the design documents (D1–D7: D9 restates their
    scenarios and contracts) is not a secret. D8 and D10 are written for the
    builder, so there a D9 sentence or command only counts as shown when it
    is part of a longer line of their own; a whole D9 unit copied into them,
    or any holdout id, title or slug, is still a leak.

    `cache` (a dict the caller keeps, as watch mode does) holds the pieces
    of `guard_parts` and what each document shows, per document version, so
    after an edit only the edited document is read again.
    """
    old = cache if cache is not None else {}
    new = guard_parts(spec, ("D9",), old)
    key9 = _d9_key(spec)
    needles, index, freq = new[("needles", key9)]
    if not needles:
        _keep(cache, new)
        return Guard([])
    codes = [c for c in DESIGN_DOCS + BUILDER_DOCS if spec.documents.get(c) and spec.documents[c].present]
    new.update(guard_parts(spec, codes, old))
    visible: set[Needle] = set()
    counts: list[Counter] = []
    for code in codes:
        d = spec.documents[code]
        doc_words = new[("words", code, d.digest)]
        key = ("shown", code, d.digest, key9)
        shown = old.get(key)
        if shown is None:
            shown = _shown(index, code, d.text, doc_words)
        new[key] = shown
        visible.update(shown)
        counts.append(doc_words)
    final_key = ("guard", key9, tuple((c, spec.documents[c].digest) for c in codes))
    guard = old.get(final_key)
    if guard is None:
        common = _common(freq, counts)
        guard = Guard([n for n in needles if n not in visible], common) if visible else Guard(list(needles), common, freq)
    new[final_key] = guard
    _keep(cache, new)
    return guard


def guard_parts(spec: ProductSpec, codes: Iterable[str], cache: Mapping | None = None) -> dict:
    """The pieces `build_guard` reads, as cache entries: D9's needles (when
    `codes` names D9) and the word counts of each other document named.

    The needles depend on D9 alone and a document's counts on its text
    alone, and both are plain data that pickles, so the pieces can be made
    in other processes (say, each where its document was parsed): a cache
    merged from them gives `build_guard` the guard it builds from scratch.
    `codes` name documents the spec has; entries already in `cache` are reused.
    """
    old = cache if cache is not None else {}
    out: dict = {}
    for code in codes:
        if code == "D9":
            key = ("needles", _d9_key(spec))
            got = old.get(key)
            if got is None:
                needles = _needles(spec)
                freq = Counter(chain.from_iterable(n.words for n in needles))
                got = (needles, _by_rare_word(needles, freq), freq)
        else:
            d = spec.documents[code]
            key = ("words", code, d.digest)
            got = old.get(key)
            if got is None:
                got = _word_counts(d.text)
        out[key] = got
    return out


def _word_counts(text: str) -> Counter:
    """`Counter(_normalised(text).split())`, splitting each distinct line once.

    Documents of a big spec repeat many lines (boilerplate per item): their
    words are counted once per set of lines repeated equally often, then
    multiplied. Words never span a line feed, so the counts are the same.
    """
    lines = Counter(_normalised(text).split("\n"))
    by_times: dict[int, list[str]] = {}
    for line, times in lines.items():
        group = by_times.get(times)
        if group is None:
            by_times[times] = [line]
        else:
            group.append(line)
    counts = Counter(" ".join(by_times.pop(1, ())).split())
    for times, group in by_times.items():
        for w, c in Counter(" ".join(group).split()).items():
            counts[w] += c * times
    return counts


def _d9_key(spec: ProductSpec) -> str:
    d9 = spec.documents.get("D9")
    return d9.digest if d9 and d9.present else ""


def _common(freq: Counter, counts: list[Counter]) -> dict[str, int]:
    """How often each needle word stands in the documents, plus 2**30 for template wording.

    Template wording is in every output: never an anchor if avoidable. Only
    needle words are summed, since the anchor choice reads no others.
    """
    vocab = list(freq)
    total = [0] * len(vocab)
    for c in counts:
        total = list(map(add, total, map(c.get, vocab, repeat(0))))
    common = dict(zip(vocab, total))
    for w in _template_words().intersection(freq):
        common[w] += 1 << 30
    return common


def _by_rare_word(needles: list[Needle], freq: Counter) -> dict[str, list[Needle]]:
    """Needles by their word found in the fewest needles (first on a tie), in needle order."""
    index: dict[str, list[Needle]] = {}
    for n in needles:
        w = min(n.words, key=freq.__getitem__)
        index.setdefault(w, []).append(n)
    return index


def _keep(cache: dict | None, new: dict) -> None:
    if cache is not None:
        cache.clear()
        cache.update(new)


def _shown(index: dict[str, list[Needle]], code: str, text: str, counts: Counter) -> frozenset:
    """The needles one document shows builders anyway; `counts` are its words' counts.

    A needle can be shown only if every word of it is in the document, so
    the others are dropped at once, and the rest are anchored on the word
    this document uses least: the set found does not depend on the anchors.
    """
    design = code in DESIGN_DOCS
    has = counts.__contains__
    cands = [n for w in index.keys() & counts.keys() for n in index[w]
             if (design or n.kind in ("command", "sentence")) and all(map(has, n.words))]
    if not cands:
        return frozenset()
    probe = Guard(cands, counts)
    if design:
        return frozenset(probe.find(words(text)))
    visible: set[Needle] = set()
    lines = text.splitlines()
    # A line can show a needle only if one of its words is an anchor: test that line
    # by line on the normalised text (same line breaks, a superset of the words
    # `words` keeps), before normalising a line on its own.
    quick_lines = _normalised(text).splitlines()
    if len(quick_lines) != len(lines):
        quick_lines = lines  # cannot happen; never trade correctness for the shortcut
    keys = probe._keys
    for line, quick in zip(lines, quick_lines):
        if keys.isdisjoint(quick.split()):
            continue
        lws = words(_MARKER_RE.sub("", line))
        visible.update(n for n in probe.find(lws) if len(lws) > len(n.words))
    return frozenset(visible)


def check(spec: ProductSpec, files: Mapping[str, bytes], guard: Guard | None = None) -> None:
    """Raise LeakError naming every place an output carries D9 material."""
    leaks = (guard or build_guard(spec)).scan(files)
    if leaks:
        raise LeakError(leaks)
