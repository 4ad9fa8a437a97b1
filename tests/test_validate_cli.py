"""`factory validate` on good and bad input: exit codes, messages, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLE_SPEC


def _run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "validate", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def _ok_no_trace(p: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in p.stderr + p.stdout


def test_json_output_is_the_seed_shape(factory_env):
    p = _run(factory_env, "--spec-dir", str(EXAMPLE_SPEC), "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    data = json.loads(p.stdout)
    assert list(data) == ["status", "spec_dir", "component_name", "checks", "summary"]
    assert data["status"] == "PASS"
    assert {"all_documents_present", "d6_no_open_items", "d2_scenarios_covered", "d4_contracts_covered",
            "d9_minimum_holdouts", "d8_no_dependency_cycles"} <= {c["check_name"] for c in data["checks"]}


def test_missing_dir_is_usage_error(factory_env, tmp_path):
    p = _run(factory_env, "--spec-dir", str(tmp_path / "nope"))
    assert p.returncode == 2 and "does not exist" in p.stderr
    _ok_no_trace(p)


def test_file_instead_of_dir(factory_env, tmp_path):
    f = tmp_path / "file.md"
    f.write_text("x")
    p = _run(factory_env, "--spec-dir", str(f))
    assert p.returncode == 2 and "not a directory" in p.stderr
    _ok_no_trace(p)


def test_symlink_loop_dir(factory_env, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    p = _run(factory_env, "--spec-dir", str(loop))
    assert p.returncode == 2 and "cannot open spec directory" in p.stderr
    _ok_no_trace(p)


def test_text_output_lists_problems_like_a_compiler(factory_env, spec_copy):
    (spec_copy / "D3_DATA_MODEL.md").unlink()
    p = _run(factory_env, "--spec-dir", str(spec_copy))
    assert p.returncode == 1
    assert "FAIL  all_documents_present: Missing required document: D3_DATA_MODEL.md" in p.stdout
    assert p.stdout.rstrip().splitlines()[-1].startswith("FAIL: ")


@pytest.mark.parametrize(
    "case, expect",
    [
        ("binary", "D4_CONTRACTS.md: not a text file (binary content)"),
        ("latin1", "D4_CONTRACTS.md:2: not valid UTF-8"),
        ("empty", "D4_CONTRACTS.md: document is empty"),
        ("huge", "D4_CONTRACTS.md: document is too large (20.0 MB"),
        ("loop", "D4_CONTRACTS.md: cannot be read: Too many levels of symbolic links"),
        ("dir", "D4_CONTRACTS.md: is a directory, not a document"),
    ],
)
def test_bad_document_is_a_clear_failure(factory_env, spec_copy, case, expect):
    doc = spec_copy / "D4_CONTRACTS.md"
    doc.unlink()
    if case == "binary":
        doc.write_bytes(b"\x00\x01\x02PNG" * 100)
    elif case == "latin1":
        doc.write_bytes("# D4: Contracts\ncaf\xe9\n".encode("latin-1"))
    elif case == "empty":
        doc.write_bytes(b"")
    elif case == "huge":
        with open(doc, "wb") as fh:
            fh.truncate(20 * 1024 * 1024)
    elif case == "loop":
        doc.symlink_to(doc)
    elif case == "dir":
        doc.mkdir()
    p = _run(factory_env, "--spec-dir", str(spec_copy))
    assert p.returncode == 1
    assert expect in p.stdout
    assert "FAIL  documents_readable" in p.stdout
    _ok_no_trace(p)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_document(factory_env, spec_copy):
    doc = spec_copy / "D5_RESEARCH.md"
    doc.chmod(0)
    try:
        p = _run(factory_env, "--spec-dir", str(spec_copy))
    finally:
        doc.chmod(0o644)
    assert p.returncode == 1 and "D5_RESEARCH.md: cannot be read: Permission denied" in p.stdout
    _ok_no_trace(p)


def test_in_process_main_reports_diagnostic_with_spec_path(spec_copy, capsys):
    from generator.cli import main

    p = spec_copy / "D8_TASKS.md"
    p.write_text(p.read_text().replace("**Dependency:** T-001", "**Dependency:** T-001, T-099", 1))
    assert main(["validate", "--spec-dir", str(spec_copy)]) == 1
    out = capsys.readouterr().out
    assert f"{spec_copy}/D8_TASKS.md:" in out and "depends on unknown task T-099" in out
