"""The report site as files: links, isolation, determinism, tolerance, scale."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_bench import PageLinks as _Page
from site_bench import make_inputs, make_test_project

from generator.config import Config, load_config
from generator.site import render_site, write_site


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def build(root: Path) -> tuple[dict[str, bytes], Path]:
    cfg = load_config(root)
    files = render_site(cfg, root / "handoffs", root / "runs")
    out = root / "site"
    write_site(out, files)
    return files, out


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_test_project(tmp_path_factory.mktemp("proj"))


@pytest.fixture(scope="module")
def site(project: Path) -> tuple[dict[str, bytes], Path]:
    return build(project)


def broken_links(out: Path) -> list[str]:
    pages = {p: parse(p) for p in out.rglob("*.html")}
    bad = []
    for page, parsed in pages.items():
        for ref in parsed.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                bad.append(f"{page}: external {ref}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                bad.append(f"{page}: missing file {ref}")
            elif parts.fragment:
                ids = pages[target].ids if target in pages else set()
                if parts.fragment not in ids:
                    bad.append(f"{page}: missing anchor {ref}")
    return bad


def test_every_internal_link_resolves(site: tuple[dict[str, bytes], Path]) -> None:
    files, out = site
    assert sum(1 for f in files if f.endswith(".html")) > 20
    assert broken_links(out) == []


def test_no_remote_references_anywhere(site: tuple[dict[str, bytes], Path]) -> None:
    _, out = site
    for f in list(out.rglob("*.html")) + list(out.rglob("*.css")) + list(out.rglob("*.js")):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"(href|src)\s*=\s*[\"']?(https?:)?//", text), f
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), f
        assert "@import" not in text, f


def test_holdout_content_only_on_run_pages(project: Path, site: tuple[dict[str, bytes], Path]) -> None:
    files, _ = site
    secret = ["Two captures then an ordered listing", "Hidden check 1", "listing order differs"]
    for path, data in files.items():
        text = data.decode("utf-8")
        if path.startswith("runs/"):
            continue
        assert not re.search(r"\bHS-\d+", text), path
        for s in secret:
            assert s not in text, (path, s)
    run = files["runs/20250301-100000-demo/index.html"].decode("utf-8")
    assert "Two captures then an ordered listing" in run and "listing order differs" in run


def test_same_inputs_same_bytes(project: Path, site: tuple[dict[str, bytes], Path]) -> None:
    files, _ = site
    again = render_site(load_config(project), project / "handoffs", project / "runs")
    assert again == files
    assert all(b"\r\n" not in b and b.endswith(b"\n") for b in files.values())
    assert str(project).encode() not in b"".join(files.values())


def test_graph_and_timeline_counts(site: tuple[dict[str, bytes], Path]) -> None:
    _, out = site
    page = parse(out / "runs" / "20250301-100000-demo" / "index.html")
    nodes = [c for c in page.classes if c.startswith("g.node ")]
    bars = [c for c in page.classes if c.startswith("g.bar ")]
    assert len(nodes) == 6  # the six inkwell tasks, T-006 never dispatched
    assert len(bars) == 12  # each dispatch id once, whatever its number of events
    assert sum("turn-gate" in b for b in bars) == 5
    assert sum("retry" in b for b in bars) == 2
    assert "g.node st-blocked" in nodes


def test_runs_newest_first_and_badges(site: tuple[dict[str, bytes], Path]) -> None:
    files, _ = site
    index = files["index.html"].decode("utf-8")
    # by started_at, not by id; a run whose start time is unreadable goes last
    order = [index.index(f'runs/{r}/index.html') for r in ("20250302-090000-intr", "20250301-100000-demo",
                                                            "20250303-broken")]
    assert order == sorted(order)
    assert "badge st-reject" in index


def test_gaps_are_highlighted(site: tuple[dict[str, bytes], Path]) -> None:
    files, _ = site
    spec = files["specs/synthetic/index.html"].decode("utf-8")
    last_sc = re.search(r'<tr id="(SC-\d+)" class="gap">\s*<th scope="row">\1</th>', spec)
    assert last_sc and "no task satisfies it" in spec and "no task implements it" in spec
    run = files["runs/run-synthetic/index.html"].decode("utf-8")
    assert "without a holdout" in run


def test_broken_and_partial_runs_render(site: tuple[dict[str, bytes], Path]) -> None:
    files, _ = site
    broken = files["runs/20250303-broken/index.html"].decode("utf-8")
    assert "dispatch.toml could not be read" in broken
    intr = files["runs/20250302-090000-intr/index.html"].decode("utf-8")
    assert "not recorded" in intr and "T-099" in intr


def test_overlay_template_replaces_default(tmp_path: Path) -> None:
    make_inputs(tmp_path, 4)
    (tmp_path / "overlay" / "site").mkdir(parents=True)
    (tmp_path / "overlay" / "site" / "style.css").write_text("body { color: purple; }\n", encoding="utf-8")
    cfg = Config(root=tmp_path)
    cfg.project.templates = "overlay"
    files = render_site(cfg, tmp_path / "handoffs", tmp_path / "runs")
    assert files["style.css"] == b"body { color: purple; }\n"


def test_cli_builds_and_refuses_overlapping_out(tmp_path: Path, factory_env: dict[str, str]) -> None:
    make_inputs(tmp_path, 4)
    cmd = [sys.executable, "-m", "generator", "site"]
    ok = subprocess.run(cmd + ["--out", "public"], cwd=tmp_path, env=factory_env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "public" / "runs" / "run-synthetic" / "index.html").is_file()
    bad = subprocess.run(cmd + ["--out", "handoffs/site"], cwd=tmp_path, env=factory_env, capture_output=True, text=True)
    assert bad.returncode == 2 and "overlaps the handoff tree" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "factory.toml").write_text("[project]\nsite = 3\n", encoding="utf-8")
    cfg = subprocess.run(cmd, cwd=tmp_path, env=factory_env, capture_output=True, text=True)
    assert cfg.returncode == 2 and "Traceback" not in cfg.stderr


@pytest.mark.slow
def test_500_task_site_renders_every_page(tmp_path: Path) -> None:
    made = make_inputs(tmp_path, 500)
    files, out = build(tmp_path)
    assert sum(1 for f in files if f.startswith("specs/synthetic/handoffs/")) == 500
    run = parse(out / "runs" / "run-synthetic" / "index.html")
    assert sum(c.startswith("g.node ") for c in run.classes) == 500
    assert sum(c.startswith("g.bar ") for c in run.classes) == made["bars"]
    assert broken_links(out) == []
    shutil.rmtree(out)
