"""Holdout YAML blocks of plain `key: words` lines read without the YAML loader
give exactly what the loader gives; anything else still goes through it."""

from __future__ import annotations

import random

import yaml

from generator.spec import build_holdouts

_KEYS = ["component", "scenario", "priority", "on", "no", "null", "yes_no", "a1", "_x", "Key", "k-y", "true"]
_VALUES = ["Synthetic Records", "tide-hs-001", "P0", "a  b", "a - b", "x/y.z_w", "e1", "Off", "off", "NULL", "No",
           "yes", "Y", "n", "a #b", "a: b", "'q'", "[1]", "1.5", "0x1f", ".inf", "~", "", " lead", "trail ", "é",
           "a\tb", "- x", "&a", "*a", "!t", "%p", "@x", "`c`", "v1.2", "2024-01-01"]


def loader_reading(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_flat_blocks_read_as_the_loader_reads_them():
    rnd = random.Random(11)
    used = 0
    for _ in range(4000):
        lines = []
        for _ in range(rnd.randint(1, 5)):
            line = f"{rnd.choice(_KEYS)}: {rnd.choice(_VALUES)}"
            if rnd.random() < 0.05:
                line = rnd.choice(["", "  indented: x", "# comment", "---", "- item", "k:v"])
            lines.append(line)
        text = "\n".join(lines) + "\n"
        flat = build_holdouts._flat_yaml(text)
        if flat is None:
            continue
        used += 1
        loaded = loader_reading(text)
        assert flat == loaded and list(flat) == list(loaded), text
        assert all(type(v) is str for v in loaded.values()), text
    assert used > 50


def test_yaml_results_unchanged_for_rich_blocks():
    for text in ("scenario_id: HS-001\nauthority:\n  d2_scenarios: [SC-001]\n", "priority: P1\nnotes: a: b\n  more\n",
                 "validates: SC-001\n", "on: x\n", "k: yes\n"):
        flat = build_holdouts._flat_yaml(text)
        data, err, folded = build_holdouts._yaml(text)
        if flat is not None:
            assert (data, err, folded) == (loader_reading(text), "", 0)
        else:
            assert data is None or data == loader_reading(text) or folded
