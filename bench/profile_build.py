"""cProfile a cold `factory build` and list where the time goes.

    python bench/profile_build.py [--tasks 2000] [--top 25]

Prints file:function with cumulative and own time as a share of the run.
Only the main process is profiled: work a build hands to worker processes
shows up as the time its parent spends waiting.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from procs import bench_env
from project import make_project

ROOT = Path(__file__).resolve().parent.parent


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename.startswith(str(ROOT) + "/"):
        filename = filename[len(str(ROOT)) + 1:]
    elif "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    elif "/lib/python3" in filename:
        filename = "stdlib/" + filename.rsplit("/", 1)[1]
    return f"{filename}:{line}:{name}" if line else name


def profile_cold_build(tasks: int, top: int = 25, keep: Path | None = None) -> list[dict]:
    """Rows {where, cum_pct, own_pct, calls} for the `top` functions by cumulative time."""
    with tempfile.TemporaryDirectory(prefix="factory-prof-") as tmp:
        proj = make_project(Path(tmp) / "proj", tasks)
        prof = Path(tmp) / "build.prof"
        # `main`, not `python -m generator`: the program's own exit would skip writing the profile
        code = ("import cProfile, sys; from generator.cli import main; "
                "sys.exit(cProfile.run('main(sys.argv[1:])', sys.argv.pop(1)) or 0)")
        r = subprocess.run([sys.executable, "-c", code, str(prof), "build", "--config", str(proj.config)],
                           env=bench_env(), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"profiled build failed ({r.returncode}): {r.stderr.strip()[-400:]}")
        if keep:
            shutil.copy(prof, keep)
        st = pstats.Stats(str(prof))
        total = max(v[3] for v in st.stats.values())  # the outermost frame's cumulative time
        rows = []
        for func, (cc, nc, tt, ct, _) in st.stats.items():
            rows.append({"where": _where(func), "cum_pct": round(100 * ct / total, 1),
                         "own_pct": round(100 * tt / total, 1), "calls": nc})
        rows = [r for r in rows if not _wrapper(r)]
        rows.sort(key=lambda r: (-r["cum_pct"], r["where"]))
        return rows[:top]


def _wrapper(row: dict) -> bool:
    """Frames every run goes through (interpreter, CLI entry): they say nothing."""
    w = row["where"]
    return w.startswith(("<frozen runpy>", "<string>", "<built-in method builtins.exec>", "generator/__main__.py",
                         "generator/cli.py", "generator/commands/"))


def by_own(rows: list[dict], n: int) -> list[dict]:
    return sorted(rows, key=lambda r: (-r["own_pct"], r["where"]))[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--own", action="store_true", help="sort by own time instead of cumulative")
    a = ap.parse_args()
    rows = profile_cold_build(a.tasks, top=10**6)
    if a.own:
        rows = by_own(rows, len(rows))
    print(f"{'cum %':>6} {'own %':>6} {'calls':>9}  function")
    for r in rows[:a.top]:
        print(f"{r['cum_pct']:6.1f} {r['own_pct']:6.1f} {r['calls']:9d}  {r['where']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
