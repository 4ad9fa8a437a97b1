"""The pure compile: ProductSpec → {relative path: bytes}.

Per-task outputs come from `compile_task(task_inputs(spec, task), options)`
and depend on nothing else; shared outputs (index, facets) are one row per
item. No I/O here beyond reading templates; the leak guard and the writer
sit at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.compile import facets, prose
from generator.compile.inputs import _REPRS, SpecIndex, TaskInputs, handoff_id, task_inputs, task_scope
from generator.compile.questions import ADVERSARIAL_SETS, Question, minimum_tests, questions
from generator.compile.sections import _MEMO, SECTIONS, handoff_items, mandatory_rules, section_sources
from generator.compile.templating import ANSWERS, HANDOFF, PROMPT, is_default, places, render, with_blocks
from generator.errors import SpecError
from generator.gcpause import paused_gc
from generator.model import DOCUMENTS, ProductSpec

PARTS = ("handoffs", "prompts", "facets")
CONTRACT_VERSION = "1.2.0"
RESULTS_ENV = "FACTORY_RESULTS_PATH"


@dataclass(frozen=True)
class CompileOptions:
    """How to compile: adversarial set, template overlay, spec label, parts to emit.

    `source_label` names the spec in generated headers ("specs/inkwell"): it
    must be relative, never an absolute path, so outputs do not depend on
    where the repository sits.
    """

    adversarial: str = "genesis"
    templates: str = ""  # overlay directory ("" for the defaults only)
    source_label: str = ""
    parts: frozenset[str] = field(default_factory=lambda: frozenset(PARTS))
    contract_version: str = CONTRACT_VERSION

    def __post_init__(self) -> None:
        if self.adversarial not in ADVERSARIAL_SETS:
            raise ValueError(f"adversarial set must be one of {ADVERSARIAL_SETS}, not {self.adversarial!r}")
        unknown = set(self.parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts: {sorted(unknown)}")


def _label(spec_name: str, options: CompileOptions) -> str:
    return options.source_label or spec_name


def compile_task(t: TaskInputs, options: CompileOptions) -> dict[str, bytes]:
    """All outputs of one task, from its inputs alone."""
    hid = handoff_id(t.task.id)
    label = _label(t.spec_name, options)
    sources = section_sources(t)
    digest = facets.inputs_digest(t)  # repr of the whole inputs: computed once, used by both facets
    overlay = options.templates
    out: dict[str, bytes] = {}
    if "handoffs" in options.parts:
        path = facets.handoff_path(hid, "BUILDER_HANDOFF")
        if is_default(overlay, HANDOFF):
            out[path] = prose.handoff(t, hid, label, DOCUMENTS, RESULTS_ENV, sources, minimum_tests(t))
        else:
            out[path] = render(
                HANDOFF,
                overlay,
                **_common(t, hid, label),
                sources=sources,
                titles=SECTIONS,
                min_tests=minimum_tests(t),
                items=handoff_items(t, sources),
            )
        out[f"{hid}/handoff.toml"] = facets.handoff_toml(t, sources, digest)
    if "prompts" in options.parts:
        qs = questions(t, options.adversarial)
        handoff_path = facets.handoff_path(hid, "BUILDER_HANDOFF")
        prompt_path = facets.handoff_path(hid, "AGENT_PROMPT")
        own = is_default(overlay, PROMPT), is_default(overlay, ANSWERS)
        if own[0]:
            out[prompt_path] = prose.prompt(
                t, hid, label, DOCUMENTS, qs, options.adversarial, options.contract_version, handoff_path
            )
        if own[1]:
            out[facets.handoff_path(hid, "EXPECTED_ANSWERS")] = prose.answers(t, hid, label, DOCUMENTS, qs, prompt_path)
        if not all(own):
            rules = mandatory_rules(t)
            ctx = dict(
                _common(t, hid, label),
                questions=qs,
                rules=rules,
                items=prompt_items(qs, rules),
                adversarial=options.adversarial,
                contract_version=options.contract_version,
                handoff_path=handoff_path,
                prompt_path=prompt_path,
            )
            if not own[0]:
                out[prompt_path] = render(PROMPT, overlay, **ctx)
            if not own[1]:
                out[facets.handoff_path(hid, "EXPECTED_ANSWERS")] = render(ANSWERS, overlay, **ctx)
        out[f"{hid}/prompt.toml"] = facets.prompt_toml(t, qs, options.contract_version, options.adversarial, digest)
    return out


def _common(t: TaskInputs, hid: str, label: str) -> dict:
    """The context every template gets."""
    return {"t": t, "hid": hid, "spec_label": label, "docs": DOCUMENTS, "results_env": RESULTS_ENV}


def prompt_items(qs: list[Question], rules: list[str]) -> dict:
    """The prompt's and the expected answers' numbered lines, formatted once here
    rather than item by item in the templates (their wording is the templates')."""
    answers = [(q, "- " + "\n- ".join(q.answer) if q.answer else "", places(q.sources) if q.sources else "") for q in qs]
    items = {
        "rules": [f"{n}. {r}" for n, r in enumerate(rules, 1)],
        "verification": [f"{q.number}. {q.text}" for q in qs if q.number <= 10],
        "adversarial": [f"{q.number}. {q.text}" for q in qs if q.number > 10],
        "answers": answers,
        # each question with its answer, as the loop in the answers template's comment prints it
        "answered": [
            f"## {q.number}. {q.category.capitalize()}\n\n{q.text}\n\n{answer}\n" + (f"\n_From: {cited}_\n" if cited else "")
            for q, answer, cited in answers
        ],
    }
    return with_blocks(items, ("rules", "verification", "adversarial", "answered"))


def check_ids(spec: ProductSpec) -> None:
    """Refuse task ids without a number, or two tasks sharing one handoff id."""
    seen: dict[str, str] = {}
    problems = []
    for task in spec.tasks:
        try:
            hid = handoff_id(task.id)
        except ValueError:
            problems.append(f"{task.source or 'D8_TASKS.md'}: task id {task.id!r} has no number")
            continue
        if hid in seen:
            problems.append(f"{task.source or 'D8_TASKS.md'}: {task.id} and {seen[hid]} both map to {hid}")
        seen[hid] = task.id
    if problems:
        raise SpecError("\n".join(problems))


_check_ids = check_ids  # older name, kept for callers


def compile_shared(spec: ProductSpec, options: CompileOptions, index: SpecIndex | None = None) -> dict[str, bytes]:
    """Outputs about the whole spec: `handoff_index.json` and `facets/*.toml`."""
    out: dict[str, bytes] = {}
    if "handoffs" in options.parts:
        out["handoff_index.json"] = facets.index_json(spec)
    if "facets" in options.parts:
        ix = index or SpecIndex(spec)
        entities_of = {t.id: task_scope(ix, t)[2] for t in spec.tasks}
        out.update(facets.spec_facets(spec, _label(spec.name, options), entities_of))
    return out


def compile_spec(spec: ProductSpec, options: CompileOptions | None = None) -> dict[str, bytes]:
    """Every output of a spec, keyed by POSIX path relative to `handoffs/<spec>/`."""
    options = options or CompileOptions()
    check_ids(spec)
    with paused_gc():
        try:
            return _compile_all(spec, options)
        finally:
            forget_shared_items()


def forget_shared_items() -> None:
    """Drop the per-build memos of formatted items (keyed by object identity).

    They only pay within one build, since every build makes new items, and
    dropping them before the collector resumes spares it walking them.
    """
    _REPRS.clear()
    _MEMO.clear()


def compile_tasks(spec: ProductSpec, options: CompileOptions, ix: SpecIndex, tasks, shared: bool) -> dict[str, bytes]:
    """Outputs of `tasks` (and the spec-wide ones when `shared`): one share of a compile, unsorted."""
    out: dict[str, bytes] = {}
    for task in tasks:
        out.update(compile_task(task_inputs(spec, task, ix), options))
    if shared:
        out.update(compile_shared(spec, options, ix))
    return out


def _compile_all(spec: ProductSpec, options: CompileOptions) -> dict[str, bytes]:
    return dict(sorted(compile_tasks(spec, options, SpecIndex(spec), spec.tasks, True).items()))
