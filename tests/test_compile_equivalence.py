"""The compile core's shortcuts give exactly what their plain definitions give (no timings here)."""

from __future__ import annotations

import random
from json.encoder import encode_basestring

import pytest

from generator.compile.tomlout import dumps


def _plain_string(v: str) -> str:
    return encode_basestring(v).replace("\x7f", "\\u007f")


def _plain_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _plain_string(v)
    if isinstance(v, (list, tuple)):
        items = [_plain_value(x) for x in v]
        if len(items) <= 1:
            return f"[{', '.join(items)}]"
        return "[\n" + "".join(f"    {x},\n" for x in items) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to a facet")


def _plain_split(d: dict):
    pairs, tables, aots = [], [], []
    for k, v in d.items():
        if type(v) is dict:
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            aots.append((k, v))
        else:
            if isinstance(v, dict):
                tables.append((k, v))
            pairs.append(f"{k} = {_plain_value(v)}")
    return pairs, tables, aots


def plain_dumps(doc: dict) -> bytes:
    lines, tables, aots = _plain_split(doc)
    for k, v in tables:
        lines += ["", f"[{k}]", *_plain_split(v)[0]]
    for k, v in aots:
        for row in v:
            lines += ["", f"[[{k}]]", *_plain_split(row)[0]]
    return ("\n".join(lines).strip("\n") + "\n").encode("utf-8")


class _Str(str):
    pass


class _Dict(dict):
    pass


def _random_doc(rnd: random.Random, depth: int = 0) -> dict:
    def leaf():
        return rnd.choice(["", "a", "b\x7f", 'q"\\', "ü\n\t", "\x00", _Str("s\x7f"), 0, 7, -3, True, False])

    def value():
        r = rnd.random()
        if r < 0.4:
            return leaf()
        if r < 0.7:
            return rnd.choice([list, tuple])(leaf() for _ in range(rnd.randint(0, 4)))
        if r < 0.75:
            return [rnd.choice(["x", "y\x7f"]), [leaf(), leaf()]]
        if depth < 1 and r < 0.85:
            return rnd.choice([dict, _Dict])(_random_doc(rnd, depth + 1))
        if depth < 1:
            return [_random_doc(rnd, depth + 1) for _ in range(rnd.randint(1, 3))]
        return leaf()

    return {f"k{i}": value() for i in range(rnd.randint(0, 6))}


def test_dumps_matches_its_plain_definition():
    rnd = random.Random(5)
    for _ in range(5000):
        doc = _random_doc(rnd)
        try:
            want = plain_dumps(doc)
        except TypeError:
            with pytest.raises(TypeError):
                dumps(doc)
            continue
        assert dumps(doc) == want, doc


def test_dumps_refuses_what_toml_facets_never_hold():
    for bad in ({"x": 1.5}, {"x": ["a", 1.5]}, {"x": [{"a": 1}, "b"]}, {"t": {"x": None}}):
        with pytest.raises(TypeError):
            dumps(bad)


def _all_inputs(spec):
    from generator.compile.inputs import SpecIndex, task_inputs

    ix = SpecIndex(spec)
    return [task_inputs(spec, t, ix) for t in spec.tasks]


@pytest.fixture(scope="module")
def synthetic_spec(tmp_path_factory):
    from synth import generate_spec

    from generator.spec import load_spec

    d = tmp_path_factory.mktemp("synth") / "spec"
    generate_spec(d, tasks=40, style="full", seed=3)
    return load_spec(d)


def test_inputs_repr_is_the_dataclass_repr(synthetic_spec):
    from conftest import EXAMPLE_SPEC

    from generator.compile.inputs import inputs_repr
    from generator.spec import load_spec

    for spec in (load_spec(EXAMPLE_SPEC), synthetic_spec):
        inputs = _all_inputs(spec)
        assert [inputs_repr(t) for t in inputs] == [repr(t) for t in inputs]
        assert [inputs_repr(t) for t in inputs] == [repr(t) for t in inputs]  # again, from the remembered parts


def aot_block(key: str, row: dict) -> str:
    from generator.compile.tomlout import aot_row

    return aot_row(key, tuple(row), tuple(row.values()))


def test_aot_block_is_one_row_of_dumps():
    rnd = random.Random(6)
    for _ in range(3000):
        row = _random_doc(rnd)
        try:
            want = plain_dumps({"row": [row]}).decode("utf-8").rstrip("\n")
        except TypeError:
            continue
        assert aot_block("row", row) == want, row


_TEXT_ALPHABET = ["a", "B", " ", "  ", "\t", "\n", "\r", "\x0b", "\x1c", "\x85", "\u2028", "\xa0", "\u3000", "—", "Art", "ART.", "art", "icles", " 3", "-5", " and 7", "ſ", "K", "ı", "İ", "p", "part 3", "_"]


def _texts(n: int, seed: int):
    rnd = random.Random(seed)
    for _ in range(n):
        yield "".join(rnd.choice(_TEXT_ALPHABET) for _ in range(rnd.randint(0, 14)))


def test_one_line_collapses_whitespace_like_the_regex():
    import re

    from generator.compile.inputs import one_line

    for text in [*_texts(20000, 7), "", None]:
        assert one_line.__wrapped__(text) == re.sub(r"\s+", " ", text or "").strip(), repr(text)


def test_article_numbers_skip_only_texts_without_a_match():
    from generator.compile.inputs import _ARTICLE_RE, _article_numbers

    for text in _texts(20000, 8):
        if not _ARTICLE_RE.search(text):
            assert _article_numbers(text) == set()
        else:
            assert _article_numbers(text), repr(text)


def _loop_spelling(template: str) -> str:
    """The default template as an overlay would write it: a loop per list, attribute lookups."""
    import re

    text = re.sub(
        r'^\{\{ items\["(\w+)_text"\] \}\}\{##\}$',
        lambda m: "{%% for text in items.%s %%}\n{{ text }}\n{%% endfor %%}" % m.group(1),
        template,
        flags=re.M,
    )
    text = re.sub(r'items\["piece"\]\["(\w+)"\]', r't.piece("\1")', text)
    while '["' in text:
        text = re.sub(r'(\w+)\["(\w+)"\]', r"\1.\2", text)
    return text


def test_overlay_templates_with_per_line_loops_give_the_same_bytes(tmp_path, synthetic_spec):
    """The per-line lists stay in the context: an overlay that loops over them matches the defaults."""
    from conftest import EXAMPLE_SPEC

    from generator.compile import CompileOptions, compile_spec
    from generator.compile.templating import default_dir, environment
    from generator.spec import load_spec

    for p in default_dir().glob("*.j2"):
        looped = _loop_spelling(p.read_text(encoding="utf-8"))
        assert "_text" not in looped and '["' not in looped, p.name
        (tmp_path / p.name).write_text(looped, encoding="utf-8")
    try:
        for spec in (load_spec(EXAMPLE_SPEC), synthetic_spec):
            assert compile_spec(spec, CompileOptions(templates=str(tmp_path))) == compile_spec(spec, CompileOptions())
    finally:
        environment.cache_clear()


def test_prompt_toml_rows_match_dumps(synthetic_spec):
    from conftest import EXAMPLE_SPEC

    from generator.compile.facets import _Doc, _table, handoff_path, prompt_toml
    from generator.compile.inputs import handoff_id
    from generator.compile.questions import questions
    from generator.spec import load_spec

    def plain(t, qs, version, adversarial, digest):
        hid = handoff_id(t.task.id)
        doc = _Doc(handoff_id=hid, task_id=t.task.id, contract_version=version, adversarial=adversarial, inputs_digest=digest)
        doc["paths"] = _table(
            handoff=handoff_path(hid, "BUILDER_HANDOFF"),
            prompt=handoff_path(hid, "AGENT_PROMPT"),
            answers=handoff_path(hid, "EXPECTED_ANSWERS"),
        )
        doc["question"] = [{"number": q.number, "category": q.category, "text": q.text, "sources": list(q.sources)} for q in qs]
        return plain_dumps(doc)

    for spec in (load_spec(EXAMPLE_SPEC), synthetic_spec):
        for t in _all_inputs(spec):
            for kind in ("genesis", "infrastructure"):
                qs = questions(t, kind)
                assert prompt_toml(t, qs, "1.2.0", kind, "sha256:x") == plain(t, qs, "1.2.0", kind, "sha256:x")
            assert prompt_toml(t, [], "1.2.0", kind, "d") == plain(t, [], "1.2.0", kind, "d")


def test_aot_block_escapes_braces_in_names_and_del_in_values():
    for key, row in [
        ("r{0}", {"a{b}": "v", "c}": 1, "{": ["x", "y"]}),
        ("row", {"a": "del\x7f", "b": ("t\x7f",), "n": 3}),
        ("row", {}),
    ]:
        assert aot_block(key, row) == plain_dumps({key: [row]}).decode("utf-8").rstrip("\n")


def test_prompt_toml_escapes_del_anywhere_in_a_question(synthetic_spec):
    from generator.compile.facets import prompt_toml
    from generator.compile.questions import Question

    t = _all_inputs(synthetic_spec)[0]
    qs = [Question(1, "sc\x7fope", "te\x7fxt", ("a",), ("D1:1\x7f", "D2:2")), Question(2, "x", "y", (), ("z\x7f",))]
    got = prompt_toml(t, qs, "1.2.0", "genesis", "d").decode("utf-8")
    assert "\x7f" not in got and got.count("\\u007f") == 4


def test_contract_fields_scanned_as_one_text_name_the_same_entities(synthetic_spec):
    from generator.compile.inputs import Ref, SpecIndex, _named_entities
    from generator.spec.ids import find_ids

    rnd = random.Random(9)
    parts = ["E-1", "E-002", "xE-3", "E-4x", "-E-5", "E-6-", "E-7_", " ", "\n", "(", "E", "-", "8", "SC-1", ",", "E-9."]
    ix = SpecIndex(synthetic_spec)
    for _ in range(3000):
        values = ["".join(rnd.choice(parts) for _ in range(rnd.randint(0, 5))) for _ in range(rnd.randint(0, 4))]
        c = Ref("contract", "IN-1", fields=tuple((f"f{i}", v) for i, v in enumerate(values)))
        want = [i for v in values for i in find_ids(v) if i.startswith("E-")]
        assert _named_entities(ix, c) == want, values


def test_handoff_toml_is_what_dumps_writes(synthetic_spec):
    import dataclasses

    from conftest import EXAMPLE_SPEC

    from generator.compile.facets import handoff_path, handoff_toml
    from generator.compile.inputs import handoff_id
    from generator.compile.sections import section_sources
    from generator.spec import load_spec

    def plain(t, sections, digest):
        hid = handoff_id(t.task.id)
        doc = {"handoff_id": hid, "task_id": t.task.id, "title": t.task.title, "spec": t.spec_name, "source": t.task.source}
        doc["inputs_digest"] = digest
        doc["paths"] = {"handoff": handoff_path(hid, "BUILDER_HANDOFF")}
        doc["trace"] = {
            "scenarios": [r.id for r in t.scenarios],
            "contracts": [r.id for r in t.contracts],
            "entities": [r.id for r in t.entities],
            "articles": [r.id for r in t.articles],
            "depends_on": list(t.depends_on),
            "files": list(t.files),
            "missing": list(t.missing),
        }
        doc["sections"] = {k: list(v) for k, v in sections.items()}
        return plain_dumps(doc)

    for spec in (load_spec(EXAMPLE_SPEC), synthetic_spec):
        for t in _all_inputs(spec):
            sections = section_sources(t)
            assert handoff_toml(t, sections, "sha256:x") == plain(t, sections, "sha256:x")
    odd = dataclasses.replace(t, task=dataclasses.replace(t.task, title="a\x7fb", source=""), missing=("X\x7f",))
    sections = dict(section_sources(odd), mission=("D8\x7f:1",))
    assert handoff_toml(odd, sections, "d") == plain(odd, sections, "d")
