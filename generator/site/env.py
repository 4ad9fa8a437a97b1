"""The Jinja2 environment for site pages: overlay first, defaults second.

A project overrides any page, partial or asset by putting a file of the same
name in `<templates overlay>/site/`. Autoescape is on for everything.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from generator.site.timeline import fmt_ms

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "site"

NOT_RECORDED = "not recorded"

SYMBOLS = {
    "COMPLETED": "✓", "PASS": "✓", "ACCEPT": "✓",
    "FAILED": "✗", "FAIL": "✗", "REJECT": "✗", "DISPATCH_FAILED": "✗",
    "ERROR": "!", "BLOCKED": "⊘", "AWAITING_APPROVAL": "?", "INTERRUPTED": "‖",
    "PARTIAL": "◐", "NOT RUN": "·", "DISPATCHED": "…",
}


def _nr(value: object) -> object:
    return NOT_RECORDED if value is None or value == "" else value


def _num(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(_nr(value))


def _money(value: object) -> str:
    return f"${value:,.4f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else NOT_RECORDED


def _ms(value: object) -> str:
    return fmt_ms(value) if isinstance(value, int) else NOT_RECORDED


def _cls(status: object) -> str:
    s = str(status or "unknown").lower().replace(" ", "-").replace("_", "-")
    return "st-" + s


def _sym(status: object) -> str:
    return SYMBOLS.get(str(status or ""), "•")


def make_env(overlay: Path | None = None) -> Environment:
    loaders = []
    if overlay is not None and (overlay / "site").is_dir():
        loaders.append(FileSystemLoader(str(overlay / "site")))
    loaders.append(FileSystemLoader(str(DEFAULT_TEMPLATES)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(nr=_nr, num=_num, money=_money, ms=_ms, cls=_cls, sym=_sym)
    return env
