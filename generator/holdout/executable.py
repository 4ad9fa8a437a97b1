"""Run an executable holdout: Setup, Execute, Verify, Cleanup in one bash session.

The scenario runs in a fresh scratch directory (its cwd, HOME and TMPDIR)
with FACTORY_INSTALL_ROOT and FACTORY_SCRATCH exported and a minimal
environment (`generator.holdout.sandbox`). Each step has a timeout
(`step_timeout`) and Setup+Execute+Verify share the scenario's budget
(`scenario_timeout`); a timeout kills the session's whole process group.
Shell options (`set -e` and friends) are reset between steps; variables and
the working directory carry over.

Verdict rules:
- Verify exit 0 is PASS, any other exit FAIL.
- ERROR (HOLDOUT_EXECUTION_ERROR), never PASS: no executable Verify (missing,
  or only comments), a Setup that exits non-zero, any timeout.
- The Execute rule: a non-zero Execute is not an error by itself. Scenarios
  may expect the delivered code to fail, so Execute's exit code is exported
  to the later steps as `$FACTORY_EXECUTE_STATUS` and Verify decides. Only an
  Execute that cannot run is ERROR: exit 126 (not executable), 127 (command
  not found), or a timeout.

Cleanup always runs when the scenario has one: after PASS, FAIL, ERROR and
timeouts. When the session has ended (a timeout kill, or steps that left the
shell twice), Cleanup, and any remaining step, runs in a fresh bash with the
same exported variables (plus FACTORY_EXECUTE_STATUS when known), but
without the variables the earlier steps set. Cleanup's exit code is recorded
and never changes the verdict.
"""

from __future__ import annotations

import time
from pathlib import Path

from generator.config import HoldoutConfig
from generator.holdout.outcome import STEP_ORDER, RunAttempt, StepRecord
from generator.holdout.sandbox import Sandbox, holdout_env, read_capped, tail_text
from generator.holdout.session import BashSession
from generator.model import Holdout

CANNOT_RUN = {126: "not executable", 127: "command not found"}


def step_scripts(holdout: Holdout) -> dict[str, str]:
    """The script of each step; several blocks of one step are joined in order."""
    scripts: dict[str, list[str]] = {}
    for step in holdout.steps:
        scripts.setdefault(step.name.lower(), []).append(step.script)
    return {name: "\n".join(parts) for name, parts in scripts.items() if name in STEP_ORDER}


def has_commands(script: str | None) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in (script or "").splitlines())


class _Runner:
    """One scenario's steps, the session(s) they run in, and their records."""

    def __init__(self, sandbox: Sandbox, env: dict[str, str], cap: int):
        self.sandbox, self.env, self.cap = sandbox, env, cap
        self.session: BashSession | None = None
        self.records: list[StepRecord] = []
        self.execute_status: int | None = None

    def run(self, name: str, script: str, timeout: float) -> StepRecord:
        fresh = False
        if self.session is None or not self.session.alive:
            fresh = self.session is not None
            if self.session is not None:
                self.session.close()
            env = dict(self.env)
            if self.execute_status is not None:
                env["FACTORY_EXECUTE_STATUS"] = str(self.execute_status)
            self.session = BashSession(self.sandbox.ctl, self.sandbox.scratch, env)
        out = self.session.run_step(name, script, timeout)
        ctl = self.sandbox.ctl
        # bash names the sourced file in its messages; keep just "verify.sh".
        stderr = read_capped(ctl / f"{name}.err", self.cap).replace(f"{ctl}/", "")
        rec = StepRecord(name=name, exit_code=out.exit_code, duration_ms=out.duration_ms,
                         stdout=read_capped(ctl / f"{name}.out", self.cap), stderr=stderr,
                         timed_out=out.timed_out, fresh_session=fresh)
        if out.session_ended:
            self.session.alive = False
        if name == "execute" and out.exit_code is not None:
            self.execute_status = out.exit_code
        self.records.append(rec)
        return rec

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _cleanup_after_interrupt(runner: _Runner, scripts: dict[str, str], cfg: HoldoutConfig) -> None:
    if not has_commands(scripts.get("cleanup")) or any(r.name == "cleanup" for r in runner.records):
        return
    try:
        if runner.session is not None:
            runner.session.kill()
        runner.run("cleanup", scripts["cleanup"], min(cfg.step_timeout, 30.0))
    except (Exception, KeyboardInterrupt):  # a second Ctrl-C, or no bash: the interrupt wins
        pass


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return f": {lines[-1].strip()}" if lines else ""


def _actual(records: list[StepRecord]) -> str:
    parts = []
    for rec in records:
        if rec.name not in ("execute", "verify"):
            continue
        shown = "\n".join(t for t in (tail_text(rec.stdout), tail_text(rec.stderr)) if t)
        parts.append(f"{rec.name.capitalize()} exit {rec.exit_code}" + (f":\n{shown}" if shown else ""))
    return "\n".join(parts)


def run_executable(holdout: Holdout, install_root: Path, cfg: HoldoutConfig,
                   keep_scratch: bool = False) -> RunAttempt:
    """Run the scenario's bash steps and judge them by the rules above."""
    scripts = step_scripts(holdout)
    if not has_commands(scripts.get("verify")):
        return RunAttempt.error_("no executable Verify step", ran=False)  # also checked by the runner
    t0 = time.monotonic()
    sandbox = Sandbox.create(holdout.id)
    env = holdout_env(install_root, sandbox.scratch, cfg.env_allow)
    runner = _Runner(sandbox, env, cfg.output_cap)
    deadline = t0 + cfg.scenario_timeout
    attempt = RunAttempt(status="ERROR")
    try:
        for name in ("setup", "execute", "verify"):
            if not has_commands(scripts.get(name)):
                continue
            left = deadline - time.monotonic()
            timeout = min(cfg.step_timeout, left)
            if timeout <= 0:
                attempt = RunAttempt.error_(f"scenario timeout of {cfg.scenario_timeout:g}s reached before {name}")
                break
            rec = runner.run(name, scripts[name], timeout)
            label = name.capitalize()
            if rec.timed_out:
                which = "step timeout" if timeout == cfg.step_timeout else "scenario timeout"
                attempt = RunAttempt.error_(f"{label} timed out after {timeout:g}s ({which})")
                break
            if name == "setup" and rec.exit_code != 0:
                attempt = RunAttempt.error_(f"Setup failed (exit {rec.exit_code}){_last_line(rec.stderr)}")
                break
            if name == "execute" and rec.exit_code in CANNOT_RUN:
                why = CANNOT_RUN[rec.exit_code]
                attempt = RunAttempt.error_(f"Execute could not run (exit {rec.exit_code}: {why})"
                                            f"{_last_line(rec.stderr)}")
                break
            if name == "verify":
                attempt = RunAttempt(status="PASS" if rec.exit_code == 0 else "FAIL")
        if has_commands(scripts.get("cleanup")):
            runner.run("cleanup", scripts["cleanup"], cfg.step_timeout)
    except OSError as exc:  # no bash, no FIFOs: the scenario could not run at all
        attempt = RunAttempt.error_(f"cannot run bash: {exc.strerror or exc}")
    except KeyboardInterrupt:
        # Ctrl-C: the step in flight is killed, Cleanup still runs (in a fresh
        # session, as after a timeout, briefly), then the interrupt goes on.
        _cleanup_after_interrupt(runner, scripts, cfg)
        raise
    finally:
        runner.close()
        if not keep_scratch:
            sandbox.remove()
    attempt.steps = runner.records
    attempt.scratch = str(sandbox.scratch) if keep_scratch else None
    attempt.duration_ms = int((time.monotonic() - t0) * 1000)
    if attempt.status == "FAIL":
        attempt.actual = _actual(runner.records)
    return attempt
