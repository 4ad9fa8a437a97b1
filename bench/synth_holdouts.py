"""D9 for synthetic specs: legacy executable holdouts and a coverage matrix.

The bash steps are trivial and fast (they only look at the install root), so
a holdout run over thousands of scenarios measures the runner, not the steps.
Wording comes from the holdout vocabulary only.
"""

from __future__ import annotations

from synth_docs import DATE, VERSION
from synth_plan import Plan
from synth_style import STYLES

SETUP = 'tide_dir="$(mktemp -d)"'
EXECUTE = 'ls -a "$FACTORY_INSTALL_ROOT" > "$tide_dir/manifest.txt"'
VERIFY = 'test -d "$FACTORY_INSTALL_ROOT" && test -f "$tide_dir/manifest.txt"'
CLEANUP = 'rm -rf "$tide_dir"'


def _bash(label: str, line: str) -> list[str]:
    return [f"**{label}:**", "```bash", line, "```", ""]


def render_d9(p: Plan) -> str:
    st = STYLES[p.style]
    out = st.h1("D9", "Holdout Scenarios", p.name) + st.meta(
        [("Component", p.name), ("Spec Version", VERSION), ("Contracts", f"D4 v{VERSION}"), ("Status", "Final"),
         ("Author", "dockside review crew"), ("Last Run", "Not yet executed")])
    out += ["## Scenarios", ""]
    for h in p.holdouts:
        out += [f"### {h.id}: {h.title}", "", "```yaml", f"component: {p.name}",
                f"scenario: tide-{h.id.lower()}", f"priority: {h.priority}", "```", "",
                f"**Validates:** D2 {', '.join(h.validates)}", f"**Contracts:** D4 {', '.join(h.contracts)}",
                f"**Type:** {h.kind}", ""]
        out += _bash("Setup", SETUP) + _bash("Execute", EXECUTE) + _bash("Verify", VERIFY) + _bash("Cleanup", CLEANUP)
    covered: dict[str, list[str]] = {}
    for h in p.holdouts:
        for sid in h.validates:
            covered.setdefault(sid, []).append(h.id)
    out += ["## Scenario Coverage Matrix", "", "| D2 Scenario | Priority | Holdout Coverage | Notes |",
            "|---|---|---|---|"]
    for s in p.scenarios:
        hs = covered.get(s.id)
        note = "checked by the dockside probe" if hs else "left to the harbour master"
        out.append(f"| {s.id} | {s.priority} | {', '.join(hs) if hs else '—'} | {note} |")
    out += ["", "## Run Protocol", "", "**When:** once the crew reports the hull finished",
            "**Order:** P0 first, then P1, then P2", "**Threshold:** every P0 and P1 sounding passes",
            f"**On failure:** log the sounding against its task ({DATE})"]
    return "\n".join(out) + "\n"
