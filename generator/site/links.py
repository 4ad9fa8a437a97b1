"""Where every page lives and how one page links to another, relatively.

Links are relative so the site works opened from disk. An id gets a link
only when its target anchor exists, so the site has no dead links even when
a run names a task the spec has since dropped.
"""

from __future__ import annotations

import re

from generator.spec.ids import kind_of

SPEC_KINDS = ("SC", "SC-EC", "E", "IN", "OUT", "SIDE", "ERR", "T", "CLR", "GAP")


def safe(name: str) -> str:
    """A file-name-safe form of a spec name or run id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "unnamed"


def spec_path(spec: str) -> str:
    return f"specs/{safe(spec)}/index.html"


def handoff_path(spec: str, hid: str) -> str:
    return f"specs/{safe(spec)}/handoffs/{safe(hid)}.html"


def prompt_path(spec: str, hid: str) -> str:
    return f"specs/{safe(spec)}/prompts/{safe(hid)}.html"


def run_path(run_id: str) -> str:
    return f"runs/{safe(run_id)}/index.html"


class Links:
    """Link maker for one page: knows the page's depth and every anchor."""

    def __init__(self, page: str, anchors: dict[str, set[str]], handoffs: dict[str, dict[str, str]]):
        self.root = "../" * page.count("/")
        self.page = page
        self._anchors = anchors  # site path → ids defined on it
        self._handoffs = handoffs  # spec → task id → handoff id

    def to(self, path: str, anchor: str = "") -> str:
        if path == self.page:
            return f"#{anchor}" if anchor else "#"
        return self.root + path + (f"#{anchor}" if anchor else "")

    def asset(self, name: str) -> str:
        return self.root + name

    def index(self) -> str:
        return self.to("index.html")

    def spec(self, spec: str, anchor: str = "") -> str:
        return self.to(spec_path(spec), anchor)

    def run(self, run_id: str, anchor: str = "") -> str:
        return self.to(run_path(run_id), anchor)

    def handoff(self, spec: str, hid: str) -> str:
        return self.to(handoff_path(spec, hid))

    def prompt(self, spec: str, hid: str) -> str:
        return self.to(prompt_path(spec, hid))

    def ref(self, spec: str, ident: str, run_id: str = "") -> str:
        """The definition of an id: a spec anchor, or a holdout on a run page."""
        if kind_of(ident) == "HS":
            path = run_path(run_id) if run_id else ""
        else:
            path = spec_path(spec) if kind_of(ident) in SPEC_KINDS or ident.startswith("Article-") else ""
        if path and ident in self._anchors.get(path, set()):
            return self.to(path, ident)
        return ""

    def task_handoff(self, spec: str, task_id: str) -> str:
        hid = self._handoffs.get(spec, {}).get(task_id, "")
        return self.handoff(spec, hid) if hid else ""

    def handoff_of(self, spec: str, task_id: str) -> str:
        return self._handoffs.get(spec, {}).get(task_id, "")
