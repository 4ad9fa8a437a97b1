"""`make bench`: how fast `factory` is on synthetic specs of growing size.

    python bench/run.py [--sizes 50,500,2000] [--runs 5] [--quick] [--no-profile]

For each size: validate, cold build, no-op build (must write nothing),
one-scenario-edit build and the watch round trip, each as whole processes,
with median, min–max and peak memory. The floor (Python start-up, CLI
import, read spec + write outputs) is measured in the same run. Prints a
table, the targets, import costs and a profile of the largest cold build,
and writes bench/results.toml and bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import measures
import procs
import report
from importcost import forbidden_imports, import_profile, top_imports
from project import make_project

HERE = Path(__file__).resolve().parent


def _optional(name: str):
    """A sibling benchmark module, or None when it is not there (or broken)."""
    try:
        return __import__(name)
    except Exception as exc:  # an unfinished sibling must not stop the rest
        print(f"note: {name} unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None


def memory_dir(wanted: str) -> Path | None:
    """A directory on a memory file system for the in-memory figures, or None."""
    if wanted == "none":
        return None
    d = Path(wanted)
    return d if d.is_dir() and os.access(d, os.W_OK) else None


def measure_in_memory(p, runs: int, mem: Path, say) -> dict:
    """Cold build and I/O floor with spec and outputs in memory: the disk taken out of both."""
    with tempfile.TemporaryDirectory(prefix="factory-bench-", dir=mem) as d:
        q = measures.in_memory(p, Path(d))
        say("cold build in memory")
        cold = measures.cold_build(q, runs)
        say("read + write floor in memory")
        return {"cold_build_mem": cold, "io_floor_mem": measures.io_floor(q, runs, Path(d))}


def measure_size(n: int, runs: int, tmp: Path, style: str, mem: Path | None = None) -> dict:
    p = make_project(tmp / f"p{n}", n, style=style)
    row: dict = {"scenarios": p.scenarios}
    say = lambda what: print(f"  {n} tasks: {what}", file=sys.stderr, flush=True)  # noqa: E731
    say("validate")
    row["validate"] = measures.validate(p, runs)
    say("cold build")
    row["cold_build"] = measures.cold_build(p, runs)
    if mem is not None:
        row.update(measure_in_memory(p, runs, mem, say))
    say("no-op build")
    row["noop_build"], row["noop_files"] = measures.noop_build(p, runs)
    say("read + write floor")
    row["io_floor"] = measures.io_floor(p, runs, tmp)
    say("edit build")
    row["edit_rebuild"] = measures.edit_rebuild(p, runs)
    say("watch round trip")
    wb = _optional("watch_bench")
    if wb is None or not hasattr(wb, "watch_round_trip"):
        row["watch_edit"] = procs.Series([], [], note="bench/watch_bench.py not available", ok=False)
        return row
    try:
        row["watch_edit"] = wb.watch_round_trip(p, runs)
    except Exception as exc:  # a failed watch must not lose the other figures
        row["watch_edit"] = procs.Series([], [], note=f"{type(exc).__name__}: {exc}", ok=False)
    return row


def dispatch_figures(sizes: list[int], jobs: int | None) -> tuple[float | None, str]:
    """Wall ÷ ideal at 200 tasks and a printable table, from bench/dispatch_bench.py."""
    db = _optional("dispatch_bench")
    if db is None or not hasattr(db, "run_bench"):
        return None, "bench/dispatch_bench.py not available"
    try:
        rows = db.run_bench(sizes, jobs) if jobs else db.run_bench(sizes)
    except Exception as exc:
        return None, f"dispatch_bench failed: {type(exc).__name__}: {exc}"
    ratio = next((float(r["ratio"]) for r in rows if r.get("tasks") == 200 and "ratio" in r), None)
    text = db.table(rows) if hasattr(db, "table") else str(rows)
    return ratio, text


def imports_check(spec_dir: Path, config: Path) -> dict:
    out = {}
    for cmd, args in (("validate", ["validate", "--spec-dir", str(spec_dir)]),
                      ("build", ["build", "--config", str(config)])):
        mods = import_profile(args)
        out[cmd] = {"forbidden": forbidden_imports(mods) if mods else "not measured",
                    "top_ms": [[name, round(ms, 1)] for name, ms in top_imports(mods)]}
    return out


def byte_compile() -> None:
    """Compile the package's modules to bytecode, as installing a package does: an
    editable install does not, and where the environment forbids writing bytecode
    on import (PYTHONDONTWRITEBYTECODE) every run would compile the source again."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "generator"), quiet=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark factory on synthetic specs.")
    ap.add_argument("--sizes", default="50,500,2000", help="task counts, comma-separated")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="sizes 50,500, 2 runs, no profile, small dispatch")
    ap.add_argument("--style", choices=("full", "compressed"), default="full")
    ap.add_argument("--jobs", type=int, default=None, help="parallel agents for the dispatch benchmark")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="seconds one measurement may spend before it stops repeating (default 120)")
    ap.add_argument("--mem-dir", default="/dev/shm",
                    help="memory file system for the in-memory cold build and floor ('none' to skip)")
    ap.add_argument("--out", type=Path, default=HERE / "results.toml")
    a = ap.parse_args(argv)
    sizes = [50, 500] if a.quick else [int(x) for x in a.sizes.split(",") if x.strip()]
    runs = 2 if a.quick else max(1, a.runs)
    procs.BUDGET_S = a.budget

    byte_compile()
    with tempfile.TemporaryDirectory(prefix="factory-bench-") as tmpname:
        tmp = Path(tmpname)
        print("floor: start-up", file=sys.stderr, flush=True)
        floors = measures.startup_floors(runs)
        # Dispatch first: it measures the scheduler, and on a disk still writing back
        # the builds' hundreds of megabytes each file an agent's launch creates costs
        # twice as much (so it is measured again after the builds, and both are shown).
        print("dispatch", file=sys.stderr, flush=True)
        ratio, dispatch_text = dispatch_figures([20, 200] if a.quick else [20, 200, 1000], a.jobs)
        mem = memory_dir(a.mem_dir)
        rows = {n: measure_size(n, runs, tmp, a.style, mem) for n in sizes}
        biggest = tmp / f"p{max(sizes)}"
        print("import cost", file=sys.stderr, flush=True)
        imports = imports_check(biggest / "spec", biggest / "factory.toml")
    print("dispatch again, after the builds", file=sys.stderr, flush=True)
    after_ratio, _ = dispatch_figures([200], a.jobs)
    profile = []
    if not a.no_profile and not a.quick:
        from profile_build import by_own, profile_cold_build

        print(f"profile: cold build of {max(sizes)} tasks", file=sys.stderr, flush=True)
        try:
            profile = profile_cold_build(max(sizes), top=10**6)
        except RuntimeError as exc:
            print(f"note: {exc}", file=sys.stderr)

    mach = report.machine()
    tbl = report.table(rows, floors)
    tgt = report.targets(rows, ratio, imports)
    print(f"\nMachine: {mach['cpu']}, {mach['cores']} cores, Python {mach['python']}, {mach['date']}\n")
    print(tbl + "\n")
    print(report.targets_table(tgt) + "\n")
    print("Dispatch (stand-in agents sleeping 0.1 s):\n" + dispatch_text + "\n")
    print(f"Dispatch at 200 tasks again, right after the builds: wall ÷ ideal {after_ratio}\n")
    for cmd, info in imports.items():
        print(f"imports of `factory {cmd}`: forbidden={info['forbidden']}; top: "
              + ", ".join(f"{name} {ms} ms" for name, ms in info["top_ms"]))
    if profile:
        print(f"\nprofile, cold build {max(sizes)} tasks, main process (cumulative % of run):")
        for r in profile[:15]:
            print(f"  {r['cum_pct']:5.1f}%  own {r['own_pct']:4.1f}%  {r['where']}")
        print("by own time:")
        for r in by_own(profile, 10):
            print(f"  own {r['own_pct']:4.1f}%  cum {r['cum_pct']:5.1f}%  {r['where']}")

    doc = {
        "machine": mach,
        "config": {"sizes": sizes, "runs": runs, "style": a.style, "command": report.command_line()},
        "floor": {k: report.series_dict(v) for k, v in floors.items()},
        "sizes": {str(n): {k: (report.series_dict(v) if hasattr(v, "seconds") else v)
                           for k, v in row.items()} for n, row in rows.items()},
        "dispatch": {"ratio_at_200": ratio, "table": dispatch_text,
                     **({"ratio_at_200_after_builds": after_ratio} if after_ratio is not None else {})}
        if ratio is not None else {"note": dispatch_text},
        "imports": imports,
        "targets": tgt,
        "profile": {"tasks": max(sizes), "top_cumulative": profile[:25], "top_own": by_own(profile, 15)}
        if profile else {},
    }
    report.write_toml(a.out, doc)
    md = a.out.with_suffix(".md")
    md.write_text(f"Machine: {mach['cpu']}, {mach['cores']} cores, Python {mach['python']}, {mach['date']}\n\n"
                  f"{tbl}\n\n{report.targets_table(tgt)}\n", encoding="utf-8")
    print(f"\nwrote {a.out} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
