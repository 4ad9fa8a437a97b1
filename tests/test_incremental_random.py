"""Random single-scenario edits of a 200-task synthetic spec: incremental equals full.

Each edit changes one D2 scenario in one of the ways people edit them (a
word in a GIVEN/WHEN/THEN line, the priority, the title in the heading, an
extra line, a NEEDS CLARIFICATION marker), so both the spliced re-parse of
one scenario and the whole-document fallback are exercised. After every edit
the spec model, the compiled outputs and the tree the watch writes must equal
a full rebuild from nothing.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import generator.spec.loader as loader
from generator.compile import CompileOptions, compile_spec
from generator.incremental import IncrementalCompiler, write_changed
from generator.output import MANIFEST, write_tree
from generator.spec import load_spec

OPTIONS = CompileOptions(source_label="specs/synthetic")
_HEAD = re.compile(r"^#{2,4} (SC-\d+)\b")


def _scenario_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(heading line, end) of every scenario block, 0-based, end exclusive."""
    heads = [i for i, line in enumerate(lines) if _HEAD.match(line)]
    spans = []
    for k, h in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(lines)
        for j in range(h + 1, end):
            if lines[j].startswith("#"):
                end = j
                break
        spans.append((h, end))
    return spans


def _edit(d2: Path, rng: random.Random, n: int) -> str:
    lines = d2.read_text(encoding="utf-8").split("\n")
    h, end = rng.choice(_scenario_spans(lines))
    body = [i for i in range(h + 1, end) if lines[i].startswith(("**GIVEN**", "**WHEN**", "**THEN**"))]
    kind = rng.choice(["word", "word", "word", "priority", "title", "extra", "marker"])
    if kind == "word" and body:
        i = rng.choice(body)
        lines[i] = f"{lines[i]} (edit {n})"
    elif kind == "priority":
        i = next((j for j in range(h + 1, end) if lines[j].startswith("**Priority:**")), None)
        if i is None:
            return _edit(d2, rng, n)
        lines[i] = "**Priority:** " + rng.choice(["P0", "P1", "P2", "P3"])
    elif kind == "title":
        lines[h] = f"{lines[h]} revised {n}"
    elif kind == "extra" and body:
        lines.insert(body[-1] + 1, f"**AND** the record keeps revision {n}")
    elif kind == "marker" and body:
        lines.insert(body[-1] + 1, f"[NEEDS CLARIFICATION: which limit applies in case {n}?]")
    else:
        return _edit(d2, rng, n)
    d2.write_text("\n".join(lines), encoding="utf-8")
    return kind


@pytest.fixture
def splices(monkeypatch):
    """How many re-parses the one-scenario splice answered (the real function runs)."""
    hits: list[bool] = []
    real = loader.splice_document

    def spy(*args):
        res = real(*args)
        hits.append(res is not None)
        return res

    monkeypatch.setattr(loader, "splice_document", spy)
    return hits


def test_random_single_scenario_edits_equal_full_rebuilds(tmp_path: Path, splices):
    from synth import generate_spec

    work = tmp_path / "synthetic"
    generate_spec(work, tasks=200, seed=7)
    out = tmp_path / "out"
    ic = IncrementalCompiler(OPTIONS)
    known: dict = {}
    spec = ic.load(work)
    write_tree(out, ic.compile(spec), MANIFEST, known=known)
    total = len(spec.tasks)
    rng = random.Random(20260)
    kinds = set()
    prev = dict(ic.compile(spec))
    for n in range(24):
        kinds.add(_edit(work / "D2_SPECIFICATION.md", rng, n))
        spec = ic.load(work)
        got = ic.compile(spec)
        full_spec = load_spec(work)
        assert spec.specification == full_spec.specification, f"edit {n}: spliced model differs"
        assert spec.diagnostics == full_spec.diagnostics, f"edit {n}"
        want = compile_spec(full_spec, OPTIONS)
        assert got == want, f"edit {n}: incremental differs from full rebuild"
        assert len(ic.stats.compiled) < total
        report = write_changed(out, got, known) or write_tree(out, got, MANIFEST, known=known)
        on_disk = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}
        assert on_disk == want, f"edit {n}: the written tree differs"
        assert set(report.written) == {p for p in want if prev.get(p) != want[p]}, f"edit {n}: wrote other files"
        prev = want
    assert any(splices) and not all(splices)  # both the splice and the whole-document parse ran
    assert {"word", "title"} <= kinds


def test_write_changed_leaves_a_tree_changed_behind_its_back_to_write_tree(tmp_path: Path, example_spec: Path):
    import shutil

    work = shutil.copytree(example_spec, tmp_path / "inkwell")
    ic = IncrementalCompiler(OPTIONS)
    files = ic.compile(ic.load(work))
    out = tmp_path / "out"
    known: dict = {}
    write_tree(out, files, MANIFEST, known=known)
    assert write_changed(out, files, known).written == ()
    victim = out / "H-FACTORY-001" / "H-FACTORY-001_BUILDER_HANDOFF.md"
    victim.write_bytes(b"edited by hand\n")
    assert write_changed(out, files, known) is None  # not as we left it
    write_tree(out, files, MANIFEST, known=known)
    assert victim.read_bytes() == files["H-FACTORY-001/H-FACTORY-001_BUILDER_HANDOFF.md"]
    fewer = {p: b for p, b in files.items() if not p.startswith("H-FACTORY-001/")}
    assert write_changed(out, fewer, known) is None  # paths removed: the manifest changes
