"""Turn measurements into the markdown table, the targets and bench/results.toml."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

from procs import Series

COLUMNS = (
    ("validate", "validate"),
    ("cold_build", "cold build"),
    ("noop_build", "no-op build"),
    ("edit_rebuild", "1-scenario edit build"),
    ("watch_edit", "watch: save → on disk"),
    ("io_floor", "floor: read spec + write outputs"),
    ("cold_build_mem", "cold build, in memory"),
    ("io_floor_mem", "floor, in memory"),
)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count() or 0, "python": platform.python_version(),
            "implementation": platform.python_implementation(), "system": f"{platform.system()} {platform.release()}",
            "date": datetime.date.today().isoformat()}


def cell(s: Series | None) -> str:
    if s is None:
        return "–"
    if not s.seconds:
        return f"failed: {s.note}" if s.note else "–"
    return f"{s.median:.3f} ({s.min:.3f}–{s.max:.3f})"


def series_dict(s: Series) -> dict:
    d: dict = {"ok": s.ok, "runs": len(s.seconds)}
    if s.seconds:
        d.update(median_s=round(s.median, 4), min_s=round(s.min, 4), max_s=round(s.max, 4))
    if s.maxrss_kb:
        d["peak_rss_mb"] = round(s.peak_mb, 1)
    if s.note:
        d["note"] = s.note
    return d


def table(sizes: dict[int, dict], floors: dict[str, Series]) -> str:
    head = "| tasks (scenarios) | " + " | ".join(label for _, label in COLUMNS) + " | peak RSS build |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for n, row in sizes.items():
        cells = [cell(row.get(key)) for key, _ in COLUMNS]
        if "noop_files" in row and row.get("noop_build") and row["noop_build"].seconds:
            cells[2] += f", {row['noop_files']} files written"
        peak = row.get("cold_build")
        mem = f"{peak.peak_mb:.0f} MB" if peak and peak.maxrss_kb else "–"
        lines.append(f"| {n} ({row['scenarios']}) | " + " | ".join(cells) + f" | {mem} |")
    lines.append("")
    lines.append("Floor: " + "; ".join(f"`{k}` {cell(v)}" for k, v in floors.items()))
    lines.append("Seconds: median (min–max) over whole-process runs.")
    return "\n".join(lines)


def _median(sizes: dict[int, dict], n: int, key: str) -> float | None:
    s = sizes.get(n, {}).get(key)
    return s.median if s is not None and s.seconds else None


def targets(sizes: dict[int, dict], dispatch_ratio: float | None, imports: dict) -> list[dict]:
    """The issue's targets, each with the measured value and pass/fail (or not measured)."""
    out = []

    def add(name: str, value, limit, ok, unit: str) -> None:
        row = {"target": name, "limit": limit, "unit": unit}
        if value is None:
            row["status"] = "not measured"
        else:
            row["value"] = round(value, 4) if isinstance(value, float) else value
            row["status"] = "pass" if ok else "FAIL"
        out.append(row)

    c500, c2000 = _median(sizes, 500, "cold_build"), _median(sizes, 2000, "cold_build")
    ratio = c2000 / c500 if c500 and c2000 else None
    add("cold build 2,000 tasks ÷ 500 tasks", ratio, 4.5, ratio is not None and ratio <= 4.5, "ratio")
    m500, m2000 = _median(sizes, 500, "cold_build_mem"), _median(sizes, 2000, "cold_build_mem")
    m_ratio = m2000 / m500 if m500 and m2000 else None  # the same growth without the disk's own
    add("cold build 2,000 tasks ÷ 500 tasks, in memory", m_ratio, 4.5, m_ratio is not None and m_ratio <= 4.5, "ratio")
    add("cold build 2,000 tasks", c2000, 2.0, c2000 is not None and c2000 <= 2.0, "s")
    add("cold build 2,000 tasks, spec and outputs in memory", m2000, 2.0, m2000 is not None and m2000 <= 2.0, "s")
    noop = _median(sizes, 2000, "noop_build")
    add("no-op build 2,000 tasks", noop, 0.5, noop is not None and noop <= 0.5, "s")
    files = sizes.get(2000, {}).get("noop_files")
    add("no-op build 2,000 tasks: files written", files, 0, files == 0, "files")
    w = _median(sizes, 500, "watch_edit")
    add("watch: one-scenario edit at 500 tasks on disk after save", w, 0.2, w is not None and w <= 0.2, "s")
    add("dispatch wall time ÷ ideal at 200 tasks", dispatch_ratio, 1.1,
        dispatch_ratio is not None and dispatch_ratio <= 1.1, "ratio")
    for cmd, info in imports.items():
        bad = info.get("forbidden")
        add(f"`factory {cmd}` imports none of git, watchfiles, generator.site",
            len(bad) if isinstance(bad, list) else None, 0, bad == [], "modules")
    return out


def targets_table(rows: list[dict]) -> str:
    lines = ["| target | limit | measured | status |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['limit']} {r['unit']} | {r.get('value', '–')} | {r['status']} |")
    return "\n".join(lines)


def write_toml(path: Path, doc: dict) -> None:
    import tomlkit

    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def command_line() -> str:
    return " ".join(["python", *(a for a in sys.argv if a)])
