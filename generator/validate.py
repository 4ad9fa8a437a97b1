"""Prove a spec complete and consistent before anything is built from it.

The six checks of the product's own D2/D8 come first, then the registry's:
references, duplicates, readable documents, the D9 coverage gate, holdouts
without an executable Verify, and metadata claims that disagree with the
body. Nothing passes vacuously: a check with nothing to look at fails.
"""

from __future__ import annotations

import re

from generator.model import DOCUMENTS, CheckResult, Diagnostic, ProductSpec, ValidationResult
from generator.spec.ids import find_ids
from generator.spec.registry import Registry, build_registry, id_key, kind_of


def sort_ids(ids) -> list[str]:
    return sorted(ids, key=id_key)

MIN_HOLDOUTS = 3


def validate(spec: ProductSpec) -> ValidationResult:
    reg = build_registry(spec)
    diags: list[Diagnostic] = list(spec.diagnostics) + reg.diagnostics
    checks = [
        _documents_present(spec, diags),
        _no_open_items(spec, diags),
        _scenarios_covered(spec, diags),
        _contracts_covered(spec, diags),
        _minimum_holdouts(spec, diags),
        _no_cycles(spec, diags),
        _from_diags("documents_readable", diags, "documents", "All present documents are readable and non-empty"),
        _from_diags("references_resolve", diags, "references", "Every reference names a defined item"),
        _from_diags("unique_ids", diags, "duplicate_ids", "No id is defined twice"),
        _coverage_gate(spec, reg, diags),
        _holdouts_executable(spec, diags),
        _metadata_claims(spec, diags),
        _task_consistency(spec, diags),
    ]
    status = "PASS" if all(c.status == "PASS" for c in checks) else "FAIL"
    summary = None
    if status == "PASS":
        summary = {
            "documents": sum(1 for c in DOCUMENTS if spec.doc_present(c)),
            "scenarios": len(spec.scenarios),
            "tasks": len(spec.tasks),
            "holdouts": len(spec.holdouts.holdouts),
            "contracts": len(spec.contracts),
            "entities": len(spec.entities),
        }
    diags.sort(key=lambda d: (_doc_order(d.path), d.line, d.severity != "error", d.message))
    return ValidationResult(status, str(spec.spec_dir), spec.component_name or None, checks, summary, diags)


_DOC_ORDER: dict[str, int] = {}
for _i, _name in enumerate(DOCUMENTS.values()):
    _DOC_ORDER.setdefault(_name, _i)


def _doc_order(path: str) -> int:
    """Diagnostics sort in document order, unknown paths last (called once per diagnostic)."""
    return _DOC_ORDER.get(path, len(DOCUMENTS))


def _check(name: str, failures: list[str], ok: str, fail: str) -> CheckResult:
    if failures:
        return CheckResult(name, "FAIL", fail, failures)
    return CheckResult(name, "PASS", ok)


def _documents_present(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    missing = [f"Missing required document: {name}" for code, name in DOCUMENTS.items() if not spec.doc_present(code)]
    diags += [Diagnostic(m.rsplit(" ", 1)[1], 0, m, "error", "all_documents_present") for m in missing]
    msg = missing[0] if len(missing) == 1 else f"{len(missing)} required documents missing"
    return _check("all_documents_present", missing, f"All {len(DOCUMENTS)} documents present", msg)


def _no_open_items(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    if not spec.doc_present("D6"):
        return CheckResult("d6_no_open_items", "FAIL", "D6 is missing: OPEN items cannot be checked")
    clr = [c for c in spec.clarifications if c.status == "OPEN"]
    gaps = [g for g in spec.gaps if g.status == "OPEN"]
    parts = []
    if clr:
        parts.append(f"D6 has {len(clr)} OPEN clarification(s): " + ", ".join(f"{c.id} [{c.title}]" for c in clr) + ".")
    if gaps:
        parts.append(f"D6 has {len(gaps)} OPEN gap(s): " + ", ".join(f"{g.id} [{g.title}]" for g in gaps) + ".")
    for x in clr + gaps:
        diags.append(Diagnostic(x.source.doc, x.source.line, f"{x.id} is OPEN: {x.title}", "error", "d6_no_open_items"))
    if parts:
        msg = " ".join(parts) + " Resolve before proceeding."
        return CheckResult("d6_no_open_items", "FAIL", msg, [f"{x.id} is OPEN" for x in clr + gaps])
    return CheckResult("d6_no_open_items", "PASS",
                       f"D6 has 0 OPEN items ({len(spec.clarifications)} clarification(s), {len(spec.gaps)} gap(s))")


def _covered(spec: ProductSpec, attr: str) -> set[tuple]:
    return {id_key(x) for t in spec.tasks for x in getattr(t, attr)}


def _coverage(spec: ProductSpec, diags: list[Diagnostic], name: str, items: list, attr: str,
              doc: str, plural: str, verb: str, all_ok: str) -> CheckResult:
    """Every D2 scenario / D4 contract must be named by some D8 task (no vacuous pass)."""
    noun = plural.rstrip("s")
    if not items:
        return CheckResult(name, "FAIL", f"{doc} defines no {plural}" if spec.doc_present(doc) else f"{doc} is missing")
    if not spec.tasks:
        return CheckResult(name, "FAIL", f"D8 defines no tasks: no {noun} is {verb}" if spec.doc_present("D8") else "D8 is missing")
    done = _covered(spec, attr)
    miss = [x.id for x in items if id_key(x.id) not in done]
    _uncovered(diags, items, miss, f"is {verb} by no D8 task", name)
    return _check(name, [f"{doc} {i} not {verb} by any D8 task" for i in sort_ids(miss)],
                  all_ok.format(n=len(items)),
                  f"{len(miss)} of {len(items)} {doc} {noun}(s) not {verb} by any D8 task: {', '.join(sort_ids(miss))}")


def _scenarios_covered(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    return _coverage(spec, diags, "d2_scenarios_covered", spec.scenarios, "scenarios", "D2", "scenarios",
                     "covered", "All {n} D2 scenarios covered by D8 tasks")


def _contracts_covered(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    return _coverage(spec, diags, "d4_contracts_covered", spec.contracts, "contracts", "D4", "contracts",
                     "implemented", "All {n} D4 contracts assigned to D8 tasks")


def _uncovered(diags: list[Diagnostic], items, miss: list[str], what: str, check: str) -> None:
    want = set(miss)
    for x in items:
        if x.id in want and x.source:
            diags.append(Diagnostic(x.source.doc, x.source.line, f"{x.id} {what}", "error", check))


def _minimum_holdouts(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    n = len(spec.holdouts.holdouts)
    if not spec.doc_present("D9"):
        return CheckResult("d9_minimum_holdouts", "FAIL", "D9 is missing: no holdout scenarios")
    if n < MIN_HOLDOUTS:
        diags.append(Diagnostic(DOCUMENTS["D9"], 0, f"{n} holdout scenario(s); at least {MIN_HOLDOUTS} required",
                                "error", "d9_minimum_holdouts"))
        return CheckResult("d9_minimum_holdouts", "FAIL", f"D9 has {n} holdout scenario(s); at least {MIN_HOLDOUTS} required")
    return CheckResult("d9_minimum_holdouts", "PASS", f"D9 has {n} holdout scenarios (minimum {MIN_HOLDOUTS})")


def find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Each dependency cycle once, as a closed path (iterative DFS, linear time)."""
    color: dict[str, int] = {}
    cycles: list[list[str]] = []
    for root in sorted(edges, key=id_key):
        if color.get(root):
            continue
        stack = [(root, iter(sorted(edges.get(root, []), key=id_key)))]
        path = [root]
        color[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = 2
                stack.pop()
                path.pop()
                continue
            if nxt not in edges:
                continue
            c = color.get(nxt, 0)
            if c == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif c == 0:
                color[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(edges.get(nxt, []), key=id_key))))
    return cycles


def _no_cycles(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    name = "d8_no_dependency_cycles"
    if not spec.tasks:
        return CheckResult(name, "FAIL", "D8 defines no tasks" if spec.doc_present("D8") else "D8 is missing")
    edges = {t.id: [d for d in t.depends_on if d != t.id] for t in spec.tasks}
    cycles = find_cycles(edges)
    if not cycles:
        return CheckResult(name, "PASS", f"D8 dependency graph of {len(spec.tasks)} tasks is acyclic")
    msgs = [f"Dependency cycle detected in D8: {' → '.join(c)}" for c in cycles]
    by_id = {t.id: t for t in spec.tasks}
    for c, m in zip(cycles, msgs):
        t = by_id[c[0]]
        diags.append(Diagnostic(t.source.doc, t.ref_lines.get("depends_on", t.source.line), m, "error", name))
    return CheckResult(name, "FAIL", msgs[0] if len(msgs) == 1 else f"{len(msgs)} dependency cycles detected in D8", msgs)


def _from_diags(name: str, diags: list[Diagnostic], check: str, ok: str) -> CheckResult:
    errs = [d for d in diags if d.check == check and d.severity == "error"]
    if not errs:
        return CheckResult(name, "PASS", ok)
    return CheckResult(name, "FAIL", f"{len(errs)} problem(s): {errs[0]}" if len(errs) > 1 else str(errs[0]), [str(d) for d in errs])


def _coverage_gate(spec: ProductSpec, reg: Registry, diags: list[Diagnostic]) -> CheckResult:
    name = "d9_coverage_gate"
    if not spec.doc_present("D9"):
        return CheckResult(name, "FAIL", "D9 is missing: P0/P1 scenarios have no holdout coverage")
    covered = {id_key(s) for h in spec.holdouts.holdouts for s in h.validates}
    # A matrix row only adds a scenario not yet covered; reg.has runs for those rows alone.
    covered |= {k for r in spec.holdouts.coverage
                if (k := id_key(r.scenario)) not in covered and any(reg.has(x) for x in r.holdouts)}
    must = [s for s in spec.scenarios if s.priority in ("P0", "P1")]
    miss = [s for s in must if id_key(s.id) not in covered]
    for s in miss:
        diags.append(Diagnostic(s.source.doc, s.source.line, f"{s.priority} scenario {s.id} is validated by no D9 holdout",
                                "error", name))
    return _check(name, [f"{s.priority} {s.id} has no holdout" for s in miss],
                  f"All {len(must)} P0/P1 scenarios validated by at least one holdout",
                  f"{len(miss)} P0/P1 scenario(s) validated by no holdout: {', '.join(s.id for s in miss)}")


def _holdouts_executable(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    notes = []
    for h in spec.holdouts.holdouts:
        if h.step("verify"):
            continue
        why = ("behavioural scenario (YAML): an evaluator has to derive the check" if h.form == "behavioural"
               else "no Verify step with a bash block")
        msg = f"{h.id} has no executable Verify: {why}"
        notes.append(msg)
        diags.append(Diagnostic(h.source.doc, h.source.line, msg, "warning", "holdouts_executable"))
    ok = f"{len(spec.holdouts.holdouts) - len(notes)} of {len(spec.holdouts.holdouts)} holdouts have an executable Verify"
    return CheckResult("holdouts_executable", "PASS", ok, notes)


_INT_RE = re.compile(r"^\s*(\d+)\b")


def _claim(doc, keys: tuple[str, ...]) -> int | None:
    for k in keys:
        m = _INT_RE.match(doc.meta.get(k, ""))
        if m:
            return int(m.group(1))
    return None


def _metadata_claims(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    notes: list[str] = []

    def claim(code: str, keys: tuple[str, ...], actual: int, what: str) -> None:
        doc = spec.documents.get(code)
        if not doc or not doc.present:
            return
        n = _claim(doc, keys)
        if n is not None and n != actual:
            msg = f"metadata says {keys[0].title()}: {n}, but the document has {actual} {what}"
            notes.append(f"{doc.filename}: {msg}")
            diags.append(Diagnostic(doc.filename, doc.meta_line, msg, "warning", "metadata_claims"))

    claim("D8", ("total tasks",), len(spec.tasks), "tasks")
    claim("D3", ("shared entities",), sum(1 for e in spec.entities if e.scope == "SHARED"), "SHARED entities")
    shared = sum(1 for g in spec.gaps if g.shared.upper().startswith("YES"))
    claim("D6", ("shared gaps",), shared, "gaps marked shared")
    claim("D6", ("private gaps",), len(spec.gaps) - shared, "gaps not marked shared")
    claim("D6", ("unresolved", "open items"), sum(1 for x in spec.gaps + spec.clarifications if x.status == "OPEN"), "OPEN items")
    return CheckResult("metadata_claims", "PASS",
                       "Metadata counts agree with the documents" if not notes else f"{len(notes)} metadata claim(s) disagree with the body",
                       notes)


_LEAD_INT_RE = re.compile(r"^\D{0,12}?(\d+)")
_SCENARIO_KINDS = ("SC", "SC-EC")
_CONTRACT_KINDS = ("IN", "OUT", "SIDE", "ERR")


_PARTNERS_RE = re.compile(r"\b(?:with|w/)\s*(.*)", re.IGNORECASE)
_PARTNERS_END_RE = re.compile(r"[();]|\b(?:after|once|following|when|but|then|before)\b", re.IGNORECASE)


def parallel_partners(text: str) -> list[str]:
    """Tasks a Parallel/Serial value says may run alongside: "Parallel with T-006 (both
    depend on T-005)" → T-006, "Parallel (w/ T-002, T-003)" → both; "Serial …" → none."""
    if not text.strip().lower().startswith("parallel"):
        return []
    m = _PARTNERS_RE.search(text)
    if not m:
        return []
    part = _PARTNERS_END_RE.split(m.group(1), 1)[0]
    return [i for i in find_ids(part) if kind_of(i) == "T"]


def _ancestors(spec: ProductSpec):
    """Every task's transitive dependencies (cycles tolerated: they are reported elsewhere).

    A lookup function computed on demand: only tasks named as parallel partners
    are asked about, and the full closure is quadratic on a long chain.
    """
    deps = {id_key(t.id): {id_key(d) for d in t.depends_on} for t in spec.tasks}
    out: dict[tuple, set[tuple]] = {}

    def of(root: tuple) -> set[tuple]:
        got = out.get(root)
        if got is not None:
            return got
        seen: set[tuple] = set()
        stack = list(deps.get(root, ()))
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            if k in out:
                seen |= out[k]
            else:
                stack += deps.get(k, ())
        out[root] = seen
        return seen

    return of


def _task_consistency(spec: ProductSpec, diags: list[Diagnostic]) -> CheckResult:
    """Warnings where D8 contradicts itself: a task "parallel with" a task it depends on, and
    Summary table rows that disagree with the task blocks (ranges and abbreviations expanded)."""
    notes: list[str] = []

    def warn(doc: str, line: int, msg: str) -> None:
        notes.append(f"{doc}:{line}: {msg}")
        diags.append(Diagnostic(doc, line, msg, "warning", "d8_task_consistency"))

    by_id = {id_key(t.id): t for t in spec.tasks}
    anc = _ancestors(spec)
    rows = {id_key(r.task): r for r in spec.task_summary}
    for t in spec.tasks:
        texts = [t.parallel] + ([rows[id_key(t.id)].parallel] if id_key(t.id) in rows else [])
        named = {id_key(i) for x in texts for i in parallel_partners(x)}
        for k in sorted(named):
            other = by_id.get(k)
            if other is None or other is t:
                continue
            if k in anc(id_key(t.id)) or id_key(t.id) in anc(k):
                first, second = (t, other) if k in anc(id_key(t.id)) else (other, t)
                warn(t.source.doc, t.source.line,
                     f"{t.id} is marked parallel with {other.id}, but {first.id} depends on {second.id}")
    for r in spec.task_summary:
        doc, line = (r.source.doc, r.source.line) if r.source else (DOCUMENTS["D8"], 0)
        t = by_id.get(id_key(r.task))
        if t is None:
            warn(doc, line, f"Summary row names {r.task}, which has no task block")
            continue
        sc = sort_ids({i for i in r.ids if kind_of(i) in _SCENARIO_KINDS})
        mine = sort_ids(t.scenarios)
        if sc and {id_key(i) for i in sc} != {id_key(i) for i in mine}:
            warn(doc, line, f"Summary row {r.task} lists scenarios {', '.join(sc)}; its task block lists "
                            f"{', '.join(mine) or 'none'}")
        ct = [i for i in sort_ids({i for i in r.ids if kind_of(i) in _CONTRACT_KINDS})
              if id_key(i) not in {id_key(c) for c in t.contracts}]
        if ct:
            warn(doc, line, f"Summary row {r.task} names {', '.join(ct)}, which its task block does not implement")
        if r.dependencies is not None and {id_key(d) for d in r.dependencies} != {id_key(d) for d in t.depends_on}:
            warn(doc, line, f"Summary row {r.task} depends on {', '.join(r.dependencies) or 'nothing'}; its task block "
                            f"on {', '.join(t.depends_on) or 'nothing'}")
        a, b = _LEAD_INT_RE.match(r.phase), _LEAD_INT_RE.match(t.phase)
        if a and b and int(a.group(1)) != int(b.group(1)):
            warn(doc, line, f"Summary row {r.task} is in phase {r.phase}; its task block in phase {t.phase}")
        sa, sb = r.scope.split()[:1], t.scope.split()[:1]
        if sa and sb and sa[0][:1].isalpha() and sb[0][:1].isalpha() and sa[0].upper() != sb[0].upper():
            warn(doc, line, f"Summary row {r.task} has scope {r.scope}; its task block {t.scope}")
    n = len(spec.task_summary)
    ok = (f"D8 task blocks agree with each other and with {n} Summary row(s)" if not notes
          else f"{len(notes)} place(s) where D8 contradicts itself")
    return CheckResult("d8_task_consistency", "PASS", ok, notes)
