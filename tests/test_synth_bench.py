"""The benchmark harness's own logic: targets, import checks, the I/O floor (no timings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import report
from importcost import forbidden_imports, top_imports
from procs import Series, run_measured
from project import changed_files, make_project, pack_tree, tree_state

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _s(*secs: float) -> Series:
    return Series(list(secs), [1024] * len(secs))


def test_targets_pass_and_fail_on_the_right_side_of_each_limit():
    """A target table that always says pass would hide regressions."""
    sizes = {500: {"cold_build": _s(1.0), "cold_build_mem": _s(0.4), "watch_edit": _s(0.3)},
             2000: {"cold_build": _s(4.0), "cold_build_mem": _s(1.9), "noop_build": _s(0.6), "noop_files": 0}}
    rows = {r["target"]: r for r in report.targets(sizes, 1.05, {"validate": {"forbidden": ["watchfiles"]}})}
    assert rows["cold build 2,000 tasks ÷ 500 tasks"]["status"] == "pass"  # 4.0 ≤ 4.5
    assert rows["cold build 2,000 tasks"]["status"] == "FAIL"
    assert rows["cold build 2,000 tasks ÷ 500 tasks, in memory"]["status"] == "FAIL"  # 1.9 / 0.4 > 4.5
    assert rows["cold build 2,000 tasks, spec and outputs in memory"]["status"] == "pass"
    assert rows["no-op build 2,000 tasks"]["status"] == "FAIL"
    assert rows["no-op build 2,000 tasks: files written"]["status"] == "pass"
    assert rows["watch: one-scenario edit at 500 tasks on disk after save"]["status"] == "FAIL"
    assert rows["dispatch wall time ÷ ideal at 200 tasks"]["status"] == "pass"
    imports = [r for r in rows.values() if r["target"].startswith("`factory validate`")]
    assert imports[0]["status"] == "FAIL"


def test_targets_without_figures_are_not_measured_rather_than_passed():
    rows = report.targets({50: {"cold_build": _s(0.5)}}, None, {})
    assert {r["status"] for r in rows} == {"not measured"}


def test_forbidden_imports_match_packages_and_their_submodules_only():
    mods = [("gitdb", 1, 1, 0), ("git.repo", 1, 1, 1), ("watchfiles", 1, 9, 0), ("generator.site.render", 1, 1, 2),
            ("generator.spec", 5, 50, 0)]
    assert forbidden_imports(mods) == ["generator.site.render", "git.repo", "watchfiles"]
    assert top_imports(mods, 2) == [("generator.spec", 0.05), ("watchfiles", 0.009)]


def test_tree_state_sees_a_rewrite_with_the_same_bytes(tmp_path):
    """The no-op check must catch a build that rewrites unchanged files."""
    f = tmp_path / "a" / "x.md"
    f.parent.mkdir()
    f.write_bytes(b"same")
    before = tree_state(tmp_path)
    f.unlink()
    f.write_bytes(b"same")
    assert changed_files(before, tree_state(tmp_path)) == 1
    assert changed_files(before, before) == 0


def test_floor_copy_writes_exactly_the_packed_tree(tmp_path):
    p = make_project(tmp_path / "proj", 3)
    (p.handoffs / "s" / "T-1").mkdir(parents=True)
    (p.handoffs / "s" / "T-1" / "h.md").write_bytes(b"handoff\n")
    (p.handoffs / "s" / "index.toml").write_bytes(b"n = 1\n")
    assert pack_tree(p.handoffs, tmp_path / "blob") == (2, 14)
    out = tmp_path / "copy"
    subprocess.run([sys.executable, str(BENCH / "floor_copy.py"), str(p.spec), str(tmp_path / "blob"), str(out)],
                   check=True)
    assert (out / "s" / "T-1" / "h.md").read_bytes() == b"handoff\n"
    assert sorted(x.name for x in out.rglob("*") if x.is_file()) == ["h.md", "index.toml"]


def test_run_measured_reports_exit_code_output_and_memory():
    r = run_measured([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"])
    assert r.returncode == 3 and r.stdout.strip() == "hi" and r.maxrss_kb > 0
