"""Watch round trip: save one scenario edit, time until `factory watch` reports the rebuild.

The watch prints its rebuild line after the outputs are written, so the time
from the save returning to that line arriving bounds "edit on disk". Used
when bench/watch_bench.py is absent; its figures are preferred when present.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time

from procs import Series, bench_env, factory_argv, reap
from project import Project, files_containing
from synth import edit_one_scenario

READY_TIMEOUT = 300.0
REBUILD_TIMEOUT = 60.0


def _reader(stream, q: queue.Queue) -> None:
    for line in stream:
        q.put((time.perf_counter(), line.rstrip("\n")))
    q.put((time.perf_counter(), None))


def _wait_for(q: queue.Queue, pred, timeout: float) -> tuple[float, str] | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            t, line = q.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            return None
        if pred(line):
            return t, line
    return None


def watch_round_trip(p: Project, runs: int, *, pause: float = 0.6) -> Series:
    """Median save → rebuilt-line latency over `runs` edits, with the watch's peak memory."""
    proc = subprocess.Popen(factory_argv("watch", "--config", str(p.config)), env=bench_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True, bufsize=1)
    q: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
    s = Series([], [])
    try:
        if not _wait_for(q, lambda ln: ln.startswith("watching"), READY_TIMEOUT):
            s.ok, s.note = False, "watch never became ready"
            return s
        for i in range(runs):
            time.sleep(pause)  # let the previous event settle so edits are not merged
            while not q.empty():
                q.get_nowait()
            sid = edit_one_scenario(p.spec, index=(i * 11 + 3) % p.scenarios)
            saved = time.perf_counter()
            hit = _wait_for(q, lambda ln: ln.startswith("rebuilt") or "invalid" in ln or "failed" in ln,
                            REBUILD_TIMEOUT)
            if not hit or not hit[1].startswith("rebuilt"):
                s.ok, s.note = False, f"no rebuild after editing {sid}: {hit[1] if hit else 'timeout'}"
                return s
            s.seconds.append(hit[0] - saved)
        if not files_containing(p.handoffs, f"(revision 1)"):
            s.note = "edited text not found in outputs"
        return s
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            killer = threading.Timer(15, proc.kill)
            killer.start()
            s.maxrss_kb.append(reap(proc))
            killer.cancel()
        except ChildProcessError:
            pass
