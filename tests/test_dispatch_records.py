"""What a run leaves on record: ledger, dispatch.toml, run.toml, logs; Claude output parsing."""

from __future__ import annotations

import io
import json
import logging
import os
import stat

import pytest
import tomlkit

from generator.dispatch import Progress, run_dispatch
from generator.dispatch.backends import parse_output
from generator.runs import create_run, read_run_meta, resolve_run
from test_dispatch_helpers import ledger_rows, make_project, scripted_cfg

FAKE_CLAUDE = r"""#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["CLAUDE_ARGS_LOG"], "a") as f:
    f.write(json.dumps(args) + "\n")
sid = args[args.index("--resume") + 1] if "--resume" in args else "c0ffee-session"
if os.environ["FACTORY_TURN"] == "build":
    open(os.environ["FACTORY_RESULTS_PATH"], "w").write("# Results\n\n**Status:** PASS\n")
print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "Q1: yes",
                  "session_id": sid, "total_cost_usd": 0.25,
                  "usage": {"input_tokens": 1000, "output_tokens": 234, "cache_read_input_tokens": 99}}))
"""


def test_claude_backend_two_turns_resume_the_session(tmp_path, monkeypatch):
    exe = tmp_path / "bin" / "claude"
    exe.parent.mkdir()
    exe.write_text(FAKE_CLAUDE)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    calls = tmp_path / "claude-args.jsonl"
    monkeypatch.setenv("FACTORY_CLAUDE_PATH", str(exe))
    monkeypatch.setenv("CLAUDE_ARGS_LOG", str(calls))
    jobs, _ = make_project(tmp_path, {"T-001": []})
    cfg = scripted_cfg(backend="claude", gate="auto", claude_args=["--permission-mode", "acceptEdits"])
    out = run_dispatch(jobs, cfg=cfg, run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws")
    st = out.states["T-001"]
    assert st.status == "COMPLETED" and st.session_id == "c0ffee-session"
    assert st.tokens == 2 * 1234 and st.cost_usd == pytest.approx(0.5)
    gate, build = [json.loads(x) for x in calls.read_text().splitlines()]
    assert gate[0] == "-p" and gate[1].startswith("# Prompt H-FACTORY-001")
    assert gate[2:6] == ["--output-format", "json", "--permission-mode", "acceptEdits"]
    assert "--resume" not in gate
    assert build[build.index("--resume") + 1] == "c0ffee-session" and "Approved" in build[1]


def test_parse_output_takes_the_last_json_line_and_tolerates_noise():
    text = 'log line\n{"not": "it"}\n{"session_id": "s", "usage": {"input_tokens": 3, "output_tokens": 4}}\n'
    rep = parse_output(text)
    assert rep.session_id == "s" and rep.tokens == 7 and rep.cost_usd is None
    assert parse_output("no json here").tokens is None
    assert parse_output('{"usage": {"input_tokens": true}}').tokens is None


def test_run_files_ledger_facet_and_logs(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRIPTED_FAIL", "T-002")
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": ["T-001"], "T-003": ["T-002"]})
    runs = tmp_path / "runs"
    run_dir = create_run(runs, spec_name="demo", spec_dir=tmp_path / "specs" / "demo", root=tmp_path)
    assert resolve_run(runs, run_dir.name) == run_dir
    buf = io.StringIO()
    out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws",
                       jobs_limit=3, progress=Progress(buf))
    meta = read_run_meta(run_dir)
    assert meta["spec"] == "demo" and meta["spec_dir"] == "specs/demo" and meta["status"] == "FINISHED"
    assert meta["backend"] == "command" and meta["gate"] == "off" and meta["jobs"] == 3
    assert meta["started_at"] <= meta["finished_at"]

    rows = ledger_rows(run_dir)
    launched = [r for r in rows if r["status"] == "DISPATCHED"]
    returned = {r["dispatch_id"]: r for r in rows if r["status"] != "DISPATCHED"}
    assert all(r["dispatch_id"] in returned for r in launched)  # every launch has its return
    assert rows.index(launched[0]) < rows.index(returned[launched[0]["dispatch_id"]])
    done = returned[launched[0]["dispatch_id"]]
    assert done["tokens_used"] == 120 and done["results_path"] == "results/H-FACTORY-001_RESULTS.md"
    assert (run_dir / done["results_path"]).is_file()

    facet = tomlkit.parse((run_dir / "dispatch.toml").read_text()).unwrap()
    tasks = {t["task_id"]: t for t in facet["task"]}
    assert tasks["T-003"]["status"] == "BLOCKED" and tasks["T-003"]["depends_on"] == ["T-002"]
    assert "T-002" in tasks["T-003"]["reason"] and "tokens_used" not in tasks["T-003"]
    assert tasks["T-001"]["tokens"] == 120 and tasks["T-001"]["attempts"] == 1
    assert all(v is not None for row in facet["dispatch"] for v in row.values())
    assert (run_dir / "logs" / "H-FACTORY-001.build.1.out").read_text().startswith("working...")

    plain = buf.getvalue()
    assert "\x1b[" not in plain
    assert "T-002 H-FACTORY-002 FAILED: BUILDER_TASK_FAILED" in plain
    assert "T-003 H-FACTORY-003 BLOCKED: blocked by T-002" in plain
    assert plain.splitlines()[-1].startswith("running 0 · done 1 · failed 1 · blocked 1")
    assert out.total_tokens == 240


def test_ledger_write_failure_warns_and_the_run_goes_on(tmp_path, caplog):
    jobs, _ = make_project(tmp_path, {"T-001": [], "T-002": []})
    run_dir = create_run(tmp_path / "runs", spec_name="demo")
    (run_dir / "ledger.jsonl").mkdir()  # a directory where the file should be
    with caplog.at_level(logging.WARNING, logger="factory.dispatch"):
        out = run_dispatch(jobs, cfg=scripted_cfg(), run_dir=run_dir, workspace=tmp_path / "ws")
    assert out.ok
    assert any("ledger write failed" in r.message for r in caplog.records)
    assert len(out.records) == 4  # kept in memory and in dispatch.toml all the same
    assert len(tomlkit.parse((run_dir / "dispatch.toml").read_text()).unwrap()["dispatch"]) == 4


def test_tty_progress_redraws_one_status_line(tmp_path):
    jobs, _ = make_project(tmp_path, {"T-001": []})
    buf = io.StringIO()
    run_dispatch(jobs, cfg=scripted_cfg(), run_dir=tmp_path / "runs" / "r", workspace=tmp_path / "ws",
                 progress=Progress(buf, tty=True))
    text = buf.getvalue()
    assert "\r\x1b[K" in text and "T-001 H-FACTORY-001 COMPLETED" in text
    assert os.linesep.join(text.splitlines()).count("running 1") >= 1
