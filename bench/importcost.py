"""Which modules a command imports, and what they cost (`python -X importtime`).

`factory validate` and `factory build` without `--commit` must not load
gitpython, watchfiles or the site renderer.
"""

from __future__ import annotations

import re
import subprocess
import sys

from procs import bench_env

FORBIDDEN = ("git", "watchfiles", "generator.site")
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_profile(args: list[str]) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, nesting depth) for every import of one command."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "generator", *args], env=bench_env(),
                       capture_output=True, text=True, timeout=600)
    out = []
    for line in r.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            out.append((m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2))
    return out


def forbidden_imports(mods: list[tuple[str, int, int, int]]) -> list[str]:
    names = {m[0] for m in mods}
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))


def top_imports(mods: list[tuple[str, int, int, int]], n: int = 8) -> list[tuple[str, float]]:
    """The costliest top-level imports (cumulative ms)."""
    best: dict[str, float] = {}
    for name, _, cum, depth in mods:
        if depth == 0:  # worker processes report their own imports too: keep the costliest
            best[name] = max(best.get(name, 0.0), cum / 1000)
    return sorted(best.items(), key=lambda x: -x[1])[:n]
