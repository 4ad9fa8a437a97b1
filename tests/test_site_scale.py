"""A real `factory run` of a generated spec renders every page of the site, with no broken link."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from site_bench import crawl, factory_site, real_project

TASKS = 200  # the bench (bench/site_bench.py) does the same at 500 tasks


@pytest.mark.slow
def test_real_run_of_generated_spec_renders_every_page(tmp_path: Path) -> None:
    made = real_project(tmp_path, TASKS, jobs=8)
    out = tmp_path / "site"
    factory_site(tmp_path, out)

    assert len(list(out.glob("specs/synth/handoffs/*.html"))) == TASKS
    assert len(list(out.glob("specs/synth/prompts/*.html"))) == TASKS
    found = crawl(out)
    assert found["broken"] == []
    assert found["unreached"] == []  # every page is reachable from index.html
    assert found["pages"] == 2 * TASKS + 3  # plus the index, the spec page and the run page

    run_page = (out / "runs" / made["run_id"] / "index.html").read_text(encoding="utf-8")
    assert run_page.count('<g class="node ') == TASKS
    assert '<svg class="graph compact"' in run_page  # a 200-task graph is drawn compact
    assert f'<g class="node st-failed"><title>{made["failing_task"]} ' in run_page
    assert "st-blocked" in run_page
    report = tomllib.loads((tmp_path / "runs" / made["run_id"] / "report.toml").read_text(encoding="utf-8"))
    assert report["verdict"] == "PARTIAL"
    assert len(report["verdict_reason"]) < 600  # many blocked tasks are counted, not all listed
    assert 'class="synthetic' not in run_page  # a real run's times are shown as measured
