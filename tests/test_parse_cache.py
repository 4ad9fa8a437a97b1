"""Caching and parallel parsing change how much work is done, never the result."""

from __future__ import annotations

import pickle
import random
import shutil
from pathlib import Path

import pytest

from conftest import corpus_path
from generator.model import DOCUMENTS
from generator.spec import loader, load_spec
from generator.spec.document import parse_document

HISTORY = ("fmwk-001-ledger", "fmwk-900-sawmill-smoke")


@pytest.fixture
def calls(monkeypatch):
    """Every document handed to the parser, by code."""
    seen: list[str] = []
    real = loader.parse_document

    def spy(code, filename, data):
        seen.append(code)
        return real(code, filename, data)

    monkeypatch.setattr(loader, "parse_document", spy)
    # A one-scenario splice is a parse of that document too.
    spliced = loader.splice_document
    monkeypatch.setattr(loader, "splice_document", lambda code, *a: _noted(seen, code, spliced(code, *a)))
    return seen


def _noted(seen: list[str], code: str, res):
    if res is not None:
        seen.append(code)
    return res


def _edit_line(path: Path, needle: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    k = next(i for i, ln in enumerate(lines) if needle in ln)
    lines[k] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def test_second_load_with_the_same_cache_parses_nothing(spec_copy, calls):
    cache: dict = {}
    first = load_spec(spec_copy, cache=cache)
    assert len(calls) == len(DOCUMENTS)
    calls.clear()
    assert load_spec(spec_copy, cache=cache) == first
    assert calls == []


def test_editing_one_document_reparses_only_its_changed_chunk(spec_copy, calls):
    cache: dict = {}
    load_spec(spec_copy, cache=cache)
    calls.clear()
    d2 = spec_copy / "D2_SPECIFICATION.md"
    _edit_line(d2, "**Priority:**", "**Priority:** P2 (nice to have)")
    spec = load_spec(spec_copy, cache=cache)
    assert calls == ["D2"]
    index = cache["chunks:D2"]
    assert len(index.chunks) > 5 and 0 < index.reparsed <= max(len(c.lines) for c in index.chunks) + 2
    assert spec == load_spec(spec_copy)
    assert "P2" in [s.priority for s in spec.scenarios]


def test_structural_edit_falls_back_to_a_full_parse(spec_copy):
    cache: dict = {}
    load_spec(spec_copy, cache=cache)
    d8 = spec_copy / "D8_TASKS.md"
    _edit_line(d8, "**Dependency:**", "```")  # an unclosed fence swallows every later heading
    spec = load_spec(spec_copy, cache=cache)
    assert cache["chunks:D8"].reparsed == len(d8.read_text(encoding="utf-8").split("\n"))
    assert spec == load_spec(spec_copy)


def test_history_snapshots_replayed_in_order_equal_fresh_loads(tmp_path):
    """Each snapshot is loaded over the previous one's cache, as watch mode does."""
    for name in HISTORY:
        snaps = sorted(p for p in corpus_path("_history", name).iterdir() if p.is_dir()) + [corpus_path(name)]
        work = tmp_path / name
        cache: dict = {}
        for snap in snaps:
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(snap, work)
            assert load_spec(work, cache=cache) == load_spec(work), snap.name


EDITS = ["", "```", "```bash", "# heading", "## Phase 9: x", "  # indented", "| a | b |", "|---|---|", "<!--", "-->",
         "- item", "1. step", "text line", "> quote", "    code", "===", "---", "#### SC-999: late", "- Dependency: T-001"]


def test_random_single_line_edits_equal_fresh_loads(tmp_path):
    from synth import generate_spec

    spec_dir = tmp_path / "spec"
    generate_spec(spec_dir, tasks=12, seed=5)
    rnd = random.Random(8)
    cache: dict = {}
    load_spec(spec_dir, cache=cache)
    partial = 0
    for step in range(60):
        name = rnd.choice(["D2_SPECIFICATION.md", "D8_TASKS.md", "D9_HOLDOUT_SCENARIOS.md", "D6_GAP_ANALYSIS.md"])
        p = spec_dir / name
        lines = p.read_text(encoding="utf-8").split("\n")
        k = rnd.randrange(len(lines))
        op = rnd.choice(["replace", "insert", "delete", "append"])
        if op == "replace":
            lines[k] = rnd.choice(EDITS)
        elif op == "insert":
            lines.insert(k, rnd.choice(EDITS))
        elif op == "delete":
            del lines[k]
        else:
            lines[k] += " " + rnd.choice(EDITS)
        p.write_text("\n".join(lines), encoding="utf-8")
        code = next(c for c, f in DOCUMENTS.items() if f == name)
        assert load_spec(spec_dir, cache=cache) == load_spec(spec_dir), (step, name, op, k)
        partial += cache[f"chunks:{code}"].reparsed < len(lines) - 2
    assert partial > 20  # most edits really were partial re-parses


def test_worker_processes_give_the_in_process_result(tmp_path, monkeypatch):
    from synth import generate_spec

    from generator import parallel

    spec_dir = tmp_path / "spec"
    generate_spec(spec_dir, tasks=20, seed=2)
    alone = load_spec(spec_dir)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    # threads left running by earlier tests would make the loader stay in-process
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    todo = [(c, f, (spec_dir / f).read_bytes()) for c, f in DOCUMENTS.items()]
    assert len(loader._groups(todo)) == 2
    assert load_spec(spec_dir) == alone
    cache: dict = {}
    assert load_spec(spec_dir, cache=cache) == alone
    assert all(f"chunks:{c}" in cache for c in DOCUMENTS)


def test_doc_result_pickles(example_spec):
    data = (example_spec / "D9_HOLDOUT_SCENARIOS.md").read_bytes()
    res = parse_document("D9", "D9_HOLDOUT_SCENARIOS.md", data)
    assert pickle.loads(pickle.dumps(res)) == res
