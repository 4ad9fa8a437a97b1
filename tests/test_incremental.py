"""Incremental rebuilds equal full rebuilds byte for byte, and touch only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import generator.spec.loader as loader
from generator.compile import CompileOptions, compile_spec
from generator.incremental import IncrementalCompiler
from generator.spec import load_spec

OPTIONS = CompileOptions()


def _apply_snapshot(src: Path, work: Path) -> set[str]:
    """Make `work` hold exactly the D documents of `src`; return the file names that changed."""
    wanted = {p.name: p.read_bytes() for p in src.glob("D*.md")}
    changed = set()
    for p in work.glob("D*.md"):
        if p.name not in wanted:
            p.unlink()
            changed.add(p.name)
    for name, data in wanted.items():
        dst = work / name
        if not dst.exists() or dst.read_bytes() != data:
            dst.write_bytes(data)
            changed.add(name)
    return changed


def _full(work: Path):
    """A full rebuild from nothing: its outputs, or the error it refuses with."""
    try:
        return compile_spec(load_spec(work), OPTIONS)
    except Exception as exc:  # compared with the incremental path's refusal
        return (type(exc).__name__, str(exc))


def _incremental(ic: IncrementalCompiler, work: Path):
    try:
        return ic.compile(ic.load(work))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


@pytest.fixture
def parse_calls(monkeypatch):
    """Document names actually parsed (the real parser runs; calls are recorded)."""
    calls: list[str] = []
    real = loader.parse_document

    def spy(code, filename, data):
        calls.append(filename)
        return real(code, filename, data)

    real_splice = loader.splice_document

    def splice_spy(code, filename, data, *rest):
        res = real_splice(code, filename, data, *rest)
        if res is not None:  # a one-scenario splice is a parse of that document too
            calls.append(filename)
        return res

    monkeypatch.setattr(loader, "parse_document", spy)
    monkeypatch.setattr(loader, "splice_document", splice_spy)
    return calls


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["fmwk-001-ledger", "fmwk-900-sawmill-smoke"])
def test_history_replayed_incrementally_equals_full_rebuilds(name: str, tmp_path: Path, parse_calls, corpus: Path):
    history = corpus / "_history" / name
    steps = [*sorted(p for p in history.iterdir() if p.is_dir()), corpus / name]
    work = tmp_path / name  # one working spec dir, edited in place like a user would
    work.mkdir()
    ic = IncrementalCompiler(OPTIONS)
    reused_some = False
    for step in steps:
        changed = _apply_snapshot(step, work)
        parse_calls.clear()
        got = _incremental(ic, work)
        present_changed = {n for n in changed if (work / n).exists()}
        assert set(parse_calls) == present_changed, step.name  # only changed documents re-parsed
        assert set(ic.stats.changed_docs) == changed, step.name
        parse_calls.clear()
        want = _full(work)
        assert got == want, f"{name} at {step.name}: incremental differs from full rebuild"
        reused_some |= ic.stats.reused > 0
    if name == "fmwk-001-ledger":
        assert reused_some  # the one-file D6 step must not recompile every task


def test_unchanged_spec_recompiles_nothing(tmp_path: Path, parse_calls, example_spec: Path):
    work = shutil.copytree(example_spec, tmp_path / "inkwell")
    ic = IncrementalCompiler(OPTIONS)
    first = ic.compile(ic.load(work))
    assert len(ic.stats.compiled) == len(load_spec(work).tasks) > 1
    parse_calls.clear()
    again = ic.compile(ic.load(work))
    assert again == first and ic.stats.compiled == [] and parse_calls == []


def test_one_scenario_edit_recompiles_only_the_task_using_it(tmp_path: Path, parse_calls, example_spec: Path):
    work = shutil.copytree(example_spec, tmp_path / "inkwell")
    ic = IncrementalCompiler(OPTIONS)
    before = ic.compile(ic.load(work))
    d2 = work / "D2_SPECIFICATION.md"
    d2.write_text(d2.read_text(encoding="utf-8").replace("stored in lower case", "stored in lowercase", 1), encoding="utf-8")
    parse_calls.clear()
    after = ic.compile(ic.load(work))
    assert parse_calls == ["D2_SPECIFICATION.md"]
    assert ic.stats.compiled == ["T-004"]  # the only task satisfying SC-005
    assert after == compile_spec(load_spec(work), OPTIONS)
    changed = sorted(p for p in after if before.get(p) != after[p])
    assert {p.split("/")[0] for p in changed if "/" in p and p.startswith("H-")} == {"H-FACTORY-004"}
    untouched = [p for p in after if p.startswith(("H-FACTORY-001/", "H-FACTORY-006/"))]
    assert untouched and all(before[p] == after[p] for p in untouched)


def test_reset_after_template_change_matches_full_rebuild(tmp_path: Path, example_spec: Path):
    from generator.compile.templating import HANDOFF, default_dir

    overlay = tmp_path / "templates"
    overlay.mkdir()
    shutil.copy(default_dir() / HANDOFF, overlay / HANDOFF)
    work = shutil.copytree(example_spec, tmp_path / "inkwell")
    opts = CompileOptions(templates=str(overlay))
    ic = IncrementalCompiler(opts)
    ic.compile(ic.load(work))
    tpl = overlay / HANDOFF
    tpl.write_text(tpl.read_text(encoding="utf-8") + "\nReviewed locally.\n", encoding="utf-8")
    ic.reset()
    out = ic.compile(ic.load(work))
    assert out == compile_spec(load_spec(work), opts)
    assert len(ic.stats.compiled) == len(load_spec(work).tasks)
    assert b"Reviewed locally." in out["H-FACTORY-001/H-FACTORY-001_BUILDER_HANDOFF.md"]
