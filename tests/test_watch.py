"""`factory watch` as a real subprocess, plus the settle and session logic in process."""

from __future__ import annotations

import hashlib
import io
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import git
import pytest
from test_gitops_support import commit_count, committed_paths, make_project

DEADLINE = 60.0  # seconds to wait for an expected line before failing


class Lines:
    """stdout of a process read by a thread, so waits have a deadline instead of sleeps."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.q: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def until(self, pattern: str) -> list[str]:
        """Lines up to and including the first one matching `pattern`."""
        got: list[str] = []
        end = time.monotonic() + DEADLINE
        while True:
            try:
                line = self.q.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in time; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"watch exited waiting for {pattern!r}; saw {self.seen}")
            self.seen.append(line)
            got.append(line)
            if re.search(pattern, line):
                return got


def _tree(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _replace(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def _rebuilds(lines: list[str]) -> list[str]:
    return [x for x in lines if x.startswith("rebuilt ") or " → invalid" in x or " → failed" in x]


@pytest.fixture
def watching(tmp_path: Path, factory_env):
    project = make_project(tmp_path / "proj", repo=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "watch", "--config", str(project / "factory.toml"), "--debounce", "200"],
        cwd=project, env=factory_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        yield project, proc, Lines(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_rebuilds_survives_invalid_saves_and_stops_on_sigint(watching):
    project, proc, out = watching
    spec = project / "specs" / "inkwell"
    handoffs = project / "handoffs" / "inkwell"
    first = out.until(r"^built inkwell: start-up → \d+ written")
    assert re.search(r"→ [1-9]\d* written, 0 removed, 0 unchanged in \d+ ms$", first[-1])
    out.until(r"^watching 1 spec and templates")
    h4 = handoffs / "H-FACTORY-004" / "H-FACTORY-004_BUILDER_HANDOFF.md"
    h1 = _tree(handoffs / "H-FACTORY-001")
    assert b"stored in lower case" in h4.read_bytes()

    # 1. an edit: only what uses the edited scenario is rewritten
    _replace(spec / "D2_SPECIFICATION.md", "stored in lower case", "stored in lowercase")
    line = out.until(r"^rebuilt inkwell")[-1]
    assert re.match(r"rebuilt inkwell: D2_SPECIFICATION\.md changed → [1-9]\d* written, 0 removed, [1-9]\d* unchanged in \d+ ms$", line)
    assert b"stored in lowercase" in h4.read_bytes()
    assert _tree(handoffs / "H-FACTORY-001") == h1

    # 2. an invalid save: diagnostics, outputs kept, still running
    good = _tree(handoffs)
    d8 = spec / "D8_TASKS.md"
    original_d8 = _replace(d8, "**Scenarios Satisfied:** SC-005", "**Scenarios Satisfied:** SC-099")
    got = out.until(r"^inkwell: D8_TASKS\.md changed → invalid, outputs kept")
    diag = out.until(r"D8_TASKS\.md:\d+: .*SC-099")
    assert diag and proc.poll() is None
    assert _tree(handoffs) == good and got

    # 3. a good save again: outputs updated
    d8.write_text(original_d8.replace("#### T-004: ", "#### T-004: Revised: ", 1), encoding="utf-8")
    line = out.until(r"^rebuilt inkwell")[-1]
    assert "D8_TASKS.md changed" in line and not re.search(r"→ 0 written", line)
    assert b"Revised:" in h4.read_bytes()

    # 4. an editor's atomic save (temp file + rename): exactly one rebuild
    d2 = spec / "D2_SPECIFICATION.md"
    tmp = spec / ".D2_SPECIFICATION.md.tmp"
    tmp.write_text(d2.read_text(encoding="utf-8").replace("stored in lowercase", "kept in lower case", 1), encoding="utf-8")
    os.replace(tmp, d2)
    lines = out.until(r"^rebuilt inkwell: D2_SPECIFICATION\.md changed")
    assert len(_rebuilds(lines)) == 1, lines
    # 5. delete and recreate in one go: one rebuild, never a "missing document" failure
    d1 = spec / "D1_CONSTITUTION.md"
    data = d1.read_bytes()
    d1.unlink()
    d1.write_bytes(data + b"\n")
    lines = out.until(r"^rebuilt inkwell: D1_CONSTITUTION\.md changed")
    assert len(_rebuilds(lines)) == 1, lines  # nothing more from the atomic save either
    # a sentinel save: any extra rebuild from the saves above would show before its line
    d5 = spec / "D5_RESEARCH.md"
    d5.write_bytes(d5.read_bytes() + b"\n")
    lines = out.until(r"^rebuilt inkwell: D5_RESEARCH\.md changed")
    assert len(_rebuilds(lines)) == 1, lines
    assert b"kept in lower case" in h4.read_bytes()

    # 6. Ctrl-C: clean exit 0, no traceback
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=DEADLINE) == 0
    out.until(r"^watch stopped$")
    err = proc.stderr.read()
    assert "Traceback" not in err, err


def test_settle_waits_for_a_briefly_missing_document(tmp_path: Path):
    from generator.watch import doc_snapshot, settle

    spec = tmp_path / "s"
    spec.mkdir()
    d1 = spec / "D1_CONSTITUTION.md"
    d1.write_text("# one\n")
    before = doc_snapshot(spec)
    d1.unlink()
    t = threading.Timer(0.05, lambda: d1.write_text("# two\n"))
    t.start()
    snap = settle(spec, before, wait_s=DEADLINE)  # returns as soon as the file is back
    t.join()
    assert "D1_CONSTITUTION.md" in snap and snap != before
    d1.unlink()
    assert settle(spec, before, wait_s=0.0) == {}  # still gone after the wait: a real removal


def test_session_commits_each_rebuild_and_ignores_no_op_saves(tmp_path: Path):
    from generator.config import load_config
    from generator.watch import WatchSession

    project = make_project(tmp_path / "proj")
    buf = io.StringIO()
    session = WatchSession(load_config(project), commit=True, out=buf)
    session.start()
    assert commit_count(project) == 2 and "committed " in buf.getvalue()
    d2 = project / "specs" / "inkwell" / "D2_SPECIFICATION.md"
    d2.write_bytes(d2.read_bytes())  # same bytes: no rebuild, no commit
    assert session.on_change({d2}, 0.0) == 0
    _replace(d2, "stored in lower case", "stored in lowercase")
    assert session.on_change({d2}, 0.0) == 1
    assert commit_count(project) == 3
    assert {p.split("/")[2] for p in committed_paths(project) if p.count("/") >= 3} == {"H-FACTORY-004", "facets"}
    assert "specs/inkwell/D2_SPECIFICATION.md" in git.Repo(project).git.diff("--name-only")
    head = git.Repo(project).head.commit
    assert head.message.startswith("handoffs(inkwell): +0 ~1 -0\n")
    assert re.match(
        rf"rebuilt inkwell: D2_SPECIFICATION\.md changed → \d+ written, .* ms; committed {head.hexsha[:10]}$",
        buf.getvalue().splitlines()[-1],
    )
    (Path(git.Repo(project).git_dir) / "index.lock").write_text("")
    _replace(d2, "stored in lowercase", "kept in lowercase")
    assert session.on_change({d2}, 0.0) == 1  # the rebuild still happens; the commit is refused
    assert commit_count(project) == 3
    assert buf.getvalue().splitlines()[-1].endswith("index.lock exists: another git process is running, or one crashed; "
                                                    "wait for it, or remove the lock file if no git command is running")


def test_session_template_overlay_change_rebuilds_everything(tmp_path: Path):
    from generator.compile.templating import HANDOFF, default_dir
    from generator.config import load_config
    from generator.watch import WatchSession

    project = make_project(tmp_path / "proj", repo=False)
    overlay = project / "my-templates"
    overlay.mkdir()
    (project / "factory.toml").write_text('[project]\nspecs = ["specs/inkwell"]\ntemplates = "my-templates"\n')
    buf = io.StringIO()
    session = WatchSession(load_config(project), out=buf)
    assert overlay in session.watch_paths()
    session.start()
    tpl = overlay / HANDOFF
    tpl.write_text((default_dir() / HANDOFF).read_text(encoding="utf-8") + "\nLocal review note.\n", encoding="utf-8")
    assert session.on_change({tpl}, 0.0) == 1
    assert "rebuilt inkwell: templates changed → 6 written" in buf.getvalue()
    h = project / "handoffs" / "inkwell" / "H-FACTORY-003" / "H-FACTORY-003_BUILDER_HANDOFF.md"
    assert b"Local review note." in h.read_bytes()


def test_watch_without_specs_is_a_usage_error(tmp_path: Path, factory_env):
    (tmp_path / "factory.toml").write_text("[project]\nspecs = []\n")
    r = subprocess.run(
        [sys.executable, "-m", "generator", "watch", "--config", str(tmp_path / "factory.toml")],
        env=factory_env, capture_output=True, text=True, timeout=DEADLINE,
    )
    assert r.returncode == 2 and "no specs to watch" in r.stderr and "Traceback" not in r.stderr


def test_watch_commit_outside_a_repository_is_refused_at_start(tmp_path: Path, factory_env):
    project = make_project(tmp_path / "proj", repo=False)
    r = subprocess.run(
        [sys.executable, "-m", "generator", "watch", "--commit", "--config", str(project / "factory.toml")],
        env=factory_env, capture_output=True, text=True, timeout=DEADLINE,
    )
    assert r.returncode == 1 and "not inside a git repository" in r.stderr and "Traceback" not in r.stderr
    assert not (project / "handoffs").exists()
