"""The bundled Inkwell spec and its reference solution, checked without our own parser.

The end-to-end tests rely on three promises made here: the spec is well-formed
text of our own, the reference solution passes every D9 holdout when run the
way the D9 environment describes, and the stand-in agent can deliver both the
right code and subtly wrong code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "inkwell"
SOLUTION = ROOT / "tests" / "fixtures" / "inkwell_solution"
STANDIN = ROOT / "tests" / "agents" / "standin.py"
CORPUS = ROOT.parent / "shared" / "corpus"

DOCS = [
    "D1_CONSTITUTION.md",
    "D2_SPECIFICATION.md",
    "D3_DATA_MODEL.md",
    "D4_CONTRACTS.md",
    "D5_RESEARCH.md",
    "D6_GAP_ANALYSIS.md",
    "D7_PLAN.md",
    "D8_TASKS.md",
    "D9_HOLDOUT_SCENARIOS.md",
    "D10_AGENT_CONTEXT.md",
]
TASKS = sorted(p.name for p in SOLUTION.iterdir() if p.is_dir() and p.name.startswith("T-"))
STEP_LABELS = {"**Setup:**": "setup", "**Execute:**": "execute", "**Verify:**": "verify", "**Cleanup:**": "cleanup"}


# ---------------------------------------------------------------------------
# A minimal D9 reader: markdown-it tokens, so `#` lines inside bash are comments.


@dataclass
class Holdout:
    id: str
    title: str
    priority: str = ""
    steps: dict[str, str] = field(default_factory=dict)


def read_holdouts(text: str) -> list[Holdout]:
    holdouts: list[Holdout] = []
    tokens = MarkdownIt("commonmark").parse(text)
    label = ""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            m = re.match(r"(HS-\d+):\s*(.*)", tokens[i + 1].content)
            if m:
                holdouts.append(Holdout(m.group(1), m.group(2).strip()))
            label = ""
        elif tok.type == "inline" and tok.content.strip() in STEP_LABELS:
            label = STEP_LABELS[tok.content.strip()]
        elif tok.type == "fence" and holdouts:
            info = tok.info.strip()
            if info == "yaml" and not holdouts[-1].priority:
                m = re.search(r"^priority:\s*(P\d)", tok.content, re.M)
                holdouts[-1].priority = m.group(1) if m else ""
            elif info == "bash" and label:
                holdouts[-1].steps[label] = tok.content
                label = ""
    return holdouts


def run_holdout(h: Holdout, install_root: Path, work: Path) -> dict:
    """All steps in ONE bash process, in a scratch cwd; Execute's status is exported."""
    scratch = work / f"scratch-{h.id}"
    steps_dir = work / f"steps-{h.id}"
    scratch.mkdir(parents=True)
    steps_dir.mkdir()
    lines = ['cd "$FACTORY_SCRATCH"']
    for name in ("setup", "execute", "verify", "cleanup"):
        if name not in h.steps:
            continue
        (steps_dir / f"{name}.sh").write_text(h.steps[name], encoding="utf-8")
        lines.append(f'. "{steps_dir}/{name}.sh"')
        lines.append(f'echo "{name}=$?" >> "{steps_dir}/status"')
        if name == "execute":
            lines.append(f'export FACTORY_EXECUTE_STATUS="$(sed -n "s/^execute=//p" "{steps_dir}/status")"')
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work / "home"),
        "LANG": "C.UTF-8",
        "FACTORY_INSTALL_ROOT": str(install_root),
        "FACTORY_SCRATCH": str(scratch),
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(lines)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    status_file = steps_dir / "status"
    codes = dict(line.split("=", 1) for line in status_file.read_text().split()) if status_file.exists() else {}
    result = {k: int(v) for k, v in codes.items()}
    result["_bash"] = proc.returncode
    result["_left"] = sorted(p.name for p in scratch.iterdir())  # type: ignore[assignment]
    return result


def install_solution(dst: Path, env_extra: dict[str, str] | None = None) -> Path:
    """Deliver every task through the stand-in agent, as the dispatcher would."""
    dst.mkdir(parents=True, exist_ok=True)
    for task in TASKS:
        env = dict(os.environ, FACTORY_TASK_ID=task, FACTORY_HANDOFF_ID=f"H-{task}", FACTORY_TURN="build")
        env["FACTORY_WORKSPACE"] = str(dst)
        env["FACTORY_RESULTS_PATH"] = str(dst.parent / "results" / f"{task}_RESULTS.md")
        for k in ("STANDIN_BREAK", "STANDIN_FAIL", "STANDIN_SLEEP"):
            env.pop(k, None)
        env.update(env_extra or {})
        r = subprocess.run(
            [sys.executable, str(STANDIN), "prompt text"], env=env, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 0, r.stderr
    return dst


@pytest.fixture(scope="module")
def holdouts() -> list[Holdout]:
    return read_holdouts((SPEC / "D9_HOLDOUT_SCENARIOS.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def good_results(tmp_path_factory, holdouts) -> dict[str, dict[str, int]]:
    work = tmp_path_factory.mktemp("good")
    root = install_solution(work / "install")
    return {h.id: run_holdout(h, root, work) for h in holdouts}


# ---------------------------------------------------------------------------
# The documents as files


@pytest.mark.parametrize("name", DOCS)
def test_document_is_clean_utf8_text(name):
    raw = (SPEC / name).read_bytes()
    text = raw.decode("utf-8")  # raises on bad bytes
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line ends only"
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n"), "exactly one final newline"
    assert text.startswith(f"# {name.split('_')[0]}: ") and text.splitlines()[0].endswith(" — Inkwell")


def test_only_the_ten_documents():
    assert sorted(p.name for p in SPEC.iterdir()) == sorted(DOCS)


def _norm(line: str) -> str:
    return " ".join(line.split())


def test_no_corpus_line_is_copied():
    if not CORPUS.exists():
        pytest.skip("corpus not available")
    theirs = set()
    for md in CORPUS.rglob("*.md"):
        for line in md.read_text(encoding="utf-8", errors="replace").splitlines():
            n = _norm(line)
            if len(n) >= 70:
                theirs.add(n)
    assert theirs, "the corpus yielded no long lines: the check would be vacuous"
    copied = [
        f"{name}:{i}"
        for name in DOCS
        for i, line in enumerate((SPEC / name).read_text(encoding="utf-8").splitlines(), 1)
        if len(_norm(line)) >= 70 and _norm(line) in theirs
    ]
    assert copied == []


# ---------------------------------------------------------------------------
# Holdout isolation: nothing of D9 in the nine builder-visible documents


def _visible_text() -> str:
    return "\n".join((SPEC / n).read_text(encoding="utf-8") for n in DOCS if not n.startswith("D9_"))


def test_d9_ids_and_titles_stay_in_d9(holdouts):
    visible = _visible_text()
    assert len(holdouts) >= 4
    assert not re.search(r"\bHS-\d+", visible)
    for h in holdouts:
        assert h.title.casefold() not in visible.casefold(), h.title


def test_d9_lines_and_sentences_stay_in_d9():
    visible = _norm(_visible_text())
    d9 = (SPEC / "D9_HOLDOUT_SCENARIOS.md").read_text(encoding="utf-8")
    leaked = []
    for line in d9.splitlines():
        n = _norm(line).strip("|`* ")
        if len(n) >= 16 and " " in n and n in visible:
            leaked.append(n)
        for sentence in re.split(r"(?<=[.;:!?])\s+", n):
            if len(sentence) >= 24 and sentence in visible:
                leaked.append(sentence)
    assert leaked == []


# ---------------------------------------------------------------------------
# Holdouts against the reference solution


def test_holdout_shape(holdouts):
    assert [h.id for h in holdouts] == [f"HS-{i:03d}" for i in range(1, len(holdouts) + 1)]
    assert {h.priority for h in holdouts} == {"P0", "P1"}
    for h in holdouts:
        assert set(h.steps) == {"setup", "execute", "verify", "cleanup"}, h.id
    # at least one error-path holdout reads Execute's status
    assert any("FACTORY_EXECUTE_STATUS\" -eq 3" in h.steps["verify"] for h in holdouts)


def test_reference_solution_passes_every_holdout(holdouts, good_results):
    for h in holdouts:
        r = good_results[h.id]
        assert r.get("setup") == 0 and r.get("verify") == 0 and r.get("cleanup") == 0, (h.id, r)


def test_cleanup_leaves_scratch_empty(holdouts, good_results):
    for h in holdouts:
        assert good_results[h.id]["_left"] == [], h.id


@pytest.mark.parametrize("task,failing", [("T-003", {"HS-003"}), ("T-004", {"HS-004"}), ("T-006", {"HS-006"})])
def test_broken_task_fails_its_holdout(tmp_path, holdouts, task, failing):
    root = install_solution(tmp_path / "install", {"STANDIN_BREAK": task})
    results = {h.id: run_holdout(h, root, tmp_path) for h in holdouts}
    failed = {hid for hid, r in results.items() if r.get("verify") != 0}
    assert failed == failing
    # the lying builder still reported success
    assert "## Status: PASS" in (tmp_path / "results" / f"{task}_RESULTS.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("task", ["T-001", "T-002", "T-005"])
def test_every_break_is_caught_by_some_holdout(tmp_path, holdouts, task):
    root = install_solution(tmp_path / "install", {"STANDIN_BREAK": task})
    assert any(run_holdout(h, root, tmp_path).get("verify") != 0 for h in holdouts)


# ---------------------------------------------------------------------------
# The stand-in agent itself


def _standin(tmp_path: Path, task: str, turn: str, **extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FACTORY_TASK_ID=task, FACTORY_HANDOFF_ID="H-INKWELL-002", FACTORY_TURN=turn)
    env.update(FACTORY_WORKSPACE=str(tmp_path / "ws"), FACTORY_RESULTS_PATH=str(tmp_path / "out" / "R.md"))
    env.update(extra)
    return subprocess.run(
        [sys.executable, str(STANDIN)], input="the prompt", env=env, capture_output=True, text=True, timeout=60
    )


def test_standin_gate_answers_and_writes_nothing(tmp_path):
    r = _standin(tmp_path, "T-002", "gate")
    lines = r.stdout.splitlines()
    assert r.returncode == 0
    assert [ln.split(".", 1)[0] for ln in lines[:-1]] == [str(i) for i in range(1, 14)]
    summary = json.loads(lines[-1])
    assert summary["usage"]["input_tokens"] > 0 and summary["usage"]["output_tokens"] > 0
    assert summary["session_id"] and summary["total_cost_usd"] == 0.0
    assert not (tmp_path / "ws").exists() and not (tmp_path / "out").exists()


def test_standin_build_copies_solution_and_reports(tmp_path):
    r = _standin(tmp_path, "T-002", "build")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ws" / "inkwell" / "store.py").read_bytes() == (SOLUTION / "T-002/inkwell/store.py").read_bytes()
    report = (tmp_path / "out" / "R.md").read_text(encoding="utf-8")
    assert report.startswith("# Results: H-INKWELL-002")
    assert "## Status: PASS" in report and "- inkwell/store.py (SHA256: " in report
    assert json.loads(r.stdout.splitlines()[-1])["usage"]["output_tokens"] > 0


def test_standin_fail_knob(tmp_path):
    r = _standin(tmp_path, "T-002", "build", STANDIN_FAIL="T-002")
    assert r.returncode == 1
    assert "## Status: FAIL" in (tmp_path / "out" / "R.md").read_text(encoding="utf-8")
    assert not (tmp_path / "ws" / "inkwell").exists()
    json.loads(r.stdout.splitlines()[-1])


def test_standin_break_only_named_task(tmp_path):
    r = _standin(tmp_path, "T-002", "build", STANDIN_BREAK="T-004")
    assert r.returncode == 0
    assert (tmp_path / "ws" / "inkwell" / "store.py").read_bytes() == (SOLUTION / "T-002/inkwell/store.py").read_bytes()


def test_standin_task_from_handoff(tmp_path):
    handoff = tmp_path / "H.md"
    handoff.write_text("# Builder Handoff\n\n**Task:** T-005\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FACTORY_TASK_ID"}
    env.update(FACTORY_HANDOFF_PATH=str(handoff), FACTORY_TURN="build", FACTORY_WORKSPACE=str(tmp_path / "ws"))
    env["FACTORY_RESULTS_PATH"] = str(tmp_path / "R.md")
    r = subprocess.run([sys.executable, str(STANDIN), "p"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ws" / "inkwell" / "export.py").is_file()


def test_solution_files_have_one_owner():
    seen: dict[str, str] = {}
    for task in TASKS:
        for p in (SOLUTION / task).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                rel = p.relative_to(SOLUTION / task).as_posix()
                assert rel not in seen, f"{rel} delivered by {seen.get(rel)} and {task}"
                seen[rel] = task
    assert len(TASKS) == 6 and "inkwell/__main__.py" in seen
