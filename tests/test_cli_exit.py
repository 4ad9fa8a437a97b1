"""One-shot commands end the process without tearing it down: nothing they print may be lost."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import EXAMPLE_SPEC


def test_a_one_shot_command_flushes_all_it_printed_and_keeps_its_exit_code(tmp_path, factory_env):
    from generator.commands import validate

    assert validate.ONE_SHOT
    broken = tmp_path / "spec"
    broken.mkdir()
    for doc in EXAMPLE_SPEC.glob("D*.md"):
        (broken / doc.name).write_bytes(doc.read_bytes())
    (broken / "D8_TASKS.md").write_text("# Tasks\n", encoding="utf-8")
    env = {k: v for k, v in factory_env.items() if k != "PYTHONUNBUFFERED"}
    for spec, code in ((EXAMPLE_SPEC, 0), (broken, 1)):
        r = subprocess.run([sys.executable, "-m", "generator", "validate", "--spec-dir", str(spec), "--json"],
                           env=env, capture_output=True, text=True)
        assert r.returncode == code, r.stderr
        assert json.loads(r.stdout)["status"] == ("PASS" if code == 0 else "FAIL")  # a pipe is block-buffered: all of it was flushed
