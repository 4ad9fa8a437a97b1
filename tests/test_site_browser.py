"""The report site in a real headless Chromium, opened from disk.

Chromium runs as a plain subprocess (--dump-dom, --screenshot); the DOM it
dumps is what the browser built, so links are followed by resolving their
hrefs from it. Skipped when Debian's chromium is absent, unless CI is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_bench import make_test_project

from generator.config import load_config
from generator.site import render_site, write_site

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is required in CI (.ci/run installs Debian's chromium)")
    pytest.skip("chromium not installed")


class Browser:
    """One Chromium profile; each call is a fresh headless process."""

    def __init__(self, exe: str, profile: Path):
        self.base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                     f"--user-data-dir={profile}"]

    def _run(self, extra: list[str], url: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.base + extra + [url], capture_output=True, text=True, timeout=120)

    def dom(self, page: Path, *extra: str) -> str:
        out = self._run(["--dump-dom", *extra], page.as_uri())
        assert out.returncode == 0, out.stderr[-2000:]
        assert "<html" in out.stdout, f"no DOM for {page}"
        return out.stdout

    def screenshot(self, page: Path, dest: Path, size: str = "1280,2200") -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        out = self._run([f"--screenshot={dest}", f"--window-size={size}"], page.as_uri())
        assert out.returncode == 0 and dest.is_file() and dest.stat().st_size > 10_000, out.stderr[-2000:]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # href, text, classes of the enclosing element
        self.ids: set[str] = set()
        self.counts: dict[str, int] = {}
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for c in (a.get("class") or "").split():
            self.counts[f"{tag}.{c}"] = self.counts.get(f"{tag}.{c}", 0) + 1
        if tag == "a":
            self._open.append([a.get("href") or "", ""])

    def handle_data(self, data: str) -> None:
        for o in self._open:
            o[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, text = self._open.pop()
            self.links.append((href, text.strip(), ""))


def parse(dom: str) -> _Links:
    p = _Links()
    p.feed(dom)
    return p


def follow(page: Path, href: str) -> tuple[Path, str]:
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    assert target.is_file(), href
    return target, parts.fragment


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(_chromium(), tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_test_project(tmp_path_factory.mktemp("proj"))
    files = render_site(load_config(root), root / "handoffs", root / "runs")
    write_site(root / "site", files)
    return root / "site"


def test_index_to_run_to_failing_holdout_to_handoff(browser: Browser, site: Path) -> None:
    index = site / "index.html"
    dom = parse(browser.dom(index))
    run_href = next(h for h, text, _ in dom.links if text == "20250301-100000-demo")
    run_page, _ = follow(index, run_href)

    run_dom_text = browser.dom(run_page)
    run_dom = parse(run_dom_text)
    assert "REJECT" in run_dom_text and "P0 holdout HS-001 failed" in run_dom_text
    fail_href = next(h for h, text, _ in run_dom.links if text == "HS-001" and h.startswith("#fail-"))
    same_page, anchor = follow(run_page, fail_href)
    assert same_page == run_page and anchor in run_dom.ids

    # the failure block links its scenarios and contracts to the spec page and its task to the handoff
    block = run_dom_text[run_dom_text.index(f'id="{anchor}"'):]
    block = block[: block.index("</article>")]
    block_links = parse(block).links
    targets = {text: h for h, text, _ in block_links}
    spec_ids = parse(browser.dom(follow(run_page, targets["SC-001"])[0])).ids
    for ident in ("SC-001", "SC-002", "IN-001", "OUT-001"):
        spec_page, frag = follow(run_page, targets[ident])
        assert spec_page.parent.name == "inkwell" and frag == ident and frag in spec_ids
    handoff_page, _ = follow(run_page, targets["T-002"])
    handoff_dom = browser.dom(handoff_page)
    assert handoff_page.name == "H-FACTORY-002.html"
    assert "H-FACTORY-002" in handoff_dom and "<table" in handoff_dom and "Mission" in handoff_dom


def test_svgs_render_with_right_counts(browser: Browser, site: Path) -> None:
    dom = browser.dom(site / "runs" / "run-synthetic" / "index.html")
    p = parse(dom)
    assert p.counts.get("svg.graph") == 1 and p.counts.get("svg.timeline") == 1
    assert p.counts.get("g.node") == 14
    tasks = dom.count('<tr id="T-')
    assert tasks == 14
    rows = tomllib.loads((site.parent / "runs" / "run-synthetic" / "dispatch.toml").read_text())["dispatch"]
    attempts = {r["dispatch_id"]: (r["turn"], r["attempt"]) for r in rows}
    assert p.counts.get("g.bar") == len(attempts)
    assert p.counts.get("g.turn-gate") == sum(t == "gate" for t, _ in attempts.values())
    assert p.counts.get("g.retry") == sum(a > 1 for _, a in attempts.values()) > 0
    assert 'role="img"' in dom and "<title" in dom and "<desc" in dom


def test_renders_with_every_host_unresolvable(browser: Browser, site: Path) -> None:
    page = site / "runs" / "20250301-100000-demo" / "index.html"
    dom = browser.dom(page, '--host-resolver-rules=MAP * ~NOTFOUND')
    p = parse(dom)
    assert p.counts.get("g.node") == 6 and p.counts.get("g.bar") == 12
    assert "Holdouts" in dom and "</main>" in dom


def test_screenshots_of_index_and_run(browser: Browser, site: Path) -> None:
    browser.screenshot(site / "index.html", ARTIFACTS / "site-index.png", "1280,900")
    browser.screenshot(site / "runs" / "20250301-100000-demo" / "index.html", ARTIFACTS / "site-run.png")
    browser.screenshot(site / "runs" / "run-synthetic" / "index.html", ARTIFACTS / "site-run-synthetic.png")
