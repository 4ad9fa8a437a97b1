"""Run results as data files: `holdouts.toml`, `report.toml` and `report.json`.

Both TOML files live only under `runs/<run-id>/` (runtime state, never the
handoff tree). `holdouts.toml` holds the verdict and one `[[holdout]]` row
per scenario with the seed HoldoutResult fields plus title, form, ran,
responsible_tasks, duration_ms, reasoning and `[[holdout.step]]` records
(name, exit_code, duration_ms, timed_out, fresh_session, stdout, stderr).
`report.toml` is the FactoryReport (seed D3 E-007): top-level fields, a
`[validation]` table with `[[validation.check]]`, `[[dispatch]]`, `[[task]]`
(final state per task) and `[[holdout]]` rows. TOML has no null: absent
optional values are simply left out.
"""

from __future__ import annotations

import json
from typing import Any

from generator.holdout import HoldoutOutcome, HoldoutRun
from generator.model import DispatchRecord, FactoryReport, ValidationResult


def _put(table: Any, data: dict[str, Any]) -> None:
    import tomlkit

    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, str) and "\n" in value:
            value = tomlkit.string(value, multiline=True)
        table[key] = value


def _aot(rows: list[dict[str, Any]]) -> Any:
    import tomlkit

    aot = tomlkit.aot()
    for row in rows:
        t = tomlkit.table()
        nested = {k for k, v in row.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        _put(t, {k: v for k, v in row.items() if k not in nested})
        for k in nested:
            t[k] = _aot(row[k])
        aot.append(t)
    return aot


def holdout_row(o: HoldoutOutcome, with_steps: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {"holdout_id": o.holdout_id, "title": o.title}
    row.update({k: v for k, v in o.result.to_dict().items() if k != "holdout_id"})
    row.update(form=o.form, ran=o.ran, responsible_tasks=o.responsible_tasks, duration_ms=o.duration_ms,
               reasoning=o.reasoning, scratch=o.scratch)
    if with_steps and o.steps:
        row["step"] = [{k: v for k, v in s.__dict__.items() if v is not None} for s in o.steps]
    return row


def holdouts_toml(run: HoldoutRun, meta: dict[str, Any] | None = None) -> str:
    """`holdouts.toml`: the OUT-004 report plus the evidence behind each result."""
    import tomlkit

    doc = tomlkit.document()
    _put(doc, dict(meta or {}))
    _put(doc, {"verdict": run.verdict, "verdict_reason": run.verdict_reason, "p0_pass": run.p0_pass,
               "p0_total": run.p0_total, "p0_passed": run.p0_passed})
    if run.threshold.text:
        doc["threshold"] = run.threshold.text
    if run.outcomes:
        doc["holdout"] = _aot([holdout_row(o) for o in run.outcomes])
    return tomlkit.dumps(doc)


def total_tokens(records: list[DispatchRecord]) -> int:
    return sum(r.tokens_used or 0 for r in records)


def factory_report(*, spec_dir: str, component_name: str, validation: ValidationResult,
                   dispatches: list[DispatchRecord], holdouts: HoldoutRun | None, verdict: str,
                   verdict_reason: str, total_duration_ms: int) -> FactoryReport:
    return FactoryReport(spec_dir=spec_dir, component_name=component_name, validation=validation,
                         dispatches=list(dispatches), holdouts=holdouts.results if holdouts else [],
                         verdict=verdict, verdict_reason=verdict_reason,
                         total_tokens=total_tokens(dispatches), total_duration_ms=total_duration_ms)


def report_toml(report: FactoryReport, *, meta: dict[str, Any] | None = None,
                tasks: list[dict[str, Any]] | None = None, holdouts: HoldoutRun | None = None) -> str:
    """`report.toml`: the FactoryReport, with per-task states and holdout titles beside it."""
    import tomlkit

    data = report.to_dict()
    doc = tomlkit.document()
    _put(doc, dict(meta or {}))
    _put(doc, {k: data[k] for k in ("spec_dir", "component_name", "verdict", "verdict_reason",
                                     "total_tokens", "total_duration_ms")})
    val = tomlkit.table()
    v = data["validation"]
    _put(val, {k: v[k] for k in ("status", "spec_dir", "component_name")})
    if v.get("summary"):
        val["summary"] = v["summary"]
    if v["checks"]:
        val["check"] = _aot(v["checks"])
    doc["validation"] = val
    if data["dispatches"]:
        doc["dispatch"] = _aot(data["dispatches"])
    if tasks:
        doc["task"] = _aot(tasks)
    rows = [holdout_row(o, with_steps=False) for o in holdouts.outcomes] if holdouts else data["holdouts"]
    if rows:
        doc["holdout"] = _aot(rows)
    return tomlkit.dumps(doc)


def report_json(report: FactoryReport, extra: dict[str, Any] | None = None) -> str:
    data = report.to_dict()
    data.update(extra or {})
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
