"""The two format generations as small writing primitives.

"full": bold `**Key:** value` metadata and fields, `#### ID: Title` items,
bold GIVEN/WHEN/THEN lines, GFM tables. "compressed": a `Meta:` line,
`- Key: value` fields, em-dash headings or bare id lines, one-line
GIVEN/WHEN/THEN, tables without a separator row.
"""

from __future__ import annotations

from collections.abc import Sequence


class Full:
    name = "full"

    def h1(self, code: str, doc: str, component: str) -> list[str]:
        return [f"# {code}: {doc} — {component}", ""]

    def meta(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        return [f"**{k}:** {v}" for k, v in pairs] + ["", "---", ""]

    def item(self, level: int, ident: str, title: str, *, bare: bool = False) -> list[str]:
        return [f"{'#' * level} {ident}: {title}", ""]

    def field(self, key: str, value: str) -> str:
        return f"**{key}:** {value}"

    def gwt(self, given: str, when: str, then: str) -> list[str]:
        return [f"**GIVEN** {given}", f"**WHEN** {when}", f"**THEN** {then}"]

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return out + ["| " + " | ".join(r) + " |" for r in rows]

    def numbered(self, key: str, items: Sequence[str]) -> list[str]:
        return [f"**{key}:**"] + [f"- {x}" for x in items]

    def phase_heading(self, n: int, name: str) -> list[str]:
        return [f"## Phase {n}: {name}", ""]


class Compressed(Full):
    name = "compressed"

    def meta(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        return ["Meta: " + " | ".join(f"{k.lower()}:{v}" for k, v in pairs), ""]

    def item(self, level: int, ident: str, title: str, *, bare: bool = False) -> list[str]:
        if bare:
            return [f"{ident} {title}".rstrip()]
        return [f"{'#' * level} {ident} — {title}"]

    def field(self, key: str, value: str) -> str:
        return f"- {key}: {value}"

    def gwt(self, given: str, when: str, then: str) -> list[str]:
        return [f"- GIVEN {given} WHEN {when} THEN {then}"]

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
        return ["| " + " | ".join(header) + " |"] + ["| " + " | ".join(r) + " |" for r in rows]

    def numbered(self, key: str, items: Sequence[str]) -> list[str]:
        return [f"- {key}:"] + [f"  {i}. {x}" for i, x in enumerate(items, 1)]

    def phase_heading(self, n: int, name: str) -> list[str]:
        return []  # the phase lives in each task's Phase field


STYLES = {"full": Full(), "compressed": Compressed()}
