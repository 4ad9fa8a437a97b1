#!/usr/bin/env python3
"""A stand-in builder agent whose behaviour per task comes from SCRIPTED_* env vars.

Lists are comma-separated task ids (or "*" for all):
  SCRIPTED_FAIL / SCRIPTED_PARTIAL  results say FAIL / PARTIAL
  SCRIPTED_NORESULT                 exit 0 without writing results
  SCRIPTED_CRASH                    exit 3 without results
  SCRIPTED_HANG                     spawn a child, write its pid to SCRIPTED_LOG/<task>.child, sleep forever
  SCRIPTED_DUMP                     write what it can reach (files, env) to SCRIPTED_LOG/<task>.dump.json
SCRIPTED_SLEEP seconds to work; SCRIPTED_LOG a directory for one JSON line per
turn (task, turn, session in/out, start/end stamps, pid). Prints a JSON result
like Claude Code's print mode. argv: [turn] [session_id].
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

task = os.environ.get("FACTORY_TASK_ID", "?")
turn = os.environ.get("FACTORY_TURN", sys.argv[1] if len(sys.argv) > 1 else "build")
session_in = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("FACTORY_SESSION_ID", "")
log_dir = os.environ.get("SCRIPTED_LOG", "")


def listed(name: str) -> bool:
    items = [x.strip() for x in os.environ.get(name, "").split(",") if x.strip()]
    return "*" in items or task in items


def log(**fields) -> None:
    if log_dir:
        with open(os.path.join(log_dir, "turns.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(fields) + "\n")


start = time.time()
if listed("SCRIPTED_DUMP") and log_dir:
    files = {}
    for root, _dirs, names in os.walk("."):
        for n in names:
            p = os.path.join(root, n)
            try:
                files[p] = open(p, encoding="utf-8", errors="replace").read()
            except OSError:
                files[p] = ""
    with open(os.path.join(log_dir, f"{task}.{turn}.dump.json"), "w", encoding="utf-8") as f:
        json.dump({"cwd": os.getcwd(), "files": files, "env": dict(os.environ)}, f)

if listed("SCRIPTED_HANG"):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
    with open(os.path.join(log_dir, f"{task}.child"), "w") as f:
        f.write(str(child.pid))
    log(task=task, turn=turn, event="hang", pid=os.getpid(), child=child.pid, start=start)
    time.sleep(1000)

time.sleep(float(os.environ.get("SCRIPTED_SLEEP", "0")))
if listed("SCRIPTED_CRASH"):
    log(task=task, turn=turn, event="crash", start=start, end=time.time())
    print("agent fell over", file=sys.stderr)
    sys.exit(3)

session_out = session_in or f"sess-{task}-{os.getpid()}"
if turn == "build" and not listed("SCRIPTED_NORESULT"):
    status = "FAIL" if listed("SCRIPTED_FAIL") else "PARTIAL" if listed("SCRIPTED_PARTIAL") else "PASS"
    with open(os.environ["FACTORY_RESULTS_PATH"], "w", encoding="utf-8") as f:
        f.write(f"# Results: {task}\n\n## Status: {status}\n")
end = time.time()
log(task=task, turn=turn, event="done", session_in=session_in, session_out=session_out,
    start=start, end=end, pid=os.getpid(), cwd=os.getcwd())
answers = "1. answer one\n2. answer two" if turn == "gate" else "built"
print("working...")
print(json.dumps({"type": "result", "session_id": session_out, "result": answers,
                  "usage": {"input_tokens": 100, "output_tokens": 20}, "total_cost_usd": 0.01}))
