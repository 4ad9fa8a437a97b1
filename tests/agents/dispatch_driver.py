#!/usr/bin/env python3
"""Runs `run_dispatch` in its own process so a test can Ctrl-C it.

argv: HANDOFFS_DIR GRAPH_JSON RUN_DIR WORKSPACE [resume]. The scripted agent
is the backend; exit status 130 when the run was interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from generator.dispatch import jobs_from_index, run_dispatch
from generator.dispatch.progress import Progress
from generator.model import ProductSpec, Task

AGENT = Path(__file__).with_name("scripted.py")


def main() -> int:
    from generator.config import DispatchConfig

    handoffs, graph, run_dir, ws = sys.argv[1:5]
    spec = ProductSpec(spec_dir=Path(handoffs), name="demo",
                       tasks=[Task(id=t, depends_on=d) for t, d in json.loads(graph).items()])
    cfg = DispatchConfig(backend="command", command=[sys.executable, str(AGENT), "{turn}", "{session_id}"],
                         retries=0, gate="off", timeout=120)
    out = run_dispatch(jobs_from_index(Path(handoffs), spec), cfg=cfg, run_dir=Path(run_dir),
                       workspace=Path(ws), resume="resume" in sys.argv[5:], progress=Progress(sys.stdout))
    return 130 if out.status == "INTERRUPTED" else 0


if __name__ == "__main__":
    sys.exit(main())
