"""Tolerant readers for the site's inputs: TOML and JSON that may be absent or odd.

The report must render whatever a run left behind (an interrupted run has no
report, an old run may lack keys), so every reader returns plain values and a
list of notes instead of raising.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, notes: list[str]) -> dict[str, Any]:
    """The file's table, or {} with a note when it is missing or unreadable."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        notes.append(f"{path.name} could not be read: {exc}")
        return {}


def read_json(path: Path, notes: list[str]) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        notes.append(f"{path.name} could not be read: {exc}")
        return None


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return None


def rows(doc: Any, *keys: str) -> list[dict[str, Any]]:
    """The array of tables under the first present key, or under any key.

    Facet files hold one array of tables; its key name is the writer's
    choice, so fall back to whichever list of tables the file holds.
    """
    if not isinstance(doc, dict):
        return []
    for k in keys:
        v = doc.get(k)
        if isinstance(v, list):
            return [r for r in v if isinstance(r, dict)]
    for v in doc.values():
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            return v
    return []


def pick(row: dict[str, Any], *keys: str) -> Any:
    """The first present, non-empty value among `keys`."""
    for k in keys:
        v = row.get(k)
        if v not in (None, "", []):
            return v
    return None


def as_str(v: Any) -> str:
    if v is None or isinstance(v, (dict, list)):
        return ""
    return str(v)


def as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(float(v))
        except ValueError:
            return None
    return None


def as_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def as_list(v: Any) -> list[str]:
    """A list of strings from a list, a comma-separated string or nothing."""
    if v is None:
        return []
    if isinstance(v, str):
        return [p.strip() for p in v.split(",") if p.strip()]
    if isinstance(v, list):
        return [str(x) for x in v if isinstance(x, (str, int)) and str(x).strip()]
    return []
