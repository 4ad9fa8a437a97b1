"""The compile core's shortcuts give exactly what their plain definitions give (no timings here)."""

from __future__ import annotations

import random
from pathlib import Path
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
            odd = [qs[0]._replace(number=True), qs[1]._replace(number="7\x7f"), qs[2]._replace(sources=())]
            assert prompt_toml(t, odd, "1.2.0", kind, "d") == plain(t, odd, "1.2.0", kind, "d")


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


# --- shortcuts in the facets, the index, the digest and the answers template ---------------


def _specs_to_compare(synthetic_spec):
    """The example spec, synthetic specs in both styles, and the corpus specs when present."""
    from conftest import CORPUS, EXAMPLE_SPEC
    from synth import generate_spec

    from generator.spec import load_spec

    specs = [load_spec(EXAMPLE_SPEC), synthetic_spec]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        generate_spec(Path(tmp) / "c", tasks=30, style="compressed", seed=4)
        specs.append(load_spec(Path(tmp) / "c"))
    if CORPUS.exists():
        specs += [load_spec(p.parent) for p in sorted(CORPUS.rglob("D2_SPECIFICATION.md"))]
    return specs


@pytest.fixture(scope="module")
def compared_specs(synthetic_spec):
    return _specs_to_compare(synthetic_spec)


def _plain_index(spec) -> bytes:
    import json

    from generator.compile.facets import _index_entries

    return (json.dumps(_index_entries(spec), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def test_index_json_is_what_json_writes(compared_specs):
    import json

    from generator.compile.facets import _index_text, index_json

    for spec in compared_specs:
        assert index_json(spec) == _plain_index(spec), spec.name
    rnd = random.Random(11)
    cells = ["", "T-1", 'q"\\', "ü—\n\t", "\x00\x7f", "\u2028", "{}", 3]
    for _ in range(3000):
        out = {}
        for _ in range(rnd.randint(0, 4)):
            out[rnd.choice(cells[:-1])] = {
                "contracts": [rnd.choice(cells) for _ in range(rnd.randint(0, 3))],
                "handoff_id": rnd.choice(cells[:-1]),
                "path": rnd.choice(cells[:-1]),
                "scenarios": [rnd.choice(cells) for _ in range(rnd.randint(0, 3))],
            }
        assert _index_text(out) == json.dumps(out, indent=2, ensure_ascii=False), out


def test_aot_rows_join_one_row_at_a_time():
    from generator.compile.facets import _Rows
    from generator.compile.tomlout import aot_row, aot_rows

    rnd = random.Random(12)
    plain = ["", "a", 'q"\\', "ü\n\t—", "{0}", "}{", "%s", "%%", _Str("sub")]
    cells = [*plain, "b\x7f", 7, -3, 0, True, ("x", "y"), (), ["p"], ("t\x7f",), [1, "z"], [{"a": 1}], 1.5, None, _Str("s\x7f")]
    for n in range(4000):
        names = rnd.choice([("id", "t{i}tle", "rel"), ("a%b",), ("x", "y"), ()])
        kind = n % 3  # strings only; strings, integers and arrays; anything
        pool = plain if kind == 0 else [c for c in cells if c.__class__ in (str, int, tuple, list, _Str)] if kind == 1 else cells
        rows = [tuple(rnd.choice(pool) for _ in names) for _ in range(rnd.randint(0, 5))]
        if rnd.random() < 0.05 and rows:
            rows[0] = rows[0] + ("extra",)  # a row of another length goes one by one
        try:
            want = "\n\n".join(aot_row("edge", names, r) for r in rows)
        except TypeError:
            want = TypeError
        got = aot_rows("edge", names, rows)
        if kind == 0 and names and all(len(r) == len(names) for r in rows):
            assert got == want, rows
        assert got is None or got == want, rows
        if want is not TypeError and _hashable(rows):  # rows are keys where blocks are remembered
            assert _Rows("edge", names, None, remember=False).dumps(rows) == _Rows("edge", names, {}).dumps(rows)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def test_edges_are_in_nested_id_key_order(compared_specs):
    from types import SimpleNamespace as NS

    from generator.compile.facets import _edge_rows, _edges
    from generator.compile.inputs import SpecIndex, task_scope
    from generator.spec.ids import id_key

    def plain(spec, entities_of):
        return sorted(_edge_rows(spec, entities_of), key=lambda r: (id_key(r[0]), r[1], id_key(r[2])))

    for spec in compared_specs:
        ix = SpecIndex(spec)
        entities_of = {t.id: task_scope(ix, t)[2] for t in spec.tasks}
        assert _edges(spec, entities_of) == plain(spec, entities_of), spec.name
    rnd = random.Random(13)
    ids = ["T-1", "T-001", "T-10", "T-2", "SC-1", "SC-01", "E-3", "x", "T-", "t-1", " T-1 "]
    for _ in range(500):
        pick = lambda: [rnd.choice(ids) for _ in range(rnd.randint(0, 3))]  # noqa: E731
        spec = NS(
            tasks=[NS(id=rnd.choice(ids), scenarios=pick(), contracts=pick(), depends_on=pick()) for _ in range(4)],
            contracts=[NS(id=rnd.choice(ids), scenarios=pick()) for _ in range(2)],
            entities=[NS(id=rnd.choice(ids), scenarios=pick()) for _ in range(2)],
        )
        entities_of = {t.id: pick() for t in spec.tasks}
        assert _edges(spec, entities_of) == plain(spec, entities_of)


def test_inputs_digest_hashes_the_dataclass_repr(compared_specs):
    import hashlib

    from generator.compile.core import forget_shared_items
    from generator.compile.facets import inputs_digest

    for spec in compared_specs:
        inputs = _all_inputs(spec)
        want = ["sha256:" + hashlib.sha256(repr(t).encode("utf-8")).hexdigest() for t in inputs]
        assert [inputs_digest(t) for t in inputs] == want, spec.name
        assert [inputs_digest(t) for t in inputs] == want  # again, from the remembered parts
        forget_shared_items()


def test_answer_blocks_are_what_the_loop_prints(tmp_path, compared_specs):
    """The answers template prints one text made in Python; the loop its comment shows gives the same bytes."""
    import re

    from generator.compile import CompileOptions, compile_spec
    from generator.compile.templating import ANSWERS, default_dir, environment

    default = (default_dir() / ANSWERS).read_text(encoding="utf-8")
    loop = re.search(r"^\{% for q, .*?\{% endfor %\}\n", default, flags=re.M | re.S).group(0)
    body = default.split("-#}\n", 1)[1]
    assert body.count('{{ items["answered_text"] }}{##}\n') == 1
    (tmp_path / ANSWERS).write_text(body.replace('{{ items["answered_text"] }}{##}\n', loop), encoding="utf-8")
    try:
        for spec in compared_specs:
            for adversarial in ("genesis", "infrastructure"):
                parts = frozenset({"prompts"})
                looped = compile_spec(spec, CompileOptions(adversarial, templates=str(tmp_path), parts=parts))
                assert looped == compile_spec(spec, CompileOptions(adversarial, parts=parts)), spec.name
    finally:
        environment.cache_clear()


def test_places_group_lines_by_document_as_the_plain_loop_does():
    from generator.compile.templating import _places, places
    from generator.model import Source

    def plain(sources):
        groups = {}
        for s in sources:
            doc, _, line = str(s).partition(":")
            groups.setdefault(doc, [])
            if line:
                groups[doc].append(line)
        return "; ".join(f"{d}:{', '.join(ls)}" if ls else d for d, ls in groups.items())

    rnd = random.Random(14)
    parts = ["D1.md", "D2.md", ":", "12", "3", "", "a:b", " "]
    for _ in range(5000):
        sources = tuple("".join(rnd.choice(parts) for _ in range(rnd.randint(0, 4))) for _ in range(rnd.randint(0, 4)))
        assert places(sources) == plain(sources) == places(list(sources)) == places(iter(sources)), sources
    _places.cache_clear()
    for src in (Source("D2_SPECIFICATION.md", 7), Source("D2_SPECIFICATION.md", 0)):
        assert places((src,)) == plain((src,)), src


def test_memo_of_one_object_is_the_memo_of_a_tuple_of_it():
    from generator.compile.sections import _MEMO, _memo, _memo_all

    objs = [object() for _ in range(50)]
    calls = []

    def make(*xs):
        calls.append(xs)
        return [id(x) for x in xs]

    for o in objs:
        assert _memo("test kind", o, make) == [id(o)]
        assert _memo_all("test kind", (o,), make) == [id(o)] and _memo("test kind", o, make) == [id(o)]
    assert len(calls) == len(objs)
    _MEMO.clear()
    assert _memo("test kind", objs[0], make) == [id(objs[0])] and len(calls) == len(objs) + 1


def test_file_words_and_entity_ids_are_what_the_plain_scans_find(compared_specs):
    import re

    from generator.compile.inputs import _ENTITY_ID_RE, _FILE_WORD_RE, _task_text, file_words
    from generator.spec.ids import find_ids

    plain_words = re.compile(r"[\w./-]+\.\w+")

    def check(text):
        assert _FILE_WORD_RE.findall(text) == plain_words.findall(text) == file_words(text), repr(text)
        assert _ENTITY_ID_RE.findall(text) == [i for i in find_ids(text) if i.startswith("E-")], repr(text)

    rnd = random.Random(15)
    parts = ["a", ".", "/", "-", "_", " ", "x.py", "..", "./", "é", "٣", ".b", "\n", ",", "a.b.c", "`", "\t", "\x1c", "(", "Z9",
             "E-1", "E-002", "xE-3", "E-4x", "-E-5", "E-6-", "E-7_", "(", "E", "8", "SC-1", "SIDE-1", "T-1E-2", "ERR-3", "E-9."]
    for _ in range(50000):
        check("".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8))))
    for spec in compared_specs:
        for task in spec.tasks:
            check(_task_text(task))


def test_render_context_is_the_one_template_new_context_makes(tmp_path):
    from generator.compile.templating import ANSWERS, HANDOFF, PROMPT, _loaded, environment

    (tmp_path / PROMPT).write_text("{{ hid }} {{ test_name('a', 'b') }}\n", encoding="utf-8")
    try:
        for overlay in ("", str(tmp_path)):
            for name in (HANDOFF, PROMPT, ANSWERS):
                template, globals_, new_context = _loaded(environment(overlay), name)
                values = {**globals_, "hid": "H-1", "t": object()}
                ours, plain = new_context(dict(values), True, globals_), template.new_context(dict(values), shared=True)
                for attr in ("parent", "vars", "name", "globals_keys", "exported_vars", "blocks", "environment"):
                    assert getattr(ours, attr) == getattr(plain, attr), (name, attr)
                assert vars(ours.eval_ctx) == vars(plain.eval_ctx)
    finally:
        environment.cache_clear()


def test_stated_counts_skip_only_criteria_without_a_match():
    from generator.compile.questions import _COUNT_RE, _stated_counts

    def plain(criteria):
        return tuple(int(a or b) for c in criteria for a, b in _COUNT_RE.findall(c))

    rnd = random.Random(16)
    parts = ["test", "tests", "TEST", "Tests", "teſt", "TEſTS", "tesT", "unit ", "3", "10", "٣", "+", " ", "-", ":",
             "x", "es", "t", "s", "ſ", "K", "İ", "ı", "\n", "covering", "2+ "]
    for _ in range(20000):
        criteria = tuple("".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8))) for _ in range(rnd.randint(0, 3)))
        assert _stated_counts.__wrapped__(criteria) == plain(criteria), criteria


def test_slug_is_what_the_pattern_makes():
    from generator.compile.templating import _SLUG_RE, slug

    rnd = random.Random(17)
    parts = ["a", "Z", "0", "9", "_", "__", "-", " ", "(", ")", "é", "K", "İ", "ı", "ß", "\t", "\x7f", "\x00", "SC-397", "Case"]
    for _ in range(30000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 10)))
        assert slug(text) == _SLUG_RE.sub("_", text.lower()).strip("_"), repr(text)
