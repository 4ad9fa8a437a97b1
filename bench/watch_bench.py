"""Save → outputs updated: how long `factory watch` takes to follow a one-file edit.

    python bench/watch_bench.py [--saves 7] [--tasks 500] [--debounce MS]

Runs the real watch as a subprocess (with the CLI's own default debounce
unless --debounce is given) on a private copy of a spec, edits one D2
scenario per save, and times from the save returning to the moment the
builder handoff of a task using that scenario holds new bytes on disk
(polled by stat, confirmed by reading it). Also reports the time to the
rebuild line, the rebuild's own time as the line prints it, the start-up
full build, and writes bench/watch_results.toml. Measured on our example
spec and on a generated 500-task spec.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synth import edit_one_scenario, generate_spec  # noqa: E402

READY_S = 600.0
REBUILD_S = 120.0
_MS = re.compile(r" in (\d+) ms$")


class _Watch:
    """A `factory watch` subprocess whose stdout lines arrive timestamped on a queue."""

    def __init__(self, config: Path, debounce_ms: int | None):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        argv = [sys.executable, "-m", "generator", "watch", "--config", str(config)]
        if debounce_ms is not None:
            argv += ["--debounce", str(debounce_ms)]
        self.proc = subprocess.Popen(argv, cwd=config.parent, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
        self.q: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.q.put((time.perf_counter(), line.rstrip("\n")))
        self.q.put((time.perf_counter(), None))

    def wait(self, pattern: str, timeout: float) -> tuple[float, str]:
        end = time.monotonic() + timeout
        while True:
            try:
                t, line = self.q.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"watch: nothing matching {pattern!r} within {timeout:.0f} s") from None
            if line is None:
                raise RuntimeError("watch exited early")
            if " → invalid" in line or " → failed" in line:
                raise RuntimeError(f"watch rejected the edit: {line}")
            if re.search(pattern, line):
                return t, line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def _stats(values: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(values), 1),
        "min_ms": round(min(values), 1),
        "max_ms": round(max(values), 1),
    }


def _peek_edit(spec: Path, index: int) -> str:
    """The id of the scenario `edit_one_scenario(spec, index)` would change (found on a scratch copy)."""
    from synth import FILES

    with tempfile.TemporaryDirectory(prefix="watch-bench-peek-") as tmp:
        shutil.copy(spec / FILES["D2"], Path(tmp) / FILES["D2"])
        return edit_one_scenario(Path(tmp), index=index)


def _affected_handoff(out: Path, scenario: str) -> Path | None:
    """The builder handoff of the first task (index order) that lists `scenario`."""
    index = json.loads((out / "handoff_index.json").read_text(encoding="utf-8"))
    for entry in index.values():
        if scenario in entry["scenarios"]:
            return out / entry["path"]
    return None


def _wait_new_bytes(path: Path, old: bytes, timeout: float) -> float:
    """perf_counter time at which `path` first holds bytes other than `old`."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            st = os.stat(path)
            sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            sig = None
        if sig is not None and sig != last:
            now = time.perf_counter()
            last = sig
            try:
                if path.read_bytes() != old:
                    return now
            except OSError:
                pass
        time.sleep(0.001)
    raise RuntimeError(f"{path.name}: not updated within {timeout:.0f} s")


def measure_round_trip(spec_dir: Path, saves: int = 7, *, debounce_ms: int | None = None) -> dict:
    """Round-trip figures for `saves` one-scenario edits of a copy of `spec_dir`."""
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        root = Path(tmp)
        spec = root / "specs" / Path(spec_dir).name
        shutil.copytree(spec_dir, spec)
        config = root / "factory.toml"
        config.write_text(f'[project]\nspecs = ["specs/{spec.name}"]\n', encoding="utf-8")
        w = _Watch(config, debounce_ms)
        try:
            _, startup = w.wait(r"^built ", READY_S)
            w.wait(r"^watching ", READY_S)
            out = root / "handoffs" / spec.name
            trips, lines, rebuilds, written = [], [], [], []
            for i in range(saves):
                time.sleep(1.0)  # let the previous rebuild's aftermath settle: saves are human-paced
                scenario = _peek_edit(spec, i % 3)
                target = _affected_handoff(out, scenario)
                if target is None:
                    raise RuntimeError(f"no task uses {scenario}: nothing to time on disk")
                old = target.read_bytes()
                edit_one_scenario(spec, index=i % 3)
                saved = time.perf_counter()
                on_disk = _wait_new_bytes(target, old, REBUILD_S)
                t, line = w.wait(r"^rebuilt ", REBUILD_S)
                trips.append((on_disk - saved) * 1000)
                lines.append((t - saved) * 1000)
                rebuilds.append(float(_MS.search(line).group(1)))
                written.append(int(re.search(r"→ (\d+) written", line).group(1)))
            handoffs = list(out.glob("*/*_BUILDER_HANDOFF.md"))
            updated = any(b"(revision" in p.read_bytes() for p in handoffs)
        finally:
            code = w.stop()
    return {
        "spec": Path(spec_dir).name,
        "tasks": len(handoffs),
        "saves": saves,
        "debounce_ms": debounce_ms if debounce_ms is not None else "cli default",
        "startup_full_build_ms": float(_MS.search(startup).group(1)),
        "round_trip": _stats(trips),
        "round_trip_samples_ms": [round(x, 1) for x in trips],
        "to_rebuild_line": _stats(lines),
        "rebuild": _stats(rebuilds),
        "files_written_median": statistics.median(written),
        "outputs_updated": updated,
        "exit_code": code,
    }


def watch_round_trip(p, runs: int):
    """Adapter for bench/run.py: its Project in, its Series out (seconds per save)."""
    from procs import Series

    r = measure_round_trip(p.spec, saves=runs)
    s = Series([], [])
    s.seconds = [ms / 1000 for ms in r["round_trip_samples_ms"]]
    s.ok = bool(r["outputs_updated"])
    s.note = f"median of {runs} saves; rebuild {r['rebuild']['median_ms']} ms"
    return s


def _write_toml(results: list[dict], path: Path) -> None:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("bench/watch_bench.py: save → outputs updated, milliseconds"))
    arr = tomlkit.aot()
    for r in results:
        arr.append(tomlkit.item(r))
    doc["run"] = arr
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--saves", type=int, default=7)
    ap.add_argument("--tasks", type=int, default=500, help="size of the generated spec")
    ap.add_argument("--debounce", type=int, default=None, help="milliseconds (default: what the CLI defaults to)")
    ap.add_argument("--out", type=Path, default=HERE / "watch_results.toml")
    args = ap.parse_args(argv)
    results = [measure_round_trip(ROOT / "specs" / "inkwell", args.saves, debounce_ms=args.debounce)]
    with tempfile.TemporaryDirectory(prefix="watch-bench-gen-") as tmp:
        gen = Path(tmp) / f"synthetic-{args.tasks}"
        generate_spec(gen, tasks=args.tasks, seed=0)
        results.append(measure_round_trip(gen, args.saves, debounce_ms=args.debounce))
    print(f"{'spec':<16}{'tasks':>6}{'start-up':>11}{'save→on disk':>15}{'min–max':>15}{'→ line':>9}{'rebuild':>10}")
    for r in results:
        rt, rb, rl = r["round_trip"], r["rebuild"], r["to_rebuild_line"]
        print(f"{r['spec']:<16}{r['tasks']:>6}{r['startup_full_build_ms']:>8.0f} ms{rt['median_ms']:>12.0f} ms"
              f"{rt['min_ms']:>8.0f}–{rt['max_ms']:.0f} ms{rl['median_ms']:>6.0f} ms{rb['median_ms']:>7.0f} ms")
    _write_toml(results, args.out)
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if all(r["outputs_updated"] and r["exit_code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
