"""The append-only dispatch ledger and the per-run TOML facet.

`ledger.jsonl`: one DispatchRecord per event, flushed and fsync'd before the
agent starts and after it returns, so a crash loses nothing that happened. A
failed write warns and the run goes on (SIDE-001). `dispatch.toml`:
`[[dispatch]]` rows (one per event) and `[[task]]` rows (final state per
task), kept in place with tomlkit; None values are omitted.
"""

from __future__ import annotations

import json
import logging
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
    """Thread-safe appender; every line reaches the disk before `append` returns."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.failures = 0

    def append(self, record: DispatchRecord) -> bool:
        line = json.dumps(record.to_dict(), sort_keys=True) + "\n"
        with self._lock:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
                return True
            except OSError as exc:
                self.failures += 1
                log.warning("ledger write failed (%s): %s %s %s", exc, record.task_id, record.turn, record.status)
                return False


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


class DispatchFacet:
    """`dispatch.toml`, loaded once, appended to in memory, saved whole on `save`."""

    def __init__(self, path: Path):
        import tomlkit

        self.path = Path(path)
        self._doc = tomlkit.parse(self.path.read_text(encoding="utf-8")) if self.path.is_file() else tomlkit.document()
        if "dispatch" not in self._doc:
            self._doc.append("dispatch", tomlkit.aot())
        if "task" not in self._doc:
            self._doc.append("task", tomlkit.aot())
        self._tasks = {str(t.get("task_id")): i for i, t in enumerate(self._doc["task"])}
        self.dirty = False

    def add_dispatch(self, record: DispatchRecord) -> None:
        import tomlkit

        self._doc["dispatch"].append(tomlkit.item(_clean(record.to_dict())))
        self.dirty = True

    def set_task(self, row: dict[str, Any]) -> None:
        import tomlkit

        item = tomlkit.item(_clean(row))
        tid = str(row["task_id"])
        if tid in self._tasks:
            self._doc["task"][self._tasks[tid]] = item
        else:
            self._tasks[tid] = len(self._doc["task"])
            self._doc["task"].append(item)
        self.dirty = True

    def save(self) -> None:
        import tomlkit

        try:
            write_toml_atomic(self.path, tomlkit.dumps(self._doc))
            self.dirty = False
        except OSError as exc:
            log.warning("cannot write %s: %s", self.path, exc)
