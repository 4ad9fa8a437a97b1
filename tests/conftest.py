"""Shared fixtures: where the corpus and the example spec are."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLE_SPEC = ROOT / "specs" / "inkwell"

# bench/ holds the synthetic spec generator; tests use it too.
sys.path.insert(0, str(ROOT / "bench"))


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, or skip the test when the corpus is absent."""
    p = CORPUS.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"corpus not available: {p}")
    return p


@pytest.fixture
def corpus() -> Path:
    return corpus_path()


@pytest.fixture
def example_spec() -> Path:
    return EXAMPLE_SPEC


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the example spec for negative tests."""
    dst = tmp_path / "inkwell"
    shutil.copytree(EXAMPLE_SPEC, dst)
    return dst


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Build a file tree from a dict {relative path: content}."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def factory_env() -> dict[str, str]:
    """Environment for running `factory` as a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env
