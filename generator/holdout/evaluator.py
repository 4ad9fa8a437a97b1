"""Behavioural holdouts: judged by an evaluator command, never passed silently.

A behavioural scenario (the YAML form of D9) has no bash to run. Without an
evaluator it is an ERROR ("not executable"). With `[holdout] evaluator` set
(an argv template) the evaluator runs as a subprocess in a fresh scratch
directory, with the minimal holdout environment, the scenario and the install
root, and nothing of the builder handoffs.

Placeholders in the argv: `{scenario_path}` (the scenario's YAML, written to
the scratch dir), `{scenario_text_path}` (the scenario's whole markdown,
authority notes included), `{install_root}`, `{scratch}`, `{holdout_id}`.
The same values are exported as FACTORY_SCENARIO_PATH,
FACTORY_SCENARIO_TEXT_PATH, FACTORY_INSTALL_ROOT, FACTORY_SCRATCH and
FACTORY_HOLDOUT_ID.

Protocol: the evaluator prints a JSON object
`{"status": "PASS" | "FAIL", "reasoning": "..."}`; the last stdout line that
parses as such an object is its verdict. A crash (non-zero exit), a timeout,
or no such line is ERROR.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from generator.config import HoldoutConfig
from generator.dispatch.process import ProcessTable, run_process
from generator.holdout.outcome import RunAttempt, StepRecord
from generator.holdout.sandbox import Sandbox, holdout_env, read_capped, tail_text
from generator.model import Holdout

NOT_EXECUTABLE = "not executable: behavioural scenario needs an evaluator ([holdout] evaluator in factory.toml)"


def _verdict_line(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("status") in ("PASS", "FAIL"):
            return data
    return None


def run_behavioural(holdout: Holdout, install_root: Path, cfg: HoldoutConfig,
                    keep_scratch: bool = False) -> RunAttempt:
    """Hand the scenario to the configured evaluator and record its verdict."""
    if not cfg.evaluator:
        return RunAttempt.error_(NOT_EXECUTABLE, ran=False)
    import yaml

    t0 = time.monotonic()
    box = Sandbox.create(holdout.id)
    try:
        scenario = box.scratch / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(holdout.behaviour, sort_keys=False, allow_unicode=True),
                            encoding="utf-8")
        text = box.scratch / "scenario.md"
        text.write_text(holdout.text, encoding="utf-8")
        values = {"scenario_path": str(scenario), "scenario_text_path": str(text),
                  "install_root": str(install_root), "scratch": str(box.scratch),
                  "holdout_id": holdout.id}
        argv = [arg for arg in cfg.evaluator]
        for key, value in values.items():
            argv = [arg.replace("{" + key + "}", value) for arg in argv]
        env = holdout_env(install_root, box.scratch, cfg.env_allow, {
            "FACTORY_SCENARIO_PATH": str(scenario), "FACTORY_SCENARIO_TEXT_PATH": str(text),
            "FACTORY_HOLDOUT_ID": holdout.id})
        out, err = box.ctl / "evaluator.out", box.ctl / "evaluator.err"
        table = ProcessTable()
        try:
            proc = run_process(argv, cwd=box.scratch, env=env, timeout=cfg.scenario_timeout,
                               out_path=out, err_path=err, table=table)
        finally:
            table.close()
        step = StepRecord(name="evaluate", exit_code=proc.returncode, duration_ms=proc.duration_ms,
                          stdout=read_capped(out, cfg.output_cap), stderr=read_capped(err, cfg.output_cap),
                          timed_out=proc.timed_out)
    finally:
        if not keep_scratch:
            box.remove()
    ms = int((time.monotonic() - t0) * 1000)
    attempt = _judge(proc, step)
    attempt.steps, attempt.duration_ms = [step], ms
    attempt.scratch = str(box.scratch) if keep_scratch else None
    return attempt


def _judge(proc, step: StepRecord) -> RunAttempt:  # noqa: ANN001 - a dispatch ProcResult
    if proc.error:
        return RunAttempt.error_(f"evaluator could not start: {proc.error}")
    if proc.timed_out:
        return RunAttempt.error_(f"evaluator timed out after {step.duration_ms // 1000}s")
    if proc.returncode != 0:
        last = tail_text(step.stderr, 3)
        return RunAttempt.error_(f"evaluator exited with {proc.returncode}" + (f": {last}" if last else ""))
    data = _verdict_line(step.stdout)
    if data is None:
        return RunAttempt.error_('evaluator printed no verdict line ({"status": "PASS"|"FAIL", "reasoning": ...})')
    reasoning = str(data.get("reasoning") or "").strip()
    attempt = RunAttempt(status=data["status"], reasoning=reasoning)
    if attempt.status == "FAIL":
        attempt.actual = reasoning or tail_text(step.stdout)
    return attempt
