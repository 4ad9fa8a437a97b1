#!/usr/bin/env python3
"""A stand-in builder agent for the Inkwell example spec.

Run by the dispatcher as a real subprocess, exactly where a coding agent
would run, so dispatch, holdouts and reports can be tested end to end
without a model. It delivers the reference solution of its task from
tests/fixtures/inkwell_solution/<task>/.

Environment (set by the dispatcher):
  FACTORY_TASK_ID        task to build, e.g. T-003 (else read from the handoff)
  FACTORY_HANDOFF_ID     handoff id, used in the results title
  FACTORY_HANDOFF_PATH   handoff markdown (read only to find the task id)
  FACTORY_PROMPT_PATH    prompt markdown (ignored, like the prompt on stdin/argv)
  FACTORY_WORKSPACE      where the code goes
  FACTORY_RESULTS_PATH   where the results file goes
  FACTORY_TURN           "gate" (answer the 13 questions, write nothing) or "build"

Knobs (for tests):
  STANDIN_SOLUTION_DIR   solution root instead of the one beside this file
  STANDIN_BREAK=T-004    deliver subtly wrong code for these tasks (comma list),
                         still reporting PASS: a builder that lies
  STANDIN_FAIL=T-002     report Status: FAIL for these tasks, deliver nothing, exit 1
  STANDIN_FAIL_EXIT=N    exit status to use with STANDIN_FAIL (default 1)
  STANDIN_SLEEP=seconds  sleep before doing anything

The last stdout line is always a JSON object with session_id, usage and
total_cost_usd, shaped like a coding agent's machine-readable summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOLUTION = HERE.parent / "fixtures" / "inkwell_solution"

# One small, plausible mistake per task; each makes a different check of
# the spec fail while the code still runs and its author still says PASS.
BREAKS: dict[str, tuple[str, str, str]] = {
    "T-001": ("inkwell/paths.py", "    if flag:\n", "    if flag and not env.get(ENV_VAR):\n"),
    "T-002": (
        "inkwell/store.py",
        "    for note_id in _note_ids(notes_dir):\n",
        "    for note_id in reversed(_note_ids(notes_dir)):\n",
    ),
    "T-003": (
        "inkwell/search.py",
        "needle in note.title.casefold() or needle in note.body.casefold()",
        "needle in note.title or needle in note.body",
    ),
    "T-004": ("inkwell/tags.py", "current.difference_update(dropping)", "current.difference_update(())"),
    "T-005": ("inkwell/export.py", '"count": len(items)', '"count": len(items) - 1'),
    "T-006": ("inkwell/cli.py", "tags: {', '.join(note.tags)}", "tags: {','.join(note.tags)}"),
}


def _ids(var: str) -> set[str]:
    return {p.strip() for p in os.environ.get(var, "").split(",") if p.strip()}


def _task_id() -> str:
    task = os.environ.get("FACTORY_TASK_ID", "").strip()
    if task:
        return task
    handoff = os.environ.get("FACTORY_HANDOFF_PATH", "")
    if handoff and Path(handoff).is_file():
        m = re.search(r"\bT-\d+\b", Path(handoff).read_text(encoding="utf-8", errors="replace"))
        if m:
            return m.group(0)
    raise SystemExit("standin: no FACTORY_TASK_ID and no task id in the handoff")


def _read_prompt(argv: list[str]) -> str:
    """The prompt comes as an argument or on stdin; it is read and ignored."""
    if argv:
        return " ".join(argv)
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return ""


def _summary(task: str, turn: str, prompt: str, written: int) -> str:
    usage = {"input_tokens": 400 + len(prompt) // 4, "output_tokens": 120 if turn == "gate" else 300 + written // 8}
    return json.dumps({"session_id": f"standin-{task}-{turn}", "usage": usage, "total_cost_usd": 0.0}, sort_keys=True)


def gate(task: str) -> None:
    answers = [
        f"The task is {task} of the Inkwell spec; I build only the files it owns.",
        "Scope: the scenarios and contracts listed in my handoff, nothing more.",
        "Code goes in the inkwell package inside my workspace.",
        "Only the Python standard library is used.",
        "Data goes to stdout, warnings and errors to stderr.",
        "Every failure raises InkwellError with a code from the D4 enum.",
        "Notes are ordered by ascending id wherever several are printed.",
        "Rewrites use a temporary file and os.replace.",
        "Tests are written first, one behaviour at a time, with pytest.",
        "I finish by writing the results file at the given path.",
        "I will not touch files owned by other tasks.",
        "If the handoff and the contracts disagree I stop and ask.",
        "I wait for approval before building.",
    ]
    for i, text in enumerate(answers, 1):
        print(f"{i}. {text}")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(task: str, workspace: Path, results: Path, handoff_id: str) -> tuple[int, int]:
    """Copy the task's solution, maybe break it, write the results file. Returns (exit, bytes)."""
    solution = Path(os.environ.get("STANDIN_SOLUTION_DIR") or DEFAULT_SOLUTION) / task
    title = f"# Results: {handoff_id or task} ({task})\n\n"
    if task in _ids("STANDIN_FAIL"):
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(
            title + "## Status: FAIL\n\n## Reason\n- The stand-in was told to fail this task.\n\n"
            "## Files Created\n- None\n",
            encoding="utf-8",
        )
        return int(os.environ.get("STANDIN_FAIL_EXIT", "1")), 0
    if not solution.is_dir():
        raise SystemExit(f"standin: no reference solution for {task} at {solution}")
    files = sorted(p.relative_to(solution) for p in solution.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    workspace.mkdir(parents=True, exist_ok=True)
    written = 0
    for rel in files:
        dst = workspace / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(solution / rel, dst)
        written += dst.stat().st_size
    if task in _ids("STANDIN_BREAK"):
        rel, old, new = BREAKS[task]
        target = workspace / rel
        text = target.read_text(encoding="utf-8")
        if old not in text:
            raise SystemExit(f"standin: cannot break {task}: pattern not found in {rel}")
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    tests = sum(
        len(re.findall(r"^def test_", (workspace / rel).read_text(encoding="utf-8"), re.M))
        for rel in files
        if rel.name.startswith("test_")
    )
    lines = [title, "## Status: PASS\n\n", "## Files Created\n"]
    lines += [f"- {rel.as_posix()} (SHA256: {_sha(workspace / rel)})\n" for rel in files]
    lines += [
        "\n## Files Modified\n- None\n\n",
        "## Test Results — THIS PACKAGE\n",
        f"- Total: {tests} tests\n- Passed: {tests}\n- Failed: 0\n- Skipped: 0\n",
        "- Command: `python3 -m pytest tests -q`\n",
    ]
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text("".join(lines), encoding="utf-8")
    return 0, written


def main(argv: list[str]) -> int:
    if os.environ.get("STANDIN_SLEEP"):
        time.sleep(float(os.environ["STANDIN_SLEEP"]))
    prompt = _read_prompt(argv)
    task = _task_id()
    turn = os.environ.get("FACTORY_TURN", "build").strip().lower()
    if turn == "gate":
        gate(task)
        print(_summary(task, turn, prompt, 0))
        return 0
    workspace = Path(os.environ.get("FACTORY_WORKSPACE") or os.getcwd())
    handoff_id = os.environ.get("FACTORY_HANDOFF_ID", "")
    results = Path(os.environ.get("FACTORY_RESULTS_PATH") or workspace / f"{handoff_id or task}_RESULTS.md")
    status, written = build(task, workspace, results, handoff_id)
    print(f"standin: {task} built in {workspace}; results at {results}")
    print(_summary(task, turn, prompt, written))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
