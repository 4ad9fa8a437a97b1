"""`factory holdout` as a subprocess: usage errors, behavioural corpus D9s, evaluators, facets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit



def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def factory(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def run_toml(runs: Path) -> dict:
    (run_dir,) = list(runs.iterdir())
    return tomlkit.parse((run_dir / "holdouts.toml").read_text()).unwrap()


EVALUATOR = """\
import json, os, re, sys
scenario_path, install_root = sys.argv[1], sys.argv[2]
text = open(scenario_path, encoding="utf-8").read()
sid = re.search(r"scenario_id: ['\\"]?(HS-\\d+)", text).group(1)
assert os.getcwd() == os.environ["FACTORY_SCRATCH"]
secret = "visible" if "OPERATOR_SECRET_TOKEN" in os.environ else "absent"
print("looking at", sid)  # chatter before the verdict line is fine
status = "FAIL" if sid == os.environ.get("FAIL_ID", "HS-006") else "PASS"
print(json.dumps({"status": status, "reasoning": f"{sid} judged on {install_root}; secret {secret}"}))
"""


@pytest.fixture
def evaluator(tmp_path: Path) -> Path:
    script = tmp_path / "evaluator.py"
    script.write_text(EVALUATOR)
    return script


def write_config(where: Path, evaluator_argv: list[str], extra: str = "") -> Path:
    cfg = where / "factory.toml"
    cfg.write_text("[holdout]\nevaluator = " + json.dumps(evaluator_argv) + "\n" + extra)
    return cfg


def test_install_root_is_required(tmp_path: Path, factory_env):
    r = factory(["holdout", "--spec-dir", "x"], tmp_path, factory_env)
    assert r.returncode == 2 and "--install-root" in r.stderr
    spec = write_tree(tmp_path / "spec", {"D9_HOLDOUT_SCENARIOS.md": "# D9: Holdout Scenarios\n"})
    r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(tmp_path / "nope")], tmp_path, factory_env)
    assert r.returncode == 2
    assert "install root does not exist" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("name, count", [("fmwk-001-ledger", 11), ("fmwk-900-sawmill-smoke", 4)])
def test_behavioural_corpus_d9_is_not_executable(name: str, count: int, tmp_path: Path, factory_env, corpus):
    spec = corpus / name
    r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(tmp_path)], tmp_path, factory_env)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert len(report["holdouts"]) == count
    assert all(h["status"] == "ERROR" and "not executable" in h["error_message"] for h in report["holdouts"])
    assert report["verdict"] == "REJECT" and "not executable" in report["verdict_reason"]
    assert report["p0_pass"] is False and report["p0_passed"] == 0
    facets = run_toml(tmp_path / "runs")
    assert facets["verdict"] == "REJECT" and len(facets["holdout"]) == count
    assert all(h["form"] == "behavioural" and h["ran"] is False for h in facets["holdout"])


def test_evaluator_verdicts_are_recorded(tmp_path: Path, factory_env, evaluator: Path, corpus):
    spec = corpus / "fmwk-001-ledger"
    root = tmp_path / "delivered"
    root.mkdir()
    cfg = write_config(tmp_path, [sys.executable, str(evaluator), "{scenario_path}", "{install_root}"])
    env = dict(factory_env, OPERATOR_SECRET_TOKEN="hunter2")
    r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(root), "--config", str(cfg),
                 "--json-out", str(tmp_path / "out.json")], tmp_path, env)
    report = json.loads(r.stdout)
    assert json.loads((tmp_path / "out.json").read_text()) == report
    by_id = {h["holdout_id"]: h for h in report["holdouts"]}
    assert by_id["HS-006"]["status"] == "FAIL"
    assert by_id["HS-006"]["actual_output"] == f"HS-006 judged on {root.resolve()}; secret absent"
    assert by_id["HS-006"]["expected_output"]  # the scenario's expected outcome
    assert all(h["status"] == "PASS" for k, h in by_id.items() if k != "HS-006")
    assert report["verdict"] == "PARTIAL" and report["p0_pass"] is True  # HS-006 is a P1
    assert r.returncode == 1
    rows = {h["holdout_id"]: h for h in run_toml(tmp_path / "runs")["holdout"]}
    assert rows["HS-001"]["reasoning"].startswith("HS-001 judged on")
    assert rows["HS-001"]["step"][0]["name"] == "evaluate"


def test_evaluator_without_a_verdict_is_error(tmp_path: Path, factory_env, corpus):
    spec = corpus / "fmwk-900-sawmill-smoke"
    silent = tmp_path / "silent.py"
    silent.write_text("print('I looked, but I will not say')\n")
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nsys.exit('evaluator broke')\n")
    for script, words in ((silent, "no verdict line"), (crash, "evaluator exited with 1")):
        cfg = write_config(tmp_path, [sys.executable, str(script)])
        r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(tmp_path), "--config", str(cfg)],
                    tmp_path, factory_env)
        report = json.loads(r.stdout)
        assert r.returncode == 1
        assert all(h["status"] == "ERROR" and words in h["error_message"] for h in report["holdouts"])


D9 = textwrap.dedent("""\
    # D9: Holdout Scenarios — Tally

    ## Scenarios

    ### HS-001: Tally counts words

    ```yaml
    component: tally
    scenario: counts-words
    priority: P0
    ```

    **Validates:** D2 SC-001
    **Contracts:** D4 OUT-001

    **Setup:**

    ```bash
    WORDS="one two three"
    cd "$FACTORY_SCRATCH"
    ```

    **Execute:**

    ```bash
    echo "$WORDS" | "$FACTORY_INSTALL_ROOT/tally" > got.txt
    ```

    **Verify:**

    ```bash
    [ "$(cat got.txt)" = 3 ]
    ```

    ### HS-002: Tally rejects an empty input

    ```yaml
    component: tally
    scenario: empty-input
    priority: P1
    ```

    **Validates:** D2 SC-002
    **Contracts:** D4 ERR-001

    **Execute:**

    ```bash
    : | "$FACTORY_INSTALL_ROOT/tally"
    ```

    **Verify:**

    | Check | What to Examine | PASS Condition | FAIL Condition |
    |-------|-----------------|----------------|----------------|
    | refusal | exit status | status 2 | any other status |

    ```bash
    echo "tally exited $FACTORY_EXECUTE_STATUS"
    [ "$FACTORY_EXECUTE_STATUS" = 2 ]
    ```

    ## Run Protocol

    **Threshold:** all P0 pass, all P1 pass.
""")

D8 = textwrap.dedent("""\
    # D8: Tasks — Tally

    #### T-001: Counting

    **Phase:** 1 — Core
    **Dependency:** None
    **Scenarios Satisfied:** SC-001, SC-002
    **Contracts Implemented:** OUT-001, ERR-001
""")


def test_executable_d9_through_the_command(tmp_path: Path, factory_env):
    spec = write_tree(tmp_path / "tally-spec", {"D9_HOLDOUT_SCENARIOS.md": D9, "D8_TASKS.md": D8})
    root = tmp_path / "delivered"
    tally = write_tree(root, {"tally": "#!/bin/sh\nwc -w | tr -d ' '\n"}) / "tally"
    tally.chmod(0o755)
    r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(root)], tmp_path, factory_env)
    report = json.loads(r.stdout)
    assert [h["status"] for h in report["holdouts"]] == ["PASS", "FAIL"], r.stderr
    assert report["verdict"] == "PARTIAL" and r.returncode == 1
    fail = report["holdouts"][1]
    assert fail["responsible_task"] == "T-001" and fail["validates_contracts"] == ["ERR-001"]
    assert "tally exited 0" in fail["actual_output"] and fail["expected_output"] == "refusal: status 2"
    rows = run_toml(tmp_path / "runs")["holdout"]
    assert [s["name"] for s in rows[0]["step"]] == ["setup", "execute", "verify"]
    assert rows[1]["step"][1]["stdout"] == "tally exited 0\n"
    tally.write_text("#!/bin/sh\nn=$(wc -w | tr -d ' ')\n[ \"$n\" -gt 0 ] || exit 2\necho $n\n")
    r = factory(["holdout", "--spec-dir", str(spec), "--install-root", str(root), "--runs-dir", "r2"],
                tmp_path, factory_env)
    assert r.returncode == 0 and json.loads(r.stdout)["verdict"] == "ACCEPT", r.stdout
