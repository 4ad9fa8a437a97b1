"""Render every page of the site: inputs in, `{site path: bytes}` out, no I/O.

Holdout facts (ids, titles, outputs) are passed to run pages only; spec,
handoff and prompt pages get at most a count of holdouts per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment

from generator.site import graph, matrix, timeline
from generator.site.links import Links, handoff_path, prompt_path, run_path, spec_path
from generator.site.markdown import render as render_md
from generator.site.rundata import RunData
from generator.site.specdata import SpecData
from generator.spec.ids import id_key

TASK_STATUSES = ("COMPLETED", "FAILED", "DISPATCH_FAILED", "BLOCKED", "AWAITING_APPROVAL", "INTERRUPTED", "NOT RUN")
ASSETS = ("style.css", "filter.js")


@dataclass
class TaskView:
    id: str
    title: str = ""
    status: str = "NOT RUN"
    depends_on: list[str] = field(default_factory=list)
    reason: str = ""
    attempts: int | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    started_at: str = ""
    finished_at: str = ""


def run_tasks(run: RunData, spec: SpecData | None) -> list[TaskView]:
    """The spec's tasks joined with the run's; tasks never started are NOT RUN."""
    views: dict[str, TaskView] = {}
    for t in spec.tasks if spec else []:
        views[t.id] = TaskView(t.id, t.title, depends_on=list(t.depends_on))
    for t in run.tasks:
        v = views.setdefault(t.task_id, TaskView(t.task_id))
        v.status = t.status or v.status
        v.depends_on = t.depends_on or v.depends_on
        v.reason, v.attempts, v.tokens, v.cost_usd = t.reason, t.attempts, t.tokens, t.cost_usd
        v.started_at, v.finished_at = t.started_at, t.finished_at
    return sorted(views.values(), key=lambda v: id_key(v.id))


def holdout_coverage(spec: SpecData, run: RunData | None) -> dict[str, list[str]] | None:
    """Scenario → holdout ids: D9's own coverage when parsed, joined with a run's results."""
    ran = matrix.holdouts_by_scenario([(h.holdout_id, h.scenarios) for h in run.holdouts]) if run else {}
    if spec.holdout_map is None and not (run and run.has_holdouts):
        return None
    merged = {k: set(v) for k, v in (spec.holdout_map or {}).items()}
    for sc, ids in ran.items():
        merged.setdefault(sc, set()).update(ids)
    return {k: sorted(v, key=id_key) for k, v in merged.items()}


class Site:
    """The whole site's inputs and the anchor index that link checks rely on."""

    def __init__(self, env: Environment, specs: list[SpecData], runs: list[RunData]):
        self.env = env
        self.specs = sorted(specs, key=lambda s: s.name)
        self.runs = runs
        self.by_spec = {s.name: s for s in self.specs}
        self.anchors: dict[str, set[str]] = {}
        self.handoffs: dict[str, dict[str, str]] = {}
        for s in self.specs:
            self.anchors[spec_path(s.name)] = s.anchors()
            self.handoffs[s.name] = {h.task_id: h.id for h in s.handoffs if h.task_id and h.handoff_md is not None}
        for r in runs:
            tasks = {t.id for t in run_tasks(r, self.by_spec.get(r.spec))}
            self.anchors[run_path(r.run_id)] = {h.holdout_id for h in r.holdouts} | tasks

    def _page(self, template: str, path: str, **ctx: object) -> bytes:
        links = Links(path, self.anchors, self.handoffs)
        html = self.env.get_template(template).render(links=links, page=path, **ctx)
        return (html.rstrip("\n") + "\n").encode("utf-8")

    def render(self) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for name in ASSETS:
            assert self.env.loader is not None
            src = self.env.loader.get_source(self.env, name)[0]
            files[name] = (src.replace("\r\n", "\n").rstrip("\n") + "\n").encode("utf-8")
        files["index.html"] = self._page("index.html", "index.html", specs=self.specs, runs=self.runs)
        for s in self.specs:
            files.update(self._spec_pages(s))
        for r in self.runs:
            files[run_path(r.run_id)] = self._run_page(r)
        return files

    def _spec_pages(self, s: SpecData) -> dict[str, bytes]:
        runs = [r for r in self.runs if r.spec == s.name]
        latest = next((r for r in self.runs if r.spec == s.name and r.has_holdouts), None)
        counts = holdout_coverage(s, None if s.holdout_map is not None else latest)
        out = {
            spec_path(s.name): self._page(
                "spec.html", spec_path(s.name), spec=s, runs=runs,
                scenario_rows=matrix.scenario_rows(s, counts), contract_rows=matrix.contract_rows(s),
                holdouts_known=counts is not None, holdouts_from_spec=s.holdout_map is not None,
            )
        }
        for h in s.handoffs:
            for kind, text, path in (("handoff", h.handoff_md, handoff_path(s.name, h.id)),
                                     ("prompt", h.prompt_md, prompt_path(s.name, h.id))):
                if text is None:
                    continue
                links = Links(path, self.anchors, self.handoffs)
                body = render_md(text, lambda i: links.ref(s.name, i), self._file_resolver(s, h.id, links))
                out[path] = self._page("document.html", path, spec=s, handoff=h, kind=kind, body=body)
        return out

    @staticmethod
    def _file_resolver(s: SpecData, hid: str, links: Links):  # noqa: ANN205
        present = {h.id: h for h in s.handoffs}

        def resolve(name: str) -> str:
            for other, h in present.items():
                if name == f"{other}_BUILDER_HANDOFF.md" and h.handoff_md is not None:
                    return links.handoff(s.name, other)
                if name == f"{other}_AGENT_PROMPT.md" and h.prompt_md is not None:
                    return links.prompt(s.name, other)
            return ""

        return resolve

    def _run_page(self, r: RunData) -> bytes:
        spec = self.by_spec.get(r.spec)
        path = run_path(r.run_id)
        tasks = run_tasks(r, spec)
        g = graph.layout(
            [(t.id, t.depends_on, t.status, t.title, f"#{t.id}") for t in tasks], list(TASK_STATUSES)
        )
        tl = timeline.layout(r.dispatches, {t.id: f"#{t.id}" for t in tasks})
        rows = matrix.scenario_rows(spec, holdout_coverage(spec, r)) if spec else []
        counts: dict[str, int] = {}
        for t in tasks:
            counts[t.status] = counts.get(t.status, 0) + 1
        return self._page(
            "run.html", path, run=r, spec=spec, spec_name=r.spec, tasks=tasks, graph=g, timeline=tl,
            task_ids={t.id for t in tasks},
            scenario_rows=rows, status_counts=[(s, counts[s]) for s in TASK_STATUSES if s in counts]
            + sorted((s, n) for s, n in counts.items() if s not in TASK_STATUSES),
        )
