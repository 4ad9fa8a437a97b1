"""Run ids and the `runs/<run-id>/` layout, shared by dispatch, holdouts and the site.

Runtime state lives here, never in the spec-derived `handoffs/` tree. Files:
`run.toml` (what the run is and where it stands), `ledger.jsonl`,
`dispatch.toml`, `gate/`, `results/`, `logs/`, `holdouts.toml`, `report.toml`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from generator.errors import UsageError

RUN_STATUSES = ("CREATED", "RUNNING", "FINISHED", "INTERRUPTED", "AWAITING_APPROVAL")


def utc_now() -> str:
    """ISO 8601 UTC timestamp with milliseconds: sortable and unambiguous."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(now: datetime | None = None) -> str:
    """`YYYYMMDD-HHMMSS-xxxx`: sorts by start time, unique within a second."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class RunPaths:
    """Every path inside one run directory, so no module spells them itself."""

    root: Path

    @property
    def run_id(self) -> str:
        return self.root.name

    @property
    def run_toml(self) -> Path:
        return self.root / "run.toml"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.jsonl"

    @property
    def dispatch_toml(self) -> Path:
        return self.root / "dispatch.toml"

    @property
    def holdouts_toml(self) -> Path:
        return self.root / "holdouts.toml"

    @property
    def report_toml(self) -> Path:
        return self.root / "report.toml"

    @property
    def gate_dir(self) -> Path:
        return self.root / "gate"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def answers(self, handoff_id: str) -> Path:
        return self.gate_dir / f"{handoff_id}_ANSWERS.md"

    def approval(self, handoff_id: str) -> Path:
        return self.gate_dir / f"{handoff_id}_APPROVAL.toml"

    def results(self, handoff_id: str) -> Path:
        return self.results_dir / f"{handoff_id}_RESULTS.md"

    def log(self, handoff_id: str, turn: str, attempt: int, stream: str) -> Path:
        return self.logs_dir / f"{handoff_id}.{turn}.{attempt}.{stream}"

    def make_dirs(self) -> None:
        for d in (self.gate_dir, self.results_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)


def resolve_run(runs_dir: Path, run: str) -> Path:
    """A run given by id (under `runs_dir`) or by path; UsageError if it is not a run."""
    for cand in (Path(runs_dir) / run, Path(run)):
        if (cand / "run.toml").is_file() or (cand / "ledger.jsonl").is_file():
            return cand
    raise UsageError(f"no run '{run}' in {runs_dir}")


def read_run_meta(run_dir: Path) -> dict[str, Any]:
    """`run.toml` as a plain dict ({} when absent)."""
    import tomlkit

    p = RunPaths(Path(run_dir)).run_toml
    if not p.is_file():
        return {}
    try:
        return tomlkit.parse(p.read_text(encoding="utf-8")).unwrap()
    except Exception as exc:
        raise UsageError(f"{p}: unreadable run file: {exc}") from None


def write_toml_atomic(path: Path, text: str) -> None:
    """Replace `path` whole, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def update_run_meta(run_dir: Path, **fields: Any) -> None:
    """Set keys in `run.toml` in place (tomlkit keeps the rest); None values are dropped."""
    import tomlkit

    p = RunPaths(Path(run_dir)).run_toml
    doc = tomlkit.parse(p.read_text(encoding="utf-8")) if p.is_file() else tomlkit.document()
    for k, v in fields.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    write_toml_atomic(p, tomlkit.dumps(doc))


def create_run(runs_dir: Path, *, spec_name: str = "", spec_dir: Path | None = None,
               root: Path | None = None, run_id: str | None = None) -> Path:
    """Make `runs/<run-id>/` with a `run.toml` naming the spec; returns the run dir.

    `spec_dir` is stored relative to `root` (the project root) when it lies inside it.
    """
    run_id = run_id or new_run_id()
    run_dir = Path(runs_dir) / run_id
    if run_dir.exists():
        raise UsageError(f"run directory already exists: {run_dir}")
    RunPaths(run_dir).make_dirs()
    rel = None
    if spec_dir is not None:
        rel = str(spec_dir)
        if root is not None:
            try:
                rel = str(Path(spec_dir).resolve().relative_to(Path(root).resolve()))
            except ValueError:
                pass
    update_run_meta(run_dir, run_id=run_id, spec=spec_name or None, spec_dir=rel, status="CREATED")
    return run_dir
