"""The default templates printed in Python (`compile.prose`) give what Jinja renders (no timings here)."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest

from generator.compile import prose
from generator.compile.core import RESULTS_ENV, _common, mandatory_rules, prompt_items
from generator.compile.inputs import Piece, Ref, SpecIndex, handoff_id, task_inputs
from generator.compile.questions import Question, minimum_tests, questions
from generator.compile.sections import SECTIONS, handoff_items, section_sources
from generator.compile.templating import ANSWERS, HANDOFF, PROMPT, default_dir, environment, is_default, normalise, render
from generator.model import DOCUMENTS

# Values that put `normalise` to work: blank, padded, multi-line, CR, wide and odd whitespace.
ODD = ["", " ", "x", "x ", " x", "a\nb", "a \nb", "a\n", "\na", "\r", "a\r\nb", "\n\n\n", "—", "a — b", "a\u2028",
       "\xa0b", "b\xa0", "\x1c", "t\t", "ß", "ſt", "A b", "line one\nline two", "{x}", "x  y"]


def _jinja(name: str, t, qs=None, adversarial="genesis", label="spec") -> bytes:
    hid = handoff_id(t.task.id)
    common = _common(t, hid, label)
    if name == HANDOFF:
        sources = section_sources(t)
        return render(HANDOFF, "", **common, sources=sources, titles=SECTIONS, min_tests=minimum_tests(t),
                      items=handoff_items(t, sources))
    rules = mandatory_rules(t)
    return render(name, "", **common, questions=qs, rules=rules, items=prompt_items(qs, rules), adversarial=adversarial,
                  contract_version="1.2.0", handoff_path=f"{hid}/{hid}_BUILDER_HANDOFF.md",
                  prompt_path=f"{hid}/{hid}_AGENT_PROMPT.md")


def _prose(name: str, t, qs=None, adversarial="genesis", label="spec") -> bytes:
    hid = handoff_id(t.task.id)
    if name == HANDOFF:
        return prose.handoff(t, hid, label, DOCUMENTS, RESULTS_ENV, section_sources(t), minimum_tests(t))
    if name == PROMPT:
        return prose.prompt(t, hid, label, DOCUMENTS, qs, adversarial, "1.2.0",
                            f"{hid}/{hid}_BUILDER_HANDOFF.md")
    return prose.answers(t, hid, label, DOCUMENTS, qs, f"{hid}/{hid}_AGENT_PROMPT.md")


def _same(t, qs=None, adversarial="genesis", label="spec") -> None:
    for name in (HANDOFF, PROMPT, ANSWERS):
        if name != HANDOFF and qs is None:
            continue
        assert _prose(name, t, qs, adversarial, label) == _jinja(name, t, qs, adversarial, label), (name, t.task.id)


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    """The example spec, synthetic specs in both styles, and the corpus specs when present."""
    from conftest import CORPUS, EXAMPLE_SPEC
    from synth import generate_spec

    from generator.spec import load_spec

    d = tmp_path_factory.mktemp("prose")
    generate_spec(d / "full", tasks=30, style="full", seed=21)
    generate_spec(d / "compressed", tasks=30, style="compressed", seed=22)
    out = [load_spec(EXAMPLE_SPEC), load_spec(d / "full"), load_spec(d / "compressed")]
    if CORPUS.exists():
        out += [load_spec(p.parent) for p in sorted(CORPUS.rglob("D2_SPECIFICATION.md"))]
    return out


def test_the_shipped_templates_are_the_text_prose_prints():
    """If a default template is edited, `prose` stands aside (and this says its digest is stale)."""
    for name in (HANDOFF, PROMPT, ANSWERS):
        assert is_default("", name), name


def test_prose_prints_what_jinja_renders_on_every_spec(specs):
    for spec in specs:
        ix = SpecIndex(spec)
        for task in spec.tasks:
            t = task_inputs(spec, task, ix)
            for adversarial in ("genesis", "infrastructure"):
                _same(t, questions(t, adversarial), adversarial, label=f"specs/{spec.name}")


class _Odd(random.Random):
    """A random source with a rate of odd values, set per case so that some cases stay tidy."""

    rate = 0.3


def _odd(rnd: _Odd, value: str) -> str:
    return rnd.choice(ODD) if rnd.random() < rnd.rate else value


def _odd_ref(rnd: random.Random, r: Ref) -> Ref:
    fields = tuple((k, _odd(rnd, v)) for k, v in r.fields)
    rows = tuple(tuple((k, _odd(rnd, v)) for k, v in row) for row in r.rows)
    return dataclasses.replace(r, id=_odd(rnd, r.id), title=_odd(rnd, r.title), source=_odd(rnd, r.source),
                               fields=fields, rows=rows)


def _odd_refs(rnd: random.Random, refs: tuple) -> tuple:
    if rnd.random() < rnd.rate:
        return ()
    if rnd.random() < 0.5:
        return refs  # the same objects, as tasks share them
    return tuple(_odd_ref(rnd, r) for r in refs if rnd.random() < 0.9)


def _odd_pieces(rnd: random.Random, pieces: tuple) -> tuple:
    return tuple(Piece(p.name, _odd(rnd, p.text) if rnd.random() < 0.5 else p.text + rnd.choice(ODD), _odd(rnd, p.source))
                 for p in pieces if rnd.random() < 0.9)


def _odd_inputs(rnd: random.Random, t):
    task = _odd_ref(rnd, t.task)
    if re.match(r"^T-\d+$", task.id) is None:
        task = dataclasses.replace(task, id=t.task.id)  # the handoff id is made from it
    return dataclasses.replace(
        t,
        spec_name=_odd(rnd, t.spec_name),
        package_id=_odd(rnd, t.package_id),
        task=task,
        depends_on=tuple(_odd(rnd, d) for d in t.depends_on),
        criteria=tuple(_odd(rnd, c) for c in t.criteria if rnd.random() < 0.9),
        scenarios=_odd_refs(rnd, t.scenarios),
        contracts=_odd_refs(rnd, t.contracts),
        entities=_odd_refs(rnd, t.entities),
        missing=tuple(rnd.choice(ODD) for _ in range(rnd.choice([0, 0, 1, 2]))),
        articles=_odd_refs(rnd, t.articles),
        articles_named=rnd.random() < 0.5,
        boundaries=_odd_refs(rnd, t.boundaries),
        tooling=_odd_refs(rnd, t.tooling),
        components=_odd_refs(rnd, t.components),
        files=tuple(_odd(rnd, f) for f in t.files),
        plan=_odd_pieces(rnd, t.plan),
        context=_odd_pieces(rnd, t.context),
        tool_rules=_odd_refs(rnd, t.tool_rules),
        conventions=_odd_refs(rnd, t.conventions),
        existing=_odd_refs(rnd, t.existing),
    )


def _odd_questions(rnd: random.Random, qs: list[Question]) -> list[Question]:
    out = []
    for q in qs:
        if rnd.random() < 0.1:
            continue
        out.append(Question(
            q.number if rnd.random() < 0.8 else rnd.randint(1, 14),
            _odd(rnd, q.category),
            _odd(rnd, q.text),
            () if rnd.random() < rnd.rate else tuple(_odd(rnd, a) for a in q.answer),
            () if rnd.random() < rnd.rate else tuple(_odd(rnd, s) for s in q.sources),
        ))
    return out


def test_prose_prints_what_jinja_renders_for_odd_values(specs):
    """Blank, padded and multi-line values, CRs and odd whitespace, in every field the templates print."""
    from generator.compile.core import forget_shared_items

    rnd = _Odd(23)
    tidy = {True: 0, False: 0}
    real = prose.finish

    def counting(parts, clean, runs=True):
        tidy[clean] += 1
        return real(parts, clean, runs)

    prose.finish = counting
    try:
        for spec in specs[:3]:
            ix = SpecIndex(spec)
            inputs = [task_inputs(spec, task, ix) for task in spec.tasks]
            for _ in range(400):
                rnd.rate = rnd.choice([0.0, 0.005, 0.02, 0.1, 0.3])
                t = _odd_inputs(rnd, rnd.choice(inputs))
                qs = _odd_questions(rnd, questions(t, "genesis"))
                _same(t, qs, label=_odd(rnd, "specs/x"))
            forget_shared_items()
    finally:
        prose.finish = real
    assert tidy[True] > 500 and tidy[False] > 500, tidy  # both ways out are taken


def test_prose_prints_what_jinja_renders_for_empty_parts(specs):
    """Tidy values with parts left out: no rules, no questions, no scenarios, pieces or blocks."""
    from generator.compile.core import forget_shared_items

    spec = specs[1]
    ix = SpecIndex(spec)
    for task in spec.tasks[:10]:
        t = task_inputs(spec, task, ix)
        qs = questions(t, "genesis")
        empty = dict(articles=(), boundaries=(), tooling=(), tool_rules=(), conventions=(), existing=(), scenarios=(),
                     components=(), criteria=(), files=(), plan=(), context=(), depends_on=(), missing=())
        for n in range(1, len(empty) + 1):
            odd = dataclasses.replace(t, **dict(list(empty.items())[:n]))
            _same(odd, qs)
            _same(odd, [])
            _same(odd, [q._replace(answer=()) for q in qs])
            _same(odd, [q._replace(text="", sources=()) for q in qs[:3]])
        forget_shared_items()


def test_finish_of_tidy_text_is_normalise():
    """With no line ending in whitespace and no CR, only blank runs and the ends are left to do."""
    rnd = random.Random(24)
    pieces = ["a", "b c", "—", "", "\n", "\n\n", "\n\n\n", "x\xa0y", "ſ", " z"]
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        lines = text.split("\n")
        if any(line != line.rstrip() for line in lines):
            continue
        cut = rnd.randint(0, len(text))
        parts = [text[:cut], text[cut:].encode("utf-8")]
        assert prose.finish(parts, True) == normalise(text).encode("utf-8"), repr(text)
        assert prose.finish(parts, False) == normalise(text).encode("utf-8"), repr(text)


def test_clean_is_true_only_when_no_line_can_end_in_whitespace():
    rnd = random.Random(25)
    for _ in range(20000):
        values = [rnd.choice(ODD) for _ in range(rnd.randint(0, 4))]
        want = all("\n" not in v and "\r" not in v and v == v.rstrip() for v in values)
        assert prose.clean(values) == want, values
    assert prose.clean(["a", None]) is False


def test_an_overlay_copy_of_a_default_is_printed_by_prose_and_an_edit_is_not(tmp_path):
    (tmp_path / HANDOFF).write_text((default_dir() / HANDOFF).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / PROMPT).write_text((default_dir() / PROMPT).read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    try:
        assert is_default(str(tmp_path), HANDOFF) and is_default(str(tmp_path), ANSWERS)
        assert not is_default(str(tmp_path), PROMPT)
        assert not is_default(str(Path(tmp_path) / "missing"), "no-such.md.j2")
    finally:
        environment.cache_clear()


def test_a_partly_overlaid_prompt_still_gets_every_value(tmp_path, specs):
    """Prompt from an overlay, answers from prose: the same bytes as both through Jinja, bar the edit."""
    from generator.compile import CompileOptions, compile_spec

    (tmp_path / PROMPT).write_text((default_dir() / PROMPT).read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    try:
        spec = specs[0]
        overlaid = compile_spec(spec, CompileOptions(templates=str(tmp_path)))
        plain = compile_spec(spec, CompileOptions())
        assert overlaid.keys() == plain.keys()
        for path, data in plain.items():
            if path.endswith("_AGENT_PROMPT.md"):
                assert overlaid[path] == data.rstrip(b"\n") + b"\nEdited.\n", path
            else:
                assert overlaid[path] == data, path
    finally:
        environment.cache_clear()
