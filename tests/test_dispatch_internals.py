"""Shortcuts inside the dispatcher give the same answers as the slow, obvious way."""

from __future__ import annotations

import os

import pytest
import tomlkit

from generator.dispatch.ledger import _render, _value
from generator.dispatch.scheduler import _handoff_tree

VALUES = ["abc", 'say "hi"', "back\\slash", "tab\there", "two\nlines", "é ü 😀", "\x7f", "\x01", "\u2028",
          0, 1, -5, 2 ** 70, True, False, 0.1, 1e-07, 3.0, -0.0, 1e300, 0.000123, float("inf"), float("nan"),
          [], ["T-001", "T-002"], ["a\nb"]]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_toml_values_render_as_tomlkit_does(value):
    assert _value(value) == tomlkit.item(value).as_string()


def test_a_rendered_row_parses_back_to_the_same_values():
    row = {"task_id": "T-001", "status": "FAILED", "reason": 'results "Status": FAIL\n', "attempts": 2,
           "cost_usd": 0.25, "depends_on": ["T-000"]}
    assert tomlkit.parse(_render("task", row)).unwrap() == {"task": [row]}


def test_handoff_tree_matches_resolve_through_symlinks(tmp_path):
    (tmp_path / "real" / "tree" / "H-1").mkdir(parents=True)
    (tmp_path / "real" / "tree" / "H-1" / "h.md").write_text("x")
    (tmp_path / "elsewhere" / "d").mkdir(parents=True)
    (tmp_path / "elsewhere" / "d" / "g.md").write_text("y")
    os.symlink(tmp_path / "real", tmp_path / "link")  # a linked tree
    os.symlink(tmp_path / "elsewhere" / "d", tmp_path / "real" / "tree" / "H-2")  # a linked handoff dir
    os.symlink(tmp_path / "elsewhere" / "d" / "g.md", tmp_path / "real" / "tree" / "H-1" / "s.md")  # a linked file
    cases = [tmp_path / "link" / "tree" / "H-1" / "h.md", tmp_path / "real" / "tree" / "H-1" / "h.md",
             tmp_path / "real" / "tree" / "H-2" / "g.md", tmp_path / "real" / "tree" / "H-1" / "s.md",
             tmp_path / "real" / "tree" / "H-1" / ".." / "H-1" / "h.md",
             tmp_path / "real" / "x" / ".." / "tree" / "H-1" / "h.md"]
    cache: dict = {}
    for p in cases:
        assert _handoff_tree(p, cache) == p.resolve().parent.parent, p
