"""The leak guard's shortcuts (masked-line scan, batched normalising, packed
anchor ranks, per-document candidates) give what the plain definitions give."""

from __future__ import annotations

import random
from collections import Counter

from generator.compile import leakguard as lg
from generator.compile.leakguard import Guard, Needle, merge_leaks, words

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
        vocab = frozenset(w for n in needles for w in n.words)
        ws = words(text)
        full = Guard(needles)
        assert lg._shown(lg._by_rare_word(needles), vocab, "D2", text)[0] == frozenset(full.find(ws))
        want = set()
        for line in text.splitlines():
            lws = words(lg._MARKER_RE.sub("", line))
            want.update(n for n in full.find(lws) if n.kind in ("command", "sentence") and len(lws) > len(n.words))
        assert lg._shown(lg._by_rare_word(needles), vocab, "D8", text)[0] == want
