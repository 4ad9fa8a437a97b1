"""The demonstration runs behind the committed site: same bytes on every machine and invocation."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomlkit

from generator.site import democlock

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "runs" / "20250301-100000-demo"


def _jitter(run_dir: Path, seed: int) -> None:
    """What another machine records: other dispatch ids, other clock readings, another interleaving."""
    rnd = random.Random(seed)
    doc = tomllib.loads((run_dir / "dispatch.toml").read_text(encoding="utf-8"))
    events = doc["dispatch"]
    new = {i: f"{rnd.getrandbits(64):016x}" for i in sorted({e["dispatch_id"] for e in events})}
    for e in events:
        e["dispatch_id"] = new[e["dispatch_id"]]
        for k in ("timestamp_dispatched", "timestamp_completed"):
            if k in e:
                e[k] = f"2031-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}T0{rnd.randint(0, 9)}:11:{rnd.randint(10, 59)}.{rnd.randint(100, 999)}Z"
        if "duration_ms" in e:
            e["duration_ms"] = rnd.randint(1, 90_000)
    # independent tasks may finish in either order: swap two neighbouring events of different tasks
    n = rnd.choice([n for n in range(len(events) - 1) if events[n]["task_id"] != events[n + 1]["task_id"]])
    events[n], events[n + 1] = events[n + 1], events[n]
    (run_dir / "dispatch.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    (run_dir / "ledger.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


def _normalised(tmp: Path, seed: int) -> dict[str, bytes]:
    run = tmp / f"run-{seed}"
    shutil.copytree(FIXTURE, run)
    _jitter(run, seed)
    from datetime import datetime, timezone

    democlock.apply(run, datetime(2025, 1, 6, 9, tzinfo=timezone.utc))
    return {p.name: p.read_bytes() for p in sorted(run.iterdir()) if p.is_file()}


def test_synthetic_clock_ignores_recorded_times_ids_and_interleaving(tmp_path: Path) -> None:
    base = _normalised(tmp_path, 1)
    for seed in (2, 3, 4):
        assert _normalised(tmp_path, seed) == base
    run = tomllib.loads(base["run.toml"].decode())
    assert run["clock"] == "synthetic" and "not measurements" in run["clock_note"]
    assert run["started_at"] == "2025-01-06T09:00:00.000Z"


def test_synthetic_clock_replays_the_task_graph(tmp_path: Path) -> None:
    files = _normalised(tmp_path, 1)
    disp = tomllib.loads(files["dispatch.toml"].decode())
    done = [e for e in disp["dispatch"] if "timestamp_completed" in e]
    for e in done:  # every launched turn lasts what its turn says; a blocked task takes no time
        want = 0 if e["status"] == "BLOCKED" else democlock.TURN_MS.get(e["turn"], democlock.OTHER_TURN_MS)
        assert e.get("duration_ms", want) == want
    tasks = {t["task_id"]: t for t in disp["task"]}
    for t in tasks.values():  # no task starts before its dependencies finished
        for d in t.get("depends_on", []):
            if d in tasks and "finished_at" in tasks[d] and "started_at" in t:
                assert t["started_at"] >= tasks[d]["finished_at"], (t["task_id"], d)


def _demo(tmp: Path, name: str) -> dict[str, bytes]:
    out, runs = tmp / f"site-{name}", tmp / f"runs-{name}"
    r = subprocess.run([sys.executable, "-m", "generator", "site", "--demo", "--runs-dir", str(runs), "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_demo_site_same_bytes_from_fresh_runs_and_matches_committed_site(tmp_path: Path) -> None:
    first, second = _demo(tmp_path, "a"), _demo(tmp_path, "b")
    assert first == second
    page = first["runs/demo-1-accept/index.html"].decode()
    assert "synthetic clock" in page and "not measurements" in page
    assert "synthetic" in first["index.html"].decode()
    committed = {p.relative_to(ROOT / "site").as_posix(): p.read_bytes()
                 for p in sorted((ROOT / "site").rglob("*")) if p.is_file()}
    stale = sorted(k for k in set(first) | set(committed) if first.get(k) != committed.get(k))
    assert stale == [], f"the committed site/ is not what `make site` renders; run `make site`: {stale[:10]}"
