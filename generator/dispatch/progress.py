"""A progress view a person can follow: one status line redrawn on a terminal,
plain one-line-per-event output otherwise (logs, CI)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from generator.dispatch.state import TaskState

_GROUPS = (("running", ("RUNNING",)), ("done", ("COMPLETED",)),
           ("failed", ("FAILED", "DISPATCH_FAILED")), ("blocked", ("BLOCKED",)),
           ("awaiting", ("AWAITING_APPROVAL",)), ("interrupted", ("INTERRUPTED",)))


def summary(states: dict[str, TaskState], elapsed: float | None = None) -> str:
    counts: dict[str, int] = {}
    for s in states.values():
        counts[s.status] = counts.get(s.status, 0) + 1
    parts = [f"{name} {sum(counts.get(k, 0) for k in keys)}" for name, keys in _GROUPS]
    waiting = len(states) - sum(counts.get(k, 0) for _, keys in _GROUPS for k in keys)
    tokens = sum(s.tokens for s in states.values())
    clock = "" if elapsed is None else f" · {elapsed:6.1f}s"
    return f"{' · '.join(parts)} · waiting {waiting}{clock} · {tokens:,} tokens"


def event_line(st: TaskState, elapsed: float) -> str:
    line = f"[{elapsed:7.1f}s] {st.task_id} {st.handoff_id} {st.status}"
    return f"{line}: {st.reason}" if st.reason else line


class Progress:
    """Pass as `progress=` to `run_dispatch`."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._states: dict[str, TaskState] = {}
        self._elapsed = 0.0

    def update(self, states: dict[str, TaskState], changed: TaskState | None, elapsed: float) -> None:
        with self._lock:
            self._states, self._elapsed = states, elapsed
            if changed is not None and changed.status not in ("READY",):
                if self.tty:
                    self.stream.write("\r\x1b[K")
                self.stream.write(event_line(changed, elapsed) + "\n")
            if self.tty and (changed is not None or time.monotonic() - self._last_draw > 0.2):
                running = sorted(t for t, s in states.items() if s.status == "RUNNING")
                extra = f" · {', '.join(running[:6])}{'…' if len(running) > 6 else ''}" if running else ""
                self.stream.write("\r\x1b[K" + summary(states, elapsed) + extra)
                self._last_draw = time.monotonic()
            self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self.tty:
                self.stream.write("\r\x1b[K")
            if self._states:
                self.stream.write(summary(self._states, self._elapsed) + "\n")
            self.stream.flush()
