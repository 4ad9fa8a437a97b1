"""TOML text for the facets, written directly for speed.

tomlkit builds a full document model per value, which costs seconds on a
2,000-task spec; facets have a fixed, simple shape (scalars, string arrays,
tables, arrays of tables), so they are written here and read back with
tomlkit or tomllib like any TOML. Strings use JSON escaping, which is a
subset of TOML basic-string escaping.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any


def _string(v: str) -> str:
    """A TOML basic string: JSON escaping (the C encoder), plus DEL, which TOML forbids raw."""
    out = encode_basestring(v)
    return out.replace("\x7f", "\\u007f") if "\x7f" in out else out


def _value(v: Any) -> str:
    if v.__class__ is str:
        return _string(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        items = [_value(x) for x in v]
        if len(items) <= 1:
            return f"[{', '.join(items)}]"
        return "[\n" + "".join(f"    {x},\n" for x in items) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to a facet")


def _pairs(d: dict[str, Any]) -> list[str]:
    out = []
    for k, v in d.items():
        c = v.__class__
        if c is str:
            out.append(f"{k} = {_string(v)}")
        elif c is dict or _is_aot(v):
            continue
        else:
            out.append(f"{k} = {_value(v)}")
    return out


def _is_aot(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def dumps(doc: dict[str, Any]) -> bytes:
    """Scalars first, then [tables], then [[arrays of tables]]; one final newline."""
    lines = _pairs(doc)
    for k, v in doc.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]", *_pairs(v)]
    for k, v in doc.items():
        if _is_aot(v):
            for row in v:
                lines += ["", f"[[{k}]]", *_pairs(row)]
    return ("\n".join(lines).strip("\n") + "\n").encode("utf-8")
