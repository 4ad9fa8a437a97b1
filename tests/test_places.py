"""Outputs never go into the spec they come from; refusals read like a compiler's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def factory(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_generate_refuses_output_in_or_around_the_spec(spec_copy, where):
    out = {"same": spec_copy, "inside": spec_copy / "out", "around": spec_copy.parent}[where]
    before = sorted(p.name for p in spec_copy.rglob("*"))
    r = factory("generate", "--spec-dir", str(spec_copy), "--output-dir", str(out))
    assert r.returncode == 2, r.stderr
    assert "spec directory" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in spec_copy.rglob("*")) == before


def test_prompts_refuses_handoffs_dir_inside_the_spec(spec_copy):
    r = factory("prompts", "--handoffs-dir", str(spec_copy / "h"), "--spec-dir", str(spec_copy))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert not (spec_copy / "h").exists()


def test_prompts_without_handoffs_names_the_missing_index_plainly(tmp_path, example_spec):
    r = factory("prompts", "--handoffs-dir", str(tmp_path / "none"), "--spec-dir", str(example_spec))
    assert r.returncode == 1
    assert "handoff_index.json" in r.stderr and "Error" not in r.stderr  # no Python exception names


def test_failed_checks_are_not_printed_as_paths(spec_copy, tmp_path):
    (spec_copy / "D9_HOLDOUT_SCENARIOS.md").unlink()
    r = factory("generate", "--spec-dir", str(spec_copy), "--output-dir", str(tmp_path / "out"))
    assert r.returncode == 1
    assert f"{spec_copy}/all_documents_present" not in r.stderr
    assert "check all_documents_present: FAIL" in r.stderr
    assert not (tmp_path / "out").exists()
