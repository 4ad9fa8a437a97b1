"""The append-only dispatch ledger and the per-run TOML facet.

`ledger.jsonl`: one DispatchRecord per event. A failed write warns and the
run goes on (SIDE-001). What each write guarantees:

- Every record is written (one O_APPEND write) before what it records takes
  effect: a launch record before the agent starts, a finished record before
  the scheduler hears of it. A crash of the dispatcher itself (kill -9, an
  exception, Ctrl-C) therefore loses nothing: the kernel holds the bytes.
- A syncer thread fsyncs in the background, one fsync for everything written
  since the last (group commit). Nothing waits for it before an agent starts:
  a power cut or kernel crash may lose the last few milliseconds of records,
  and resume dispatches again any task whose final record is missing, exactly
  as it does for a task that was still running.
- A finished record is written only once its launch record, and so every
  earlier record, is fsync'd (see `TaskRunner._finish`): what survives a power
  cut never holds a task COMPLETED whose dependencies are not.
- `close` returns once everything is on disk, before run.toml says the run
  is over.

`dispatch.toml`: `[[dispatch]]` rows (one per event) and `[[task]]` rows
(final state per task), rewritten now and then and at the end; None values
are omitted. Resume and `factory status` read the ledger, not this file.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from generator.model import DispatchRecord
from generator.runs import write_toml_atomic

log = logging.getLogger("factory.dispatch")

_RECORD_FIELDS = {f.name for f in fields(DispatchRecord)}


class Ledger:
    """Thread-safe appender with group commit.

    `append` writes the line at once (so it survives a crash of this process)
    and hands the fsync to a syncer thread that covers every line written so
    far with one fsync; `durable=True`, or `wait(seq)` later, waits for it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.failures = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._written = 0  # lines written
        self._synced = 0  # lines known to be on disk
        self._fd: int | None = None
        self._torn = False  # the file does not end with a newline
        self._closed = False
        self._syncer = threading.Thread(target=self._sync_loop, name="ledger-sync", daemon=True)
        self._syncer.start()

    def _open(self) -> int:
        """Open for appending, noting a torn last line (a crash or a full disk mid-write)."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(fd).st_size
        self._torn = bool(size) and os.pread(fd, 1, size - 1) != b"\n"
        return fd

    def _write_line(self, line: bytes) -> None:
        """Write all of `line`; after a torn line, end it first, or the two would
        make one unreadable line and this record would be skipped with it."""
        view = memoryview(b"\n" + line if self._torn else line)
        self._torn = True  # until the whole line is in
        while view:
            view = view[os.write(self._fd, view):]
        self._torn = False

    def _warn(self, exc: OSError, what: str) -> None:
        self.failures += 1
        log.warning("ledger write failed (%s): %s", exc, what)

    def append(self, record: DispatchRecord, durable: bool = True) -> int:
        """Write one record; returns its sequence number (0 if the write failed)."""
        line = (json.dumps(record.to_dict(), sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            try:
                if self._fd is None:
                    self._fd = self._open()
                self._write_line(line)
            except OSError as exc:
                self._warn(exc, f"{record.task_id} {record.turn} {record.status}")
                return 0
            self._written += 1
            mine = self._written
        with self._cond:
            self._cond.notify_all()
        if durable:
            self.wait(mine)
        return mine

    def wait(self, seq: int) -> None:
        """Block until record `seq` (and so every earlier one) has been fsync'd."""
        with self._cond:
            while self._synced < seq and not self._closed:
                self._cond.wait()

    def _sync_loop(self) -> None:
        while True:
            with self._cond:
                while self._synced >= self._written and not self._closed:
                    self._cond.wait()
                if self._closed and self._synced >= self._written:
                    return
                target, fd = self._written, self._fd
            try:
                if fd is not None:
                    os.fsync(fd)
            except OSError as exc:
                self._warn(exc, "fsync")
            with self._cond:
                self._synced = max(self._synced, target)
                self._cond.notify_all()

    def close(self) -> None:
        """Wait for the last fsync, then close the file."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._syncer.join()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def record_from_dict(d: dict[str, Any]) -> DispatchRecord | None:
    try:
        return DispatchRecord(**{k: v for k, v in d.items() if k in _RECORD_FIELDS})
    except TypeError:
        return None


def read_ledger(path: Path) -> list[DispatchRecord]:
    """All records in order; a torn or foreign line (crash mid-write) is skipped."""
    out: list[DispatchRecord] = []
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        rec = record_from_dict(d) if isinstance(d, dict) else None
        if rec is not None:
            out.append(rec)
    return out


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items() if v is not None}


def _value(v: Any) -> str:
    """A TOML value as tomlkit writes it; the common kinds directly, since tomlkit
    costs about 0.1 ms a value on the scheduler's thread."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v):
        return repr(v)
    if isinstance(v, str) and v.isprintable():
        return json.dumps(v, ensure_ascii=False)  # only " and \ need escaping, alike in both
    if isinstance(v, list) and all(isinstance(x, str) and x.isprintable() for x in v):
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
    import tomlkit

    return tomlkit.item(v).as_string()


def _render(table: str, row: dict[str, Any]) -> str:
    """One `[[table]]` entry (keys are our own bare field names)."""
    return f"[[{table}]]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in row.items())


class DispatchFacet:
    """`dispatch.toml`: rows rendered by tomlkit one at a time; `save` joins them.

    Rendering a whole document of a thousand tables at the end would cost
    seconds, so dispatch rows are rendered as they arrive and a task row on
    the first save after its state changed. An existing file (a resumed run) keeps whatever else it
    holds; its `[[dispatch]]` rows are carried over and `[[task]]` rows replaced.
    """

    def __init__(self, path: Path):
        import tomlkit

        self.path = Path(path)
        doc = tomlkit.parse(self.path.read_text(encoding="utf-8")) if self.path.is_file() else tomlkit.document()
        old = doc.unwrap().get("dispatch", [])
        doc.pop("dispatch", None)
        doc.pop("task", None)
        self._head = tomlkit.dumps(doc).rstrip("\n")
        self._dispatch: list[str] = [_render("dispatch", dict(r)) for r in old]
        self._tasks: dict[str, tuple[dict[str, Any], str | None]] = {}  # row, rendered
        self.dirty = False

    def add_dispatch(self, record: DispatchRecord) -> None:
        self._dispatch.append(_render("dispatch", _clean(record.to_dict())))
        self.dirty = True

    def set_task(self, row: dict[str, Any]) -> None:
        tid = str(row["task_id"])
        old = self._tasks.get(tid)
        row = _clean(row)
        if old is None or old[0] != row:
            self._tasks[tid] = (row, None)  # rendered on the next save
            self.dirty = True

    def save(self) -> None:
        for tid, (row, text) in self._tasks.items():
            if text is None:
                self._tasks[tid] = (row, _render("task", row))
        tasks = [text for _, text in self._tasks.values()]
        parts = ([self._head + "\n"] if self._head else []) + self._dispatch + tasks
        try:
            write_toml_atomic(self.path, "\n".join(parts))
            self.dirty = False
        except OSError as exc:
            log.warning("cannot write %s: %s", self.path, exc)
