"""Site build time on a real run of a large generated spec, and the synthetic site inputs tests reuse.

    python bench/site_bench.py [--tasks 500] [--jobs 8] [--repeat 5] [--no-browser]

As a script: `generate_spec` (bench/synth.py) writes a 500-task spec, a real
`factory run` compiles it and dispatches a fast stand-in agent
(tests/agents/scripted.py, command backend, gate off) that writes a PASS
results file for every task but one (FAILED, so its dependants are BLOCKED),
then runs the D9 holdouts. `factory site` is then timed as a user runs it:
cold (empty site directory) and no-op (nothing changed), median of
--repeat builds each. Every page is checked: a crawl from index.html must
reach every page with no broken link or anchor, and a sample of pages is
loaded in headless Chromium, whose DOM must hold the page's own content.
Screenshots of the index and the run page go to bench/out/. Prints the
figures and writes bench/site_results.toml.

`make_inputs(root, n_tasks)` writes a hand-made handoff tree and one finished
run with gate turns, retries, a failed task, blocked dependants and a failing
holdout: everything the site draws, in milliseconds, for the site tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

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


# --- a real run of a generated spec ------------------------------------------------------------

AGENT = ROOT / "tests" / "agents" / "scripted.py"
CHROMIUM = "/usr/bin/chromium"


def real_project(root: Path, n_tasks: int, jobs: int = 8, seed: int = 3) -> dict:
    """A generated spec under `root`, compiled and run for real by `factory run` with a stand-in agent.

    One task at about five sixths of the way reports FAIL, so the run has a
    FAILED task, BLOCKED dependants and a PARTIAL verdict to draw.
    """
    from synth import generate_spec

    spec = root / "specs" / "synth"
    stats = generate_spec(spec, tasks=n_tasks, seed=seed)
    failing = f"T-{n_tasks * 5 // 6:03d}"
    (root / "factory.toml").write_text(
        '[project]\nspecs = ["specs/synth"]\n\n[dispatch]\nbackend = "command"\n'
        f"command = {json.dumps([sys.executable, str(AGENT)])}\n"
        'gate = "off"\nretries = 0\ntimeout = 120\n', encoding="utf-8")
    env = dict(os.environ, SCRIPTED_FAIL=failing,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "generator", "run", "--spec-dir", "specs/synth",
                        "--output-dir", "handoffs/synth", "--jobs", str(jobs)],
                       cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - t0
    runs = [d for d in (root / "runs").iterdir() if (d / "report.toml").is_file()] if (root / "runs").is_dir() else []
    if r.returncode not in (0, 1) or len(runs) != 1:
        raise RuntimeError(f"factory run of {n_tasks} tasks failed (exit {r.returncode}): {r.stderr[-1500:]}")
    return {"tasks": n_tasks, "holdouts": stats.holdouts, "failing_task": failing, "run_id": runs[0].name,
            "run_seconds": seconds, "summary": r.stdout.strip().splitlines()[-5:]}


def factory_site(root: Path, out: Path) -> float:
    """`factory site --out OUT` as a user runs it; its wall time in seconds."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "generator", "site", "--out", str(out)], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"factory site failed: {r.stderr[-1500:]}")
    return seconds


class PageLinks(HTMLParser):
    """The ids a page defines, the links it makes and the classes of its elements (`tag.class`)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for k in ("href", "src"):
            if a.get(k) is not None:
                self.refs.append(a[k] or "")
        if a.get("class"):
            self.classes.append(f"{tag}.{a['class']}")


def crawl(out: Path) -> dict:
    """Follow every link from index.html: pages reached, pages never reached, broken links and anchors."""
    parsed: dict[Path, PageLinks] = {}

    def page(p: Path) -> PageLinks:
        if p not in parsed:
            parsed[p] = PageLinks()
            parsed[p].feed(p.read_text(encoding="utf-8"))
        return parsed[p]

    start = (out / "index.html").resolve()
    seen, queue, broken = {start}, [start], []
    pending_anchors: list[tuple[Path, Path, str]] = []
    while queue:
        here = queue.pop()
        for ref in page(here).refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                broken.append(f"{here.relative_to(out.resolve())}: leaves the machine: {ref}")
                continue
            target = (here.parent / unquote(parts.path)).resolve() if parts.path else here
            if not target.is_file():
                broken.append(f"{here.relative_to(out.resolve())}: missing {ref}")
                continue
            if parts.fragment:
                pending_anchors.append((here, target, parts.fragment))
            if target.suffix == ".html" and target not in seen:
                seen.add(target)
                queue.append(target)
    for here, target, frag in pending_anchors:
        if target.suffix == ".html" and frag not in page(target).ids:
            broken.append(f"{here.relative_to(out.resolve())}: missing anchor #{frag} in {target.name}")
    every = {p.resolve() for p in out.rglob("*.html")}
    return {"pages": len(every), "reached": len(seen & every),
            "unreached": sorted(str(p.relative_to(out.resolve())) for p in every - seen), "broken": broken}


def _chromium(args: list[str], profile: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=timeout)


def browser_check(out: Path, pages: list[Path], profile: Path) -> list[str]:
    """Load each page from disk in headless Chromium; return the pages whose DOM lacks their own content."""
    bad = []
    for p in pages:
        r = _chromium(["--dump-dom", p.resolve().as_uri()], profile)
        dom = r.stdout
        h1 = p.read_text(encoding="utf-8").split("<h1", 1)[-1].split(">", 1)[-1].split("<", 1)[0].strip()
        if r.returncode != 0 or "</main>" not in dom or (h1 and h1 not in dom):
            bad.append(f"{p.relative_to(out)} (exit {r.returncode})")
    return bad


def screenshot(page: Path, png: Path, profile: Path, size: str = "1280,2000") -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    _chromium(["--hide-scrollbars", f"--window-size={size}", f"--screenshot={png}", page.resolve().as_uri()], profile)


def sample_pages(out: Path, k: int = 12) -> list[Path]:
    """The index, spec and run pages and an even spread of handoff and prompt pages."""
    fixed = [out / "index.html", *sorted(out.glob("specs/*/index.html")), *sorted(out.glob("runs/*/index.html"))]
    rest = sorted(p for p in out.rglob("*.html") if p not in fixed)
    step = max(1, len(rest) // max(1, k - len(fixed)))
    return fixed + rest[::step][: max(0, k - len(fixed))]


def _graph_figures(run_page: Path) -> dict:
    text = run_page.read_text(encoding="utf-8")
    svg = text.split('<svg class="graph', 1)[1].split(">", 1)[0]
    box = svg.split('viewBox="0 0 ', 1)[1].split('"', 1)[0].split()
    tl = text.split('<svg class="timeline', 1)[1].split(">", 1)[0]
    tl_box = tl.split('viewBox="0 0 ', 1)[1].split('"', 1)[0].split()
    return {"graph_nodes": text.count('<g class="node '), "graph_width": int(box[0]), "graph_height": int(box[1]),
            "graph_compact": " compact" in svg.split('"', 1)[0], "timeline_bars": text.count('<g class="bar '),
            "timeline_height": int(tl_box[1]), "timeline_packed": tl.startswith(" packed")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="factory site on a real run of a generated spec")
    ap.add_argument("--tasks", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args(argv)
    shots = ROOT / "bench" / "out"
    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        root = Path(tmp)
        made = real_project(root, a.tasks, a.jobs)
        out = root / "site"
        cold, noop = [], []
        for _ in range(a.repeat):
            shutil.rmtree(out, ignore_errors=True)
            cold.append(factory_site(root, out))
            noop.append(factory_site(root, out))
        files = [p for p in out.rglob("*") if p.is_file()]
        site_bytes = sum(p.stat().st_size for p in files)
        found = crawl(out)
        run_page = out / "runs" / made["run_id"] / "index.html"
        figures = _graph_figures(run_page)
        browser_bad: list[str] | None = None
        sampled = 0
        if not a.no_browser and Path(CHROMIUM).is_file():
            profile = root / "chromium-profile"
            pages = sample_pages(out)
            sampled = len(pages)
            browser_bad = browser_check(out, pages, profile)
            screenshot(out / "index.html", shots / "site_index.png", profile, "1280,1000")
            screenshot(run_page, shots / "site_run.png", profile)
    ok = not found["broken"] and not found["unreached"] and not browser_bad
    res = {
        "tasks": a.tasks, "jobs": a.jobs, "holdouts": made["holdouts"], "failing_task": made["failing_task"],
        "run_seconds": round(made["run_seconds"], 2), "pages": found["pages"], "pages_reached": found["reached"],
        "files": len(files), "bytes": site_bytes, "broken_links": len(found["broken"]),
        "cold_build_seconds_median": round(statistics.median(cold), 3),
        "noop_build_seconds_median": round(statistics.median(noop), 3),
        "cold_build_seconds": [round(x, 3) for x in cold], "noop_build_seconds": [round(x, 3) for x in noop],
        "browser_pages_loaded": sampled, "browser_failures": len(browser_bad or []), **figures,
        "load_avg": round(os.getloadavg()[0], 2), "every_page_renders": ok,
    }
    print(f"real run of {a.tasks} tasks ({made['holdouts']} holdouts, jobs {a.jobs}): {res['run_seconds']} s")
    print(f"factory site: {res['pages']} pages, {len(files)} files, {site_bytes / 1e6:.1f} MB; "
          f"cold {res['cold_build_seconds_median']} s, no-op {res['noop_build_seconds_median']} s "
          f"(median of {a.repeat}; load {res['load_avg']})")
    print(f"crawl from index.html: {found['reached']}/{found['pages']} pages reached, {len(found['broken'])} broken links")
    print(f"task graph: {figures['graph_nodes']} nodes, {figures['graph_width']}x{figures['graph_height']} px"
          f"{' (compact)' if figures['graph_compact'] else ''}; timeline: {figures['timeline_bars']} bars, "
          f"{figures['timeline_height']} px tall{' (packed lanes)' if figures['timeline_packed'] else ''}")
    if browser_bad is not None:
        print(f"chromium: {sampled} pages loaded, {len(browser_bad)} failed; screenshots in {shots}")
    for line in found["broken"][:10] + found["unreached"][:10] + (browser_bad or [])[:10]:
        print("  ", line)
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("factory site on a real `factory run` of a generated spec: written by bench/site_bench.py"))
    for k, v in res.items():
        doc.add(k, v)
    (ROOT / "bench" / "site_results.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
