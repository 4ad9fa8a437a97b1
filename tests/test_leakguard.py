"""The leak guard: D9 material planted in builder-visible documents fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.compile.leakguard import Guard, Needle, build_guard, words

ANCHOR_D8 = "- Unit tests: 8+ in `tests/test_foundation.py`.\n"
ANCHOR_D10 = "- Tests use pytest and temporary directories.\n"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_guard_finds_a_run_of_words_anywhere_in_a_line():
    g = Guard([Needle("sentence", tuple(words("the ledger rejects a stale tip")), "D9:4", "x")])
    assert g.scan({"a.md": b"ok\n- **The ledger** rejects a `stale` tip, always\n"})[0].line == 2
    assert g.scan({"a.md": b"the ledger rejects a fresh tip\n"}) == []


def factory(cwd: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def project(spec_copy: Path, factory_env) -> Path:
    """A project holding a copy of the example spec, already built once."""
    root = spec_copy.parent
    (root / "specs").mkdir()
    spec_copy.rename(root / "specs" / "inkwell")
    (root / "factory.toml").write_text('[project]\nspecs = ["specs/inkwell"]\n')
    r = factory(root, "build", env=factory_env)
    assert r.returncode == 0, r.stderr
    return root


def _needle(spec_dir: Path, kind: str) -> Needle:
    from generator.spec import load_spec

    guard = build_guard(load_spec(spec_dir))
    found = [n for n in guard.needles if n.kind == kind and "|" not in n.text and "`" not in n.text]
    assert found, f"example D9 has no {kind} needle"
    return min(found, key=lambda n: (len(n.text), n.text))


@pytest.mark.parametrize(
    "kind,doc,anchor",
    [
        ("id", "D8_TASKS.md", ANCHOR_D8),
        ("title", "D10_AGENT_CONTEXT.md", ANCHOR_D10),
        ("command", "D8_TASKS.md", ANCHOR_D8),
        ("sentence", "D10_AGENT_CONTEXT.md", ANCHOR_D10),
    ],
)
def test_planted_d9_material_fails_the_build_and_keeps_the_tree(project, factory_env, kind, doc, anchor):
    spec_dir = project / "specs" / "inkwell"
    needle = _needle(spec_dir, kind)
    text = (spec_dir / doc).read_text()
    assert anchor in text
    plant = f"- Also: {needle.text}\n" if kind == "id" else f"- {needle.text}\n"
    (spec_dir / doc).write_text(text.replace(anchor, anchor + plant, 1))
    before = snapshot(project / "handoffs")
    r = factory(project, "build", env=factory_env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert f"holdout {kind} from D9_HOLDOUT_SCENARIOS.md:{needle.source.split(':')[1]}" in r.stderr
    assert "_BUILDER_HANDOFF.md:" in r.stderr or "_AGENT_PROMPT.md:" in r.stderr or ".toml:" in r.stderr
    assert snapshot(project / "handoffs") == before


def test_clean_example_spec_passes(project, factory_env):
    r = factory(project, "build", env=factory_env)
    assert r.returncode == 0 and "0 written" in r.stdout
