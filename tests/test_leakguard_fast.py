"""The leak guard's shortcuts (masked-line scan, batched normalising, packed
anchor ranks, per-document candidates) give what the plain definitions give."""

from __future__ import annotations

import pickle
import random
from collections import Counter
from pathlib import Path

from generator.compile import leakguard as lg
from generator.compile.leakguard import Guard, Needle, build_guard, guard_parts, merge_leaks, words
from generator.spec import load_spec
from conftest import CORPUS

VOCAB = ["a1", "a2", "b", "10", "01", "x-1", "-", "--", "caf\u00e9", "Z9", "q", "22", "k", "\u212a"]
SEPS = [" ", "  ", "\n", "\r\n", "\r", "\x0b", "\x1c", "\x1f", " \u2014 ", "\u201c", "\u2019", ".", "`", "|", "\t",
        "\u2028", "\xa0"]


def plain_scan(needles: list[Needle], files: dict[str, bytes]) -> list[tuple]:
    """Every needle found as a run of words of a line, line by line, no shortcut."""
    out = []
    for path in sorted(files):
        for n, line in enumerate(files[path].decode("utf-8", errors="replace").splitlines(), 1):
            ws = words(line)
            found = []
            for i in range(len(ws)):
                for x in needles:
                    if tuple(ws[i : i + len(x.words)]) == x.words and x not in found:
                        found.append(x)
            out += [(path, n, x) for x in sorted(found, key=needles.index)]
    return out


def leaks(guard: Guard, files: dict[str, bytes]) -> list[tuple]:
    return sorted(((x.path, x.line, x.needle) for x in guard.scan(files)),
                  key=lambda t: (t[0], t[1], guard.needles.index(t[2])))


def random_case(rnd: random.Random):
    needles = []
    for i in range(rnd.randint(1, 4)):
        ws = tuple(words(" ".join(rnd.choice(VOCAB) for _ in range(rnd.randint(1, 3)))))
        if ws and all(n.words != ws for n in needles):
            needles.append(Needle("sentence", ws, f"D9:{i}", " ".join(ws)))
    files = {f"f{k}.md": "".join(rnd.choice(VOCAB) + rnd.choice(SEPS) for _ in range(rnd.randint(0, 30))).encode()
             for k in range(rnd.randint(1, 4))}
    return needles, files


def test_scan_finds_what_a_plain_line_by_line_search_finds():
    rnd = random.Random(11)
    for _ in range(1500):
        needles, files = random_case(rnd)
        if needles:
            common = {w: rnd.randint(0, 2) for w in VOCAB}
            assert leaks(Guard(needles, common), files) == plain_scan(needles, files), (needles, files)


def test_lines_differing_only_in_digits_are_each_judged():
    g = Guard([Needle("id", ("hs-1993",), "D9:1", "HS-1993")])
    files = {"a.md": b"see HS-1994 here\n", "b.md": b"see HS-1993 here\n", "c.md": b"see HS-1994 here\n"}
    assert [(x.path, x.line) for x in g.scan(files)] == [("b.md", 1)]
    assert g.scan({"a.md": b"see HS-1994 here\nsee hs-1993, here\n"})[0].line == 2


def test_scans_of_disjoint_shares_merge_into_one_scan():
    rnd = random.Random(12)
    for _ in range(300):
        needles, files = random_case(rnd)
        if not needles:
            continue
        g = Guard(needles)
        paths = sorted(files)
        rnd.shuffle(paths)
        k = rnd.randint(0, len(paths))
        parts = [g.scan({p: files[p] for p in paths[:k]}), g.scan({p: files[p] for p in paths[k:]})]
        assert merge_leaks(parts) == g.scan(files)


def test_long_text_drops_lone_dashes_like_short_text():
    rnd = random.Random(13)
    for _ in range(50):
        text = " ".join(rnd.choice(["-", "--", "a-b", "x", "---", "Y", "-z"]) for _ in range(rnd.randint(200, 900)))
        want = [w for w in text.casefold().split() if w.strip("-")]
        assert words(text) == want


def test_batched_words_match_words_one_by_one():
    rnd = random.Random(14)
    alphabet = ["a", "B", " ", "-", "--", "\t", "\r", "\x0b", "\x1c", "\u2028", "\xa0", "\u2014", "\u2019", "\xc9",
                "\xdf", ".", "x-1", "|", "\u212a"]
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(3000)]
    assert lg._words_of(texts) == {t: tuple(words(t)) for t in texts}
    assert lg._words_of(texts + ["two\nlines"]) == {t: tuple(words(t)) for t in texts + ["two\nlines"]}


def test_packed_ranks_order_as_the_triple():
    rnd = random.Random(15)
    for _ in range(200):
        vocab = ["w" * rnd.randint(1, 9) + str(i) for i in range(rnd.randint(1, 12))]
        freq = Counter({w: rnd.randint(1, 40) for w in vocab})
        common = {w: rnd.randint(-3, 1 << 31) for w in vocab if rnd.random() < 0.7}
        packed = lg._ranks(freq, common)
        triple = {w: (common.get(w, 0), c, -len(w)) for w, c in freq.items()}
        for a in vocab:
            for b in vocab:
                assert (packed[a] < packed[b]) == (triple[a] < triple[b])
                assert (packed[a] == packed[b]) == (triple[a] == triple[b])


def test_shown_needles_do_not_depend_on_other_needles():
    """A document shows the same needles whether probed with all needles or with its candidates."""
    rnd = random.Random(16)
    for _ in range(300):
        made = {}
        for _ in range(6):
            ws = tuple(words(" ".join(rnd.choice(VOCAB[:8]) for _ in range(rnd.randint(1, 3)))))
            if ws:
                made.setdefault(ws, Needle(rnd.choice(["sentence", "command", "title"]), ws, "D9:1", "x"))
        needles = list(made.values())
        text = "\n".join(" ".join(rnd.choice(VOCAB) for _ in range(rnd.randint(0, 8))) for _ in range(6))
        index = lg._by_rare_word(needles, Counter(w for n in needles for w in n.words))
        counts = Counter(lg._normalised(text).split())
        ws = words(text)
        full = Guard(needles)
        assert lg._shown(index, "D2", text, counts) == frozenset(full.find(ws))
        want = set()
        for line in text.splitlines():
            lws = words(lg._MARKER_RE.sub("", line))
            want.update(n for n in full.find(lws) if n.kind in ("command", "sentence") and len(lws) > len(n.words))
        assert lg._shown(index, "D8", text, counts) == want


def _signature(g: Guard) -> tuple:
    def fields(n: Needle) -> tuple:
        return n.kind, n.words, n.source, n.text
    return [fields(n) for n in g.needles], [(k, [(p, fields(n)) for p, n in v]) for k, v in g.anchors.items()]


def test_guard_from_parts_made_in_other_processes_is_the_guard_built_directly(spec_copy: Path):
    """Parts made one document at a time and pickled, as another process sends them back."""
    sentences = [n.text for n in lg._needles(load_spec(spec_copy)) if n.kind == "sentence"]
    with open(next(spec_copy.glob("D2_*.md")), "a", encoding="utf-8") as f:
        f.write(f"\n{sentences[0]}\n")  # a design document shows it: not a secret
    with open(next(spec_copy.glob("D8_*.md")), "a", encoding="utf-8") as f:
        f.write(f"\nAs noted, {sentences[1]} (see above)\n")
    spec = load_spec(spec_copy)
    direct = build_guard(spec)
    assert len(direct.needles) == len(lg._needles(spec)) - 2
    cache: dict = {}
    for code in ["D9", *(c for c in lg.DESIGN_DOCS + lg.BUILDER_DOCS if spec.documents[c].present)]:
        cache.update(pickle.loads(pickle.dumps(guard_parts(spec, [code]))))
    assert _signature(build_guard(spec, cache)) == _signature(direct)


def test_references_are_counted_as_the_pattern_counts_them():
    rnd = random.Random(17)
    parts = ["d", "p", "hs", "sc", "a", "-", "1", "22", "\u0661", "\u00b2", "x", "\u00e9", "D"]
    for _ in range(3000):
        ws = tuple("".join(rnd.choice(parts) for _ in range(rnd.randint(1, 5))) for _ in range(rnd.randint(0, 6)))
        assert lg._references(ws) == sum(1 for w in ws if lg._REF_WORD_RE.match(w)), ws


def test_whole_share_check_gives_the_file_by_file_scan():
    """Shares where every file is clean, where one file leaks at its start or end,
    and where text is not ASCII: `scan` reports what the file-by-file scan does."""
    g = Guard([Needle("sentence", tuple(words("the tide report 12 ships")), "D9:3", "x"),
               Needle("id", ("hs-0042",), "D9:1", "HS-0042")])
    base = {f"t{k}/a.md": f"task {k}: the tide report {k} ships\nok \u2014 fine\n".encode() for k in range(5)}
    cases = [base,
             {**base, "t2/a.md": b"HS-0042 first\nthen more"},
             {**base, "t3/a.md": b"more\nlast words: The Tide report 12 SHIPS"},
             {**base, "t4/a.md": "caf\u00e9 hs-0041 and the tide\nreport 12 ships\n".encode()},
             {**base, "t1/a.md": "\u00e9 hs-0042\r\nx".encode()},
             {}]
    for files in cases:
        masked_of = {path: data.translate(lg._MASK).split(b"\n") for path, data in files.items()}
        assert g.scan(files) == g._scan_files(files, set(), masked_of)
    assert g.scan(base) == [] and len(g.scan(cases[1])) == 1 and len(g.scan(cases[2])) == 1


def test_slug_units_are_those_the_pattern_matches():
    rnd = random.Random(18)
    parts = ["a", "B", "0", "-", "--", " ", "\t", "\u212a", "\u00df", "x1", "\xa0", "\u0130"]
    for _ in range(5000):
        unit = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8)))
        want = lg._SLUG_WORD_RE.match(unit.strip().casefold()) is not None
        assert ("-" in unit and lg._is_slug(unit.strip())) == want, unit


def test_word_counts_are_the_counts_of_all_words():
    rnd = random.Random(19)
    lines = ["", "a b", "A b -", "caf\u00e9 \u2014 x", "q\tq", "\u212a 22", "x.y", "  ", "| k | 10 |"]
    for _ in range(500):
        text = "\n".join(rnd.choice(lines) for _ in range(rnd.randint(0, 40))) + rnd.choice(["", "\n", " z"])
        assert lg._word_counts(text) == Counter(lg._normalised(text).split()), text


def test_sentences_split_as_the_pattern_splits():
    rnd = random.Random(20)
    parts = ["a", "B.", " ", "  ", ".", "!", "?", "\t", "\xa0", "\u2028", "x?", "e.g. ", "end!"]
    for _ in range(3000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 10)))
        assert lg._sentences(text) == lg._SENTENCE_RE.split(text), text


def test_lone_dash_pattern_finds_what_the_plain_one_finds():
    import re
    plain = re.compile(r"(?<!\S)-+(?!\S)")
    rnd = random.Random(21)
    parts = ["-", "--", " ", "a", "\n", "\t", "\xa0", "\u2028", "x-", "-y", "\u2014", "\x1c"]
    for _ in range(20000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8)))
        assert [m.span() for m in lg._LONE_DASH_RE.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_wide_punctuation_goes_as_one_replace_after_another_would():
    rnd = random.Random(22)
    parts = [c.encode() for c in ["\u2014", "\u2013", "\u201c", "\u201d", "\u2018", "\u2019", "\u2026", "\u20ac", "a", " "]]
    parts += [b"\xe2", b"\x80", b"\xe2\x80", b"\x93", b"\x9d"]
    for _ in range(5000):
        data = b"".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8)))
        want = data
        for wide in lg._WIDE_PUNCT:
            want = want.replace(wide, b" ")
        assert lg._WIDE_PUNCT_RE.sub(b" ", data) == want, data


def plain_units(text: str):
    """(line, text, is_command) of every unit, repeats included: the reference for `_distinct_units`."""
    fenced = shell = False
    para: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        fence = lg._FENCE_RE.match(raw)
        if fence:
            if para:
                yield from ((start, s, False) for s in lg._SENTENCE_RE.split(" ".join(para)))
                para = []
            fenced = not fenced
            shell = fence.group(1).lower() in lg._SHELLS
            continue
        if fenced:
            yield (n, raw, True) if shell else (n, lg._KEY_RE.sub("", raw), False)
            continue
        line = raw.strip()
        if not line:
            if para:
                yield from ((start, s, False) for s in lg._SENTENCE_RE.split(" ".join(para)))
                para = []
        elif line.startswith("|"):
            if para:
                yield from ((start, s, False) for s in lg._SENTENCE_RE.split(" ".join(para)))
                para = []
            for cell in line.strip("|").split("|"):
                yield n, cell, False
        elif line.startswith("#") or lg._MARKER_RE.match(raw):
            if para:
                yield from ((start, s, False) for s in lg._SENTENCE_RE.split(" ".join(para)))
            para = [lg._MARKER_RE.sub("", line).lstrip("#").strip()]
            start = n
        else:
            if not para:
                start = n
            para.append(line)
    if para:
        yield from ((start, s, False) for s in lg._SENTENCE_RE.split(" ".join(para)))


def first_of_each(units):
    seen = {True: set(), False: set()}
    out = []
    for n, text, code in units:
        if text not in seen[code]:
            seen[code].add(text)
            out.append((n, text, code))
    return out


UNIT_LINES = ["```", "```bash", "``` sh", "~~~yaml", "  ```json", "````", "```Bash", "~~~", "text ``` inside",
              "# Title", "## A. b", "#", "- item one. Two!", "* x", "+ y", "> quote? yes", "1. first", "2) second",
              "10.no space", "-dash", "| a | b |", "|x|", "  | c |", "key: value", "- k.v: w", "", "   ", "\t",
              "plain words here.", "more words? and more", "HS-001 title-slug", "a-b-c", "x\x0cy", "p\rq", "caf\u00e9. N",
              "\u2028", "  indented line", "**Bold:** it is.", "end!  next"]


def test_distinct_units_are_the_first_of_each_unit_in_order():
    rnd = random.Random(11)
    for _ in range(3000):
        text = "\n".join(rnd.choice(UNIT_LINES) for _ in range(rnd.randint(0, 30)))
        assert lg._distinct_units(text) == first_of_each(plain_units(text)), text


def test_distinct_units_of_real_holdout_documents():
    docs = [Path(__file__).resolve().parent.parent / "specs" / "inkwell" / "D9_HOLDOUT_SCENARIOS.md"]
    docs += sorted(CORPUS.glob("**/D9_*.md")) if CORPUS.is_dir() else []
    for path in docs:
        text = path.read_text(encoding="utf-8")
        assert lg._distinct_units(text) == first_of_each(plain_units(text)), path
        doubled = text + "\n\n" + text  # every paragraph repeated
        assert lg._distinct_units(doubled) == first_of_each(plain_units(doubled)), path
