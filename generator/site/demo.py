"""Demonstration runs of the example spec, for the committed report site.

`factory run` dispatches the stand-in agent (tests/agents/standin.py) through
the command backend: once as delivered (ACCEPT), once with one task handing
over subtly wrong code (REJECT), once with a task that fails outright (its
dependants BLOCKED). Each run is kept under a fixed name in
`<runs>/.site-demo/runs/` and made only when absent. Its times are replaced
by a synthetic clock (generator/site/democlock.py) that starts at a fixed
date and derives every time from the order of events, never from the
machine's clock, so fresh demonstration runs render to the same bytes on
every machine and every invocation, and the pages say these times are not
measurements. Delete that directory to make the demonstration runs afresh.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from generator.config import Config
from generator.errors import FactoryError, UsageError

EXAMPLE = "specs/inkwell"
STANDIN = "tests/agents/standin.py"
DEMOS = (
    ("demo-1-accept", {}),
    ("demo-2-reject", {"STANDIN_BREAK": "T-004"}),
    ("demo-3-failed-task", {"STANDIN_FAIL": "T-003"}),
)
EPOCH = datetime(2025, 1, 6, 9, 0, 0, tzinfo=timezone.utc)
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
_TEXT = (".toml", ".jsonl", ".json")


def _shift(text: str, delta: timedelta) -> str:
    def one(m: re.Match[str]) -> str:
        t = datetime.fromisoformat(m.group(0))
        t = t if t.tzinfo else t.replace(tzinfo=timezone.utc)
        return (t + delta).astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return _STAMP.sub(one, text)


def normalise(run_dir: Path, name: str, start: datetime, scratch: Path, root: Path) -> None:
    """Rename a run's id to `name`, make paths relative, put its times on the synthetic clock from `start`."""
    import tomllib

    from generator.site import democlock

    meta = tomllib.loads((run_dir / "run.toml").read_text(encoding="utf-8"))
    old_id = str(meta.get("run_id") or run_dir.name)
    began = datetime.fromisoformat(str(meta["started_at"]))
    began = began if began.tzinfo else began.replace(tzinfo=timezone.utc)
    delta = start - began
    for f in sorted(run_dir.rglob("*")):
        if f.is_file() and f.suffix in _TEXT:
            text = f.read_text(encoding="utf-8").replace(old_id, name)
            text = text.replace(str(scratch.resolve()), ".").replace(str(scratch), ".")
            text = text.replace(str(root.resolve()) + os.sep, "")
            f.write_text(_shift(text, delta), encoding="utf-8")
    democlock.apply(run_dir, start)


def _current(run_dir: Path) -> bool:
    """A finished demonstration run already on the synthetic clock (older ones are made afresh)."""
    import tomllib

    from generator.site import democlock

    try:
        meta = tomllib.loads((run_dir / "run.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (run_dir / "report.toml").is_file() and meta.get("clock") == democlock.CLOCK


def _factory(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1800)


def make_demo_runs(cfg: Config, runs_dir: Path) -> tuple[Path, Path]:
    """Make missing demonstration runs; return (handoffs dir, runs dir) to render."""
    spec_dir, standin = cfg.resolve(EXAMPLE), cfg.resolve(STANDIN)
    if not spec_dir.is_dir() or not standin.is_file():
        raise UsageError(f"--demo needs {EXAMPLE} and {STANDIN} under {cfg.root}")
    home = runs_dir / ".site-demo"
    demo_runs, handoffs = home / "runs", home / "handoffs"
    demo_runs.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    for n, (name, knobs) in enumerate(DEMOS):
        if _current(demo_runs / name):
            continue
        with tempfile.TemporaryDirectory(dir=home) as tmp:
            scratch = Path(tmp)
            (scratch / "factory.toml").write_text(
                '[dispatch]\nbackend = "command"\n'
                f"command = {json.dumps([sys.executable, str(standin)])}\nretries = 0\ntimeout = 300\n",
                encoding="utf-8",
            )
            r = _factory(["run", "--spec-dir", str(spec_dir), "--output-dir", "handoffs/inkwell", "--jobs", "2"],
                         scratch, dict(env, **knobs))
            made = [d for d in (scratch / "runs").glob("*") if (d / "run.toml").is_file()]
            if r.returncode not in (0, 1) or len(made) != 1:
                raise FactoryError(f"demonstration run {name} failed (exit {r.returncode}): {r.stderr[-800:]}")
            normalise(made[0], name, EPOCH + timedelta(hours=n), scratch, cfg.root)
            shutil.rmtree(demo_runs / name, ignore_errors=True)
            made[0].rename(demo_runs / name)
    out = handoffs / spec_dir.name
    for argv in (["generate", "--spec-dir", str(spec_dir), "--output-dir", str(out)],
                 ["prompts", "--handoffs-dir", str(out), "--spec-dir", str(spec_dir)]):
        r = _factory(argv, cfg.root, env)
        if r.returncode != 0:
            raise FactoryError(f"factory {argv[0]} for the demonstration failed: {r.stderr[-800:]}")
    return handoffs, demo_runs
