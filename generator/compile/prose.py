"""The shipped handoff, prompt and expected answers templates, printed in Python.

Through Jinja, a default template costs more than the rest of a task's
compile: a generator step and lookups per printed value, then `normalise`
splitting the whole text into lines and the text encoded at once. The
functions here give exactly the bytes `render` gives for the shipped
templates (tests hold them to it on every spec at hand and on odd values),
used only while the template in use is the very text they follow
(`templating.is_default`); any other template goes through Jinja.

The text comes as UTF-8 pieces: spec-wide blocks (articles, boundaries …)
are encoded once per build, the rest piece by piece, so only pieces with a
wide character pay for it. `normalise` would only collapse blank lines when
no printed value can leave a line with trailing whitespace or a CR: that is
checked on the values (`clean`), which are short, rather than on the text;
otherwise the text goes through `normalise` whole.
"""

from __future__ import annotations

from generator.compile.inputs import Piece, Ref, TaskInputs
from generator.compile.sections import (
    _article_lines,
    _boundary_lines,
    _component_row,
    _convention_lines,
    _existing_lines,
    _file_line,
    _memo,
    _memo_all,
    _tooling_lines,
    _why_lines,
    criteria_lines,
    depends_lines,
    mission_lines,
    rules_of,
    scenario_rows,
    section_rows,
    trace,
)
from generator.compile.templating import block, normalise, places

# sha256 of the template texts these functions print (see templating.is_default).
WRITTEN_FOR = {
    "handoff.md.j2": "90b13ef730376bf83d938a7cb0c86d373dacd90e20e5b510a1fbd906f6dfeb53",
    "prompt.md.j2": "22d485911dae0423a2099f2432bcda051de45e45ad4e2215693928f3df19af0f",
    "answers.md.j2": "b95ed79b87c147105db90541f81a798fa73d731c698224c82515852e10a708af",
}


def clean(values: list[str]) -> bool:
    """True when none of `values` holds a line feed or a CR or ends in whitespace,
    so the lines they are printed in keep no trailing whitespace from them."""
    try:
        joined = "".join(values)
    except TypeError:  # not all text: the general path prints it
        return False
    return "\n" not in joined and "\r" not in joined and list(map(str.rstrip, values)) == values


def finish(parts: list, tidy: bool, runs: bool = True) -> bytes:
    """The pieces (str, or bytes already encoded) as `normalise` leaves their text, in UTF-8.

    With `tidy` (no line can end in whitespace and there is no CR), stripping
    lines would change nothing, so only runs of blank lines (unless the caller
    knows there are none: `runs` false) and the ends are left to do, on the
    bytes: a line feed is one byte in UTF-8 and in no other character's bytes.
    """
    if not tidy:
        return normalise("".join([p if p.__class__ is str else p.decode("utf-8") for p in parts])).encode("utf-8")
    data = b"".join([p if p.__class__ is bytes else p.encode("utf-8") for p in parts])
    while runs and data.find(b"\n\n\n") >= 0:  # not `in`: on bytes it first tries the needle as an int, raising inside
        data = data.replace(b"\n\n\n", b"\n\n")
    if data[-1:] == b"\n" and data[-2:] != b"\n\n" and data[:1] != b"\n":
        return data
    return data.strip(b"\n") + b"\n"


def _encoded(lines: tuple[str, ...]) -> tuple[bytes, bool]:
    return block(lines).encode("utf-8"), clean(list(lines))


def shared_block(kind: str, obj, make) -> tuple[bytes, bool]:
    """(block of `make(obj)` in UTF-8, whether its lines are clean), once per build."""
    return _memo("encoded", _memo(kind, obj, make), _encoded)


def text_lines(text: str) -> list[str]:
    """A multi-line value's lines, for `clean`."""
    return text.split("\n")


def _piece_clean(p: Piece) -> bool:
    return clean(text_lines(str(p.text)))


def _piece(t: TaskInputs, name: str) -> Piece | None:
    p = t.piece(name)
    return p if p and p.text else None


# --- the builder handoff ------------------------------------------------------------


def handoff(t: TaskInputs, hid: str, spec_label: str, docs: dict, results_env: str,
            sources: dict[str, tuple[str, ...]], min_tests: int) -> bytes:
    """What `render(HANDOFF, ...)` gives for the shipped handoff template."""
    task = t.task
    tid, title = task.id, task.title
    where = {key: places(s) for key, s in sources.items()}
    tr = trace(t)
    description = task.get("description")
    missing = ", ".join(t.missing) if t.missing else ""
    rows = section_rows(where)
    mission = mission_lines(task)
    # every value printed on a line of its own or inside one (blocks are checked where they are made)
    values = [spec_label, docs["D8"], tid, title, task.source, t.spec_name, t.package_id, hid, results_env,
              *tr.values(), missing, description, *where.values(), *rows, *mission]
    parts: list = [
        f"<!-- generated from {spec_label}/{docs['D8']} ({tid}) and the places cited below; do not edit -->\n"
        f"# {hid}: {title}\n\n| Trace | |\n|---|---|\n| Task | {tid} ({task.source}) |\n"
        f"| Spec | {t.spec_name}{f' ({t.package_id})' if t.package_id else ''} |\n"
        f"| D2 scenarios | {tr['scenarios']} |\n| D3 entities | {tr['entities']} |\n"
        f"| D4 contracts | {tr['contracts']} |\n| Depends on | {tr['depends_on']} |\n"
        + (f"| Named but not defined | {missing} |\n" if t.missing else "")
        + "\n| Section | Taken from |\n|---|---|\n"
        + block(rows)
        + "\nWhen the work is done, write your results file to the path given in the\n"
        f"environment variable `{results_env}` (set when the task is dispatched).\n\n## 1. Mission\n\n"
        + _from(where["mission"])
        + f"\n\n{tid} — {title}{f', for {t.package_id}' if t.package_id else ''}.\n"
        + (f"\n{description}\n" if description else "")
        + block(mission)
        + "\n## 2. Critical Constraints\n\n"
    ]
    tidy = bool(title)  # an empty title would leave "# H-…: " ending in a space
    tidy = _constraints(t, sources, where, parts) and tidy
    tidy = _architecture(t, sources, where, parts, values) and tidy
    _steps(t, where, parts, values)
    tidy = _package(t, sources, where, parts, values) and tidy
    tidy = _tests(t, where, min_tests, parts, values) and tidy
    tidy = _existing(t, where, parts) and tidy
    tidy = _verification(t, where, parts) and tidy
    _files(t, where, parts, values)
    tidy = _principles(t, sources, where, parts) and tidy
    return finish(parts, tidy and clean(values))


def _from(cited: str) -> str:
    return f"_From: {cited}_" if cited else ""


def _constraints(t: TaskInputs, sources: dict, where: dict, parts: list) -> bool:
    if not sources["constraints"]:
        parts.append("_The spec gives nothing for this section (D1 articles and boundaries, D10 conventions)._\n")
        return True
    articles, tidy = shared_block("articles", t.articles, _article_lines)
    parts += [f"_From: {where['constraints']}_\n\n", articles]
    if not t.articles_named and t.articles:
        parts.append(f"\n{t.task.id} names no article, so every article of the constitution applies.\n")
    if t.boundaries:
        boundaries, ok = shared_block("boundaries", t.boundaries, _boundary_lines)
        parts += ["\nBoundaries:\n", boundaries]
        tidy = tidy and ok
    if t.conventions:
        conventions, ok = shared_block("conventions", t.conventions, _convention_lines)
        parts += ["\nConventions (agent context):\n", conventions]
        tidy = tidy and ok
    return tidy


def _architecture(t: TaskInputs, sources: dict, where: dict, parts: list, values: list) -> bool:
    parts.append("\n## 3. Architecture\n\n")
    if not sources["architecture"]:
        parts.append("_The spec gives nothing for this section (D7 architecture and components)._\n")
        return True
    parts.append(f"_From: {where['architecture']}_\n\n")
    tidy = True
    arch = _piece(t, "architecture")
    if arch is not None:
        parts.append(f"{arch.text}\n\n")
        tidy = _memo("clean piece", arch, _piece_clean)
    if t.components:
        rows = [_memo("component", c, _component_row) for c in t.components]
        values += rows
        parts.append("| Component | File | Responsibility | Implements | Exposes |\n|---|---|---|---|---|\n" + block(rows))
    else:
        parts.append("The plan assigns no component to this task's scenarios or contracts.\n")
    return tidy


def _steps(t: TaskInputs, where: dict, parts: list, values: list) -> None:
    parts.append("\n## 4. Implementation Steps\n\n")
    if t.criteria:
        lines = criteria_lines(t.criteria)
        values += lines
        parts.append(f"{_from(where['steps'])}\n\n{block(lines)}")
    else:
        parts.append("_The spec gives nothing for this section (D8 acceptance criteria)._\n")


def _package(t: TaskInputs, sources: dict, where: dict, parts: list, values: list) -> bool:
    parts.append("\n## 5. Package Plan\n\n")
    if not (sources["package"] or t.package_id):
        parts.append("_The spec gives nothing for this section (D7 technical context and file structure)._\n")
        return True
    deps = depends_lines(t.components)
    values += deps
    parts.append(
        f"{_from(where['package'])}\n\n"
        + (f"- Package: {t.package_id}\n" if t.package_id else "")
        + block(deps)
    )
    tidy = True
    tech = _piece(t, "technical_context")
    if tech is not None:
        parts.append(f"\n{tech.text}\n")
        tidy = _memo("clean piece", tech, _piece_clean)
    order = _piece(t, "file_order")
    if order is not None:
        parts.append(f"\n```text\n{order.text}\n```\n")
        tidy = _piece_clean(order) and tidy  # the task's own lines of the creation order
    return tidy


def _tests(t: TaskInputs, where: dict, min_tests: int, parts: list, values: list) -> bool:
    parts.append("\n## 6. Test Plan\n\n")
    if not t.scenarios:
        parts.append(f"_The spec gives nothing for this section (D2 scenarios for {t.task.id})._\n")
        return True
    tests = []
    for s in t.scenarios:
        text, rows = _memo("scenario rows", s, _scenario_text)
        tests.append(text)
        values += rows
    parts.append(f"{_from(where['tests'])}\n\n{block(tests)}" + (f"\nAt least {min_tests} tests.\n" if min_tests else ""))
    strategy = _piece(t, "testing_strategy")
    if strategy is None:
        return True
    parts.append(f"\nTesting strategy from the plan:\n\n{strategy.text}\n")
    return _memo("clean piece", strategy, _piece_clean)


def _scenario_text(s: Ref) -> tuple[str, list[str]]:
    rows = scenario_rows(s)
    return "\n".join(rows), rows


def _existing(t: TaskInputs, where: dict, parts: list) -> bool:
    parts.append("\n## 7. Existing Code\n\n")
    if not t.existing:
        parts.append("_The spec gives nothing for this section (D10 active components)._\n")
        return True
    existing, tidy = shared_block("existing", t.existing, _existing_lines)
    parts += [f"{_from(where['existing'])}\n\n", existing]
    return tidy


def _verification(t: TaskInputs, where: dict, parts: list) -> bool:
    parts.append("\n## 8. End-to-End Verification\n\n")
    cmds = _piece(t, "commands")
    if cmds is None:
        parts.append("_The spec gives nothing for this section (D10 commands)._\n")
        return True
    parts.append(f"{_from(where['verification'])}\n\n```bash\n{cmds.text}\n```\n")
    return _memo("clean piece", cmds, _piece_clean)


def _files(t: TaskInputs, where: dict, parts: list, values: list) -> None:
    parts.append("\n## 9. Files Summary\n\n")
    if t.files:
        lines = [_file_line(f, t.components) for f in t.files]
        values += lines
        parts.append(f"{_from(where['files'])}\n\n| File | Component |\n|---|---|\n{block(lines)}")
    else:
        parts.append("_The spec gives nothing for this section (D7 file creation order for this task)._\n")


def _principles(t: TaskInputs, sources: dict, where: dict, parts: list) -> bool:
    parts.append("\n## 10. Design Principles\n\n")
    if not sources["principles"]:
        parts.append("_The spec gives nothing for this section (D1 articles and tooling rules)._\n")
        return True
    why, ok = shared_block("why", t.articles, _why_lines)
    tooling, tidy = _memo_all("encoded tooling", (t.tooling, t.tool_rules), _encoded_tooling)
    parts += [f"_From: {where['principles']}_\n\n", why, tooling]
    return ok and tidy


def _encoded_tooling(tooling: tuple[Ref, ...], tool_rules: tuple[Ref, ...]) -> tuple[bytes, bool]:
    return _encoded(_tooling_lines(tooling, tool_rules))


# --- the agent prompt and the expected answers ----------------------------------------


def prompt(t: TaskInputs, hid: str, spec_label: str, docs: dict, qs: list, adversarial: str,
           contract_version: str, handoff_path: str) -> bytes:
    """What `render(PROMPT, ...)` gives for the shipped prompt template (with `mandatory_rules(t)`).

    When tidy, it holds no run of blank lines: every line a value makes has
    text, and the optional ones sit between lines the template always prints.
    """
    tid, title = t.task.id, t.task.title
    rules, tidy, any_rule = _memo_all("rules block", (t.articles, t.boundaries, t.tooling, t.tool_rules), _rules_block)
    verification, adversarial_lines = [], []
    for number, _, text, _, _ in qs:
        (verification if number <= 10 else adversarial_lines).append(f"{number}. {text}")
    values = [spec_label, docs["D8"], tid, t.spec_name, hid, title, contract_version, handoff_path, adversarial,
              *verification, *adversarial_lines]
    parts = [
        f"<!-- generated from {spec_label}/{docs['D8']} ({tid}); do not edit -->\n"
        f"You are the builder agent for task {tid} of {t.spec_name}. A builder handoff describes the task.\n\n"
        f"**Agent: {hid}**",
        f" — {title}\n",  # apart, so that only this line is encoded from wide characters
        f"**Prompt contract version: {contract_version}**\n\n"
        "Read the handoff, answer the 13 questions below (10 on the task, 3 adversarial), then stop and wait for approval.\n\n"
        f"**Handoff:** `{handoff_path}`\n\n**Mandatory rules (from this spec):**\n",
        rules,
        ("" if any_rule else "_This spec states no rule of its own._\n")
        + "\n**Answer every question before you write any code.**\n\nVerification (10):\n"
        + block(verification)
        + f"\nAdversarial (3, {adversarial} set):\n"
        + block(adversarial_lines)
        + "\n**Stop once all 13 are answered.** Do not create files, write tests or start on code until a reviewer "
        "has read your answers and says to go ahead.\n",
    ]
    tidy = tidy and bool(title) and clean(values)  # an empty title would end "— " in a space
    return finish(parts, tidy, runs=False)


def _rules_block(articles: tuple, boundaries: tuple, tooling: tuple, tool_rules: tuple) -> tuple[bytes, bool, bool]:
    """(the numbered rules in UTF-8, whether they are clean, whether there is any)."""
    ruled = [f"{n}. {r}" for n, r in enumerate(rules_of(articles, boundaries, tooling, tool_rules), 1)]
    return block(ruled).encode("utf-8"), clean(ruled), bool(ruled)


def answers(t: TaskInputs, hid: str, spec_label: str, docs: dict, qs: list, prompt_path: str) -> bytes:
    """What `render(ANSWERS, ...)` gives for the shipped expected answers template.

    When tidy, a run of blank lines only comes from a question without text
    or without answers: every other line a value makes has text.
    """
    tid = t.task.id
    values = [spec_label, docs["D8"], tid, hid, prompt_path]
    parts: list = [
        f"<!-- generated from {spec_label}/{docs['D8']} ({tid}); do not edit -->\n"
        f"# {hid}: expected answers (reviewer only)\n\n"
        f"For the reviewer of `{prompt_path}`. Each answer is taken from the spec; the places are cited.\n\n"
    ]
    tidy, runs = True, False
    for number, category, text, answer, sources in qs:  # as the template's loop prints each, then its block's line feed
        category = category.capitalize()
        cited = places(sources) if sources else ""
        parts.append(
            f"## {number}. {category}\n\n{text}\n\n" + ("- " + "\n- ".join(answer) if answer else "")
            + (f"\n\n_From: {cited}_\n\n" if cited else "\n\n")
        )
        values += [category, text, cited, *answer]
        # an empty category or answer would leave "## 1. " or "- " ending in a space; a number that is
        # not an int is not checked
        tidy = tidy and bool(category) and all(answer) and number.__class__ is int
        runs = runs or not text or not answer
    return finish(parts, tidy and clean(values), runs)
