"""Site build time on a large spec, and the synthetic site inputs tests reuse.

`make_inputs(root, n_tasks)` writes a handoff tree (facets, index, one handoff
and prompt per task) and one finished run with gate turns, retries, a failed
task, blocked dependants and a failing holdout: everything the site draws.
Run as a script it builds the site for 500 tasks and records the time in
bench/site_results.toml.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEC = "synthetic"
START = datetime(2025, 3, 1, 10, 0, 0, tzinfo=timezone.utc)


def _q(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_q(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _table(name: str, rows: list[dict]) -> str:
    return "".join(f"[[{name}]]\n" + "".join(f"{k} = {_q(v)}\n" for k, v in r.items()) + "\n" for r in rows)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def make_tasks(n: int, rnd: random.Random) -> list[dict]:
    tasks = []
    for i in range(1, n + 1):
        window = list(range(max(1, i - 12), i))
        deps = sorted(rnd.sample(window, min(len(window), rnd.choice((0, 1, 1, 2)))) if window else [])
        tasks.append({"id": f"T-{i:03d}", "title": f"Build part {i}", "phase": str(min(4, i * 5 // (n + 1))),
                      "depends_on": [f"T-{d:03d}" for d in deps]})
    return tasks


def make_inputs(root: Path, n_tasks: int = 12, seed: int = 7, run_id: str = "run-synthetic") -> dict:
    """Write handoffs/<spec>/ and runs/<run_id>/ under `root`; return what was made."""
    rnd = random.Random(seed)
    n_sc, n_ct = max(3, n_tasks // 2), max(2, n_tasks // 3)
    tasks = make_tasks(n_tasks, rnd)
    scenarios = [{"id": f"SC-{i:03d}", "title": f"Scenario {i}", "priority": f"P{(i - 1) % 3}",
                  "source": f"D2_SPECIFICATION.md:{10 * i}"} for i in range(1, n_sc + 1)]
    contracts = [{"id": f"{('IN', 'OUT', 'ERR')[i % 3]}-{i:03d}", "title": f"Contract {i}",
                  "scenarios": [f"SC-{1 + i % (n_sc - 1):03d}"]} for i in range(1, n_ct + 1)]
    for i, t in enumerate(tasks):  # the last scenario and contract stay uncovered: visible gaps
        t["scenarios"] = [f"SC-{1 + i % (n_sc - 1):03d}"]
        t["contracts"] = [contracts[i % (n_ct - 1)]["id"]]
        t["handoff_id"] = f"H-FACTORY-{i + 1:03d}"
    tree = root / "handoffs" / SPEC
    _write(tree / "facets" / "spec.toml", f'name = "{SPEC}"\ncomponent_name = "Synthetic"\n')
    _write(tree / "facets" / "scenarios.toml", _table("scenario", scenarios))
    _write(tree / "facets" / "contracts.toml", _table("contract", contracts))
    _write(tree / "facets" / "entities.toml", _table("entity", [{"id": "E-001", "name": "Record", "scope": "SHARED"}]))
    _write(tree / "facets" / "tasks.toml", _table("task", tasks))
    index = []
    for t in tasks:
        hid = t["handoff_id"]
        index.append({"handoff_id": hid, "task_id": t["id"]})
        _write(tree / hid / "handoff.toml", f'handoff_id = "{hid}"\ntask_id = "{t["id"]}"\n')
        _write(tree / hid / f"{hid}_BUILDER_HANDOFF.md",
               f"# {hid}: {t['title']}\n\n## Mission\n\nImplement {t['id']} for {', '.join(t['scenarios'])}.\n\n"
               f"| contract | entity |\n|---|---|\n| {t['contracts'][0]} | E-001 |\n\n"
               f"See the [agent prompt]({hid}_AGENT_PROMPT.md).\n")
        _write(tree / hid / f"{hid}_AGENT_PROMPT.md",
               f"# Agent prompt {hid}\n\nRead [the handoff]({hid}_BUILDER_HANDOFF.md) and build {t['id']}.\n")
    _write(tree / "handoff_index.json", json.dumps({"handoffs": index}, indent=2) + "\n")
    run = _make_run(root / "runs" / run_id, run_id, tasks, scenarios, contracts, rnd)
    return {"tasks": tasks, "scenarios": scenarios, "contracts": contracts, **run}


def _make_run(rdir: Path, run_id: str, tasks: list[dict], scenarios: list[dict], contracts: list[dict],
              rnd: random.Random) -> dict:
    failed_task = tasks[1]["id"]
    status: dict[str, str] = {}
    finish: dict[str, datetime] = {}
    dispatch, task_rows = [], []
    n = 0
    for t in tasks:
        if any(status.get(d) in ("FAILED", "BLOCKED") for d in t["depends_on"]):
            status[t["id"]] = "BLOCKED"
            task_rows.append({"task_id": t["id"], "handoff_id": t["handoff_id"], "status": "BLOCKED",
                              "reason": "a dependency did not complete", "depends_on": t["depends_on"], "attempts": 0})
            continue
        at = max([finish[d] for d in t["depends_on"] if d in finish] + [START])
        turns = [("gate", 1), ("build", 1)] + ([("build", 2)] if t["id"] in (tasks[2]["id"], failed_task) else [])
        tokens = 0
        for turn, attempt in turns:
            n += 1
            dur = rnd.randint(2_000, 40_000)
            last = (turn, attempt) == turns[-1]
            st = "FAILED" if last and t["id"] == failed_task else "COMPLETED" if last or turn == "gate" else "FAILED"
            tok = rnd.randint(500, 9000)
            tokens += tok
            did = f"D-{n:05d}"
            dispatch.append({"dispatch_id": did, "handoff_id": t["handoff_id"], "task_id": t["id"], "status": "DISPATCHED",
                             "timestamp_dispatched": _iso(at), "attempt": attempt, "turn": turn})
            end = at + timedelta(milliseconds=dur)
            row = {"dispatch_id": did, "handoff_id": t["handoff_id"], "task_id": t["id"], "status": st,
                   "timestamp_dispatched": _iso(at), "timestamp_completed": _iso(end), "tokens_used": tok,
                   "attempt": attempt, "turn": turn, "cost_usd": round(tok * 0.000015, 6), "duration_ms": dur}
            if st == "FAILED":
                row["error"] = "builder results file reports failing tests"
            dispatch.append(row)
            at = end
        status[t["id"]] = "FAILED" if t["id"] == failed_task else "COMPLETED"
        finish[t["id"]] = at
        task_rows.append({"task_id": t["id"], "handoff_id": t["handoff_id"], "status": status[t["id"]],
                          "reason": "builder reported failing tests" if t["id"] == failed_task else "",
                          "depends_on": t["depends_on"], "attempts": len([x for x in turns if x[0] == "build"]),
                          "tokens": tokens, "cost_usd": round(tokens * 0.000015, 6),
                          "started_at": _iso(at), "finished_at": _iso(at)})
    end = max(finish.values(), default=START)
    holdouts = []
    for i, sc in enumerate(scenarios[:-1][: max(3, len(scenarios) // 2)]):
        hid = f"HS-{i + 1:03d}"
        resp = next((t["id"] for t in tasks if sc["id"] in t["scenarios"]), tasks[0]["id"])
        fail = i == 0
        h = {"holdout_id": hid, "title": f"Hidden check {i + 1}", "priority": sc["priority"],
             "status": "FAIL" if fail else "PASS", "validates_scenarios": [sc["id"]],
             "validates_contracts": [contracts[i % len(contracts)]["id"]], "responsible_task": resp,
             "responsible_tasks": [resp], "duration_ms": 120 + i}
        if fail:
            h.update(actual_output="exit 1: record missing", expected_output="exit 0: record stored",
                     error_message="verify step failed")
        holdouts.append(h)
    hold_text = ('verdict = "REJECT"\nverdict_reason = "1 P0 holdout failed: HS-001"\np0_pass = false\n'
                 f"p0_total = {sum(1 for h in holdouts if h['priority'] == 'P0')}\n"
                 f"p0_passed = {sum(1 for h in holdouts if h['priority'] == 'P0' and h['status'] == 'PASS')}\n\n")
    for h in holdouts:
        hold_text += _table("holdout", [h])
        for name, code in (("setup", 0), ("execute", 0), ("verify", 1 if h["status"] == "FAIL" else 0), ("cleanup", 0)):
            hold_text += _table("holdout.step", [{"name": name, "exit_code": code, "duration_ms": 10, "stdout": f"{name} ran",
                                                  "stderr": "", "timed_out": False}])
    _write(rdir / "run.toml", f'run_id = "{run_id}"\nspec = "{SPEC}"\nspec_dir = "specs/{SPEC}"\n'
           f'started_at = "{_iso(START)}"\nfinished_at = "{_iso(end)}"\nstatus = "FAILED"\n'
           'backend = "command"\ngate = "auto"\njobs = 2\n')
    _write(rdir / "dispatch.toml", _table("dispatch", dispatch) + _table("task", task_rows))
    _write(rdir / "holdouts.toml", hold_text)
    _write(rdir / "report.toml", f'spec_dir = "specs/{SPEC}"\ncomponent_name = "Synthetic"\nverdict = "REJECT"\n'
           f'verdict_reason = "1 P0 holdout failed: HS-001"\ntotal_duration_ms = {int((end - START).total_seconds() * 1000)}\n\n'
           '[validation]\nstatus = "PASS"\n\n[[validation.checks]]\ncheck_name = "documents"\nstatus = "PASS"\n'
           'message = "all documents present"\n')
    bars = len({d["dispatch_id"] for d in dispatch})
    return {"failed_task": failed_task, "holdouts": holdouts, "bars": bars, "task_status": status}


def build(root: Path, out: Path) -> dict[str, bytes]:
    from generator.config import Config
    from generator.site import render_site, write_site

    cfg = Config(root=root)
    files = render_site(cfg, root / "handoffs", root / "runs")
    write_site(out, files)
    return files


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made = make_inputs(root, n)
        t0 = time.perf_counter()
        files = build(root, root / "site")
        seconds = time.perf_counter() - t0
    pages = sum(1 for p in files if p.endswith(".html"))
    size = sum(len(b) for b in files.values())
    print(f"site for {n} tasks: {pages} pages, {size / 1e6:.1f} MB, {made['bars']} dispatch bars, built in {seconds:.2f} s")
    (ROOT / "bench" / "site_results.toml").write_text(
        "# factory site on a synthetic spec: written by bench/site_bench.py\n"
        f"tasks = {n}\npages = {pages}\nbytes = {size}\ndispatch_bars = {made['bars']}\nbuild_seconds = {seconds:.3f}\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def make_test_project(root: Path) -> Path:
    """A project for site tests: the example spec compiled for real, its
    hand-made runs from tests/fixtures/runs, and a synthetic spec and run."""
    import shutil

    from generator.cli import main as factory

    make_inputs(root, 14)
    spec_dir = ROOT / "specs" / "inkwell"
    out = root / "handoffs" / "inkwell"
    for argv in (["generate", "--spec-dir", str(spec_dir), "--output-dir", str(out)],
                 ["prompts", "--handoffs-dir", str(out), "--spec-dir", str(spec_dir)]):
        if factory(argv) != 0:
            raise RuntimeError(f"factory {argv[0]} failed")
    for run in sorted((ROOT / "tests" / "fixtures" / "runs").iterdir()):
        shutil.copytree(run, root / "runs" / run.name)
    (root / "factory.toml").write_text(f'[project]\nspecs = ["{spec_dir.as_posix()}"]\n', encoding="utf-8")
    return root
