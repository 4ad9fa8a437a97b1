"""The cold-build shortcuts give exactly what the plain definitions give (no timings here)."""

from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

from generator.compile.leakguard import Guard, Needle, words
from generator.compile.templating import normalise
from generator.compile.tomlout import dumps

_PUNCT = str.maketrans({c: " " for c in "`*_|\"'()[]{}<>,;:!?.#=—–“”‘’\\"})
ALPHABET = ["a", "B", " ", "-", "--", "\t", "\n", "\r", "\x0b", "\x1c", "\u2028", "\xa0", "—", "’", "É", "ß", ".", "*", "x-1", "|"]


def plain_words(text: str) -> list[str]:
    return [w for w in text.casefold().translate(_PUNCT).split() if w.strip("-")]


def plain_normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def samples(n: int, seed: int):
    rnd = random.Random(seed)
    for _ in range(n):
        yield "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 16)))


def test_words_and_normalise_match_their_plain_definitions():
    for text in samples(20000, 1):
        assert words(text) == plain_words(text), repr(text)
        assert normalise(text) == plain_normalise(text), repr(text)


def test_anchor_is_the_least_common_rarest_longest_first_word():
    rnd = random.Random(2)
    vocab = [f"w{i}" * rnd.randint(1, 3) for i in range(30)]
    needles = [Needle("sentence", tuple(rnd.choice(vocab) for _ in range(rnd.randint(1, 6))), f"D9:{i}", "x") for i in range(200)]
    common = {w: rnd.randint(0, 3) for w in vocab[:10]}
    g = Guard(needles, common)
    freq: dict[str, int] = {}
    for n in needles:
        for w in n.words:
            freq[w] = freq.get(w, 0) + 1
    want: dict[str, list] = {}
    for n in needles:
        ws = n.words
        pos = min(range(len(ws)), key=lambda i: (common.get(ws[i], 0), freq[ws[i]], -len(ws[i]), i))
        want.setdefault(ws[pos], []).append((pos, n))
    assert g.anchors == want and list(g.anchors) == list(want)


def test_facet_toml_reads_back_as_written():
    rnd = random.Random(3)

    def value(depth: int):
        r = rnd.random()
        if r < 0.35:
            return rnd.choice(["a", "b\x7f", 'q"', "ü\n", ""])
        if r < 0.5:
            return rnd.choice([True, False, 0, 7, -3])
        if r < 0.7:
            return rnd.choice([[], ["x"], ["x", "y"], ("t", "u"), [1, 2]])
        if depth < 1 and r < 0.85:
            return {f"t{i}": value(depth + 1) for i in range(rnd.randint(0, 3))}
        if depth < 1:
            return [{f"r{i}": value(depth + 1) for i in range(rnd.randint(1, 3))} for _ in range(rnd.randint(1, 3))]
        return "leaf"

    def plain(v):  # what TOML gives back: tuples are arrays
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    for _ in range(500):
        doc = {f"k{i}": value(0) for i in range(rnd.randint(0, 6))}
        back = tomllib.loads(dumps(doc).decode("utf-8"))
        assert back == plain(doc)


def test_an_overlay_may_still_build_its_own_lines(tmp_path: Path, example_spec: Path):
    """Templates get the finished lines in `items`, and still every value they are made of."""
    from generator.compile.core import CompileOptions, compile_spec
    from generator.spec import load_spec

    (tmp_path / "handoff.md.j2").write_text(
        "{% for key, title in titles %}{{ title }}: {{ sources[key] | places }}\n{% endfor %}"
        '{{ t.scenarios | map(attribute="id") | join(", ") }}\n'
        "{% for s in t.scenarios %}{{ test_name(s.id, s.title) }}\n{% endfor %}",
        encoding="utf-8",
    )
    spec = load_spec(example_spec)
    out = compile_spec(spec, CompileOptions(templates=str(tmp_path)))
    default = compile_spec(spec, CompileOptions())
    first = sorted(p for p in out if p.endswith("_BUILDER_HANDOFF.md"))[0]
    text = out[first].decode("utf-8")
    assert text.startswith("Mission: ") and "test_" in text
    assert out[first] != default[first]
    assert {p: b for p, b in out.items() if not p.endswith("_BUILDER_HANDOFF.md")} == {
        p: b for p, b in default.items() if not p.endswith("_BUILDER_HANDOFF.md")
    }
