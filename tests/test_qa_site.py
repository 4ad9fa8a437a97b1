"""The report site on a phone-sized window: wide tables scroll inside themselves, the page does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from site_bench import make_test_project
from test_site_browser import Browser, _chromium

from generator.config import load_config
from generator.site import render_site, write_site

PROBE = ('<script>window.addEventListener("load",()=>{document.body.setAttribute("data-probe",'
         'document.documentElement.scrollWidth+"x"+window.innerWidth)});</script>')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_test_project(tmp_path_factory.mktemp("proj"))
    write_site(root / "site", render_site(load_config(root), root / "handoffs", root / "runs"))
    return root / "site"


def widths(browser: Browser, page: Path) -> tuple[int, int]:
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        dom = browser.dom(probe, "--window-size=420,900", "--virtual-time-budget=2000")
    finally:
        probe.unlink()
    m = re.search(r'data-probe="(\d+)x(\d+)"', dom)
    assert m, "probe did not run"
    return int(m.group(1)), int(m.group(2))


def test_pages_do_not_scroll_sideways_on_a_narrow_window(site: Path, tmp_path_factory: pytest.TempPathFactory):
    browser = Browser(_chromium(), tmp_path_factory.mktemp("chromium-profile"))
    pages = [site / "index.html", next((site / "runs").glob("*/index.html")),
             next((site / "specs").glob("*/index.html"))]
    for page in pages:
        scroll, inner = widths(browser, page)
        assert scroll <= inner, f"{page.relative_to(site)} is {scroll}px wide in a {inner}px window"
