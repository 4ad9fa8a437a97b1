"""TOML text for the facets, written directly for speed.

tomlkit builds a full document model per value, which costs seconds on a
2,000-task spec; facets have a fixed, simple shape (scalars, string arrays,
tables, arrays of tables), so they are written here and read back with
tomlkit or tomllib like any TOML. Strings use JSON escaping, which is a
subset of TOML basic-string escaping.
"""

from __future__ import annotations

from json.encoder import encode_basestring as _enc
from typing import Any


def _string(v: str) -> str:
    """A TOML basic string: JSON escaping (the C encoder), plus DEL, which TOML forbids raw."""
    out = _enc(v)
    return out.replace("\x7f", "\\u007f") if "\x7f" in out else out


def _array(v: list | tuple) -> str:
    """An array, one item per line when there are two or more.

    Strings (the usual items) go through the C encoder in one pass; DEL can
    only occur inside a string, so it is escaped once over the whole text.
    """
    if len(v) <= 1:  # most arrays of a task's files hold one id or place, or none
        if not v:
            return "[]"
        out = f"[{_enc(v[0]) if v[0].__class__ is str else _value(v[0])}]"
        return out.replace("\x7f", "\\u007f") if "\x7f" in out else out
    try:
        items = list(map(_enc, v))
    except TypeError:  # not all strings
        items = [_value(x) for x in v]
    out = "[\n    " + ",\n    ".join(items) + ",\n]"
    return out.replace("\x7f", "\\u007f") if "\x7f" in out else out


def _value(v: Any) -> str:
    c = v.__class__
    if c is str:
        return _string(v)
    if c is list or c is tuple:
        return _array(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return _array(v)
    raise TypeError(f"cannot write {type(v).__name__} to a facet")


def _is_aot(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict) and all(isinstance(x, dict) for x in v)


def _split(d: dict[str, Any]) -> tuple[list[str], list[tuple[str, dict]], list[tuple[str, list]]]:
    """(`key = value` lines, [tables], [[arrays of tables]]) of one table, each in key order."""
    pairs: list[str] = []
    tables: list[tuple[str, dict]] = []
    aots: list[tuple[str, list]] = []
    for k, v in d.items():
        c = v.__class__
        if c is str:
            out = _enc(v)
            if "\x7f" in out:
                out = out.replace("\x7f", "\\u007f")
            pairs.append(f"{k} = {out}")
        elif c is dict:
            tables.append((k, v))
        elif c is int:
            pairs.append(f"{k} = {v}")
        elif c is list and v and isinstance(v[0], dict) and _is_aot(v):
            aots.append((k, v))
        elif c is list or c is tuple:
            pairs.append(f"{k} = {_array(v)}")
        elif _is_aot(v):
            aots.append((k, v))
        else:
            if isinstance(v, dict):
                tables.append((k, v))  # a dict subclass: a table, as before
            pairs.append(f"{k} = {_value(v)}")
    return pairs, tables, aots


def _pairs(d: dict[str, Any]) -> list[str]:
    return _split(d)[0]


def dumps(doc: dict[str, Any]) -> bytes:
    """Scalars first, then [tables], then [[arrays of tables]]; one final newline."""
    lines, tables, aots = _split(doc)
    for k, v in tables:
        lines += ["", f"[{k}]", *_pairs(v)]
    for k, v in aots:
        for row in v:
            lines += ["", f"[[{k}]]", *_pairs(row)]
    return ("\n".join(lines).strip("\n") + "\n").encode("utf-8")


def aot_row(key: str, names: tuple[str, ...], values: tuple) -> str:
    """One `[[key]]` row (`names` → `values`) as text without a final newline:
    `dumps({key: [dict(zip(names, values))]})`, stripped.

    Rows of plain cells (strings, integers, arrays) fill one format per key
    order, rather than being split into typed `key = value` lines one by one.
    """
    cells = _cells(values)
    if cells is not None:
        fmt = _ROW_FORMATS.get((key, names))
        if fmt is None:
            fmt = _ROW_FORMATS[key, names] = _row_format(key, names)
        text = fmt.format(*cells)
        if "\x7f" not in text:  # DEL, which TOML forbids raw, goes the long way
            return text
    return "\n".join([f"[[{key}]]", *_split(dict(zip(names, values)))[0]])


def aot_rows(key: str, names: tuple[str, ...], rows: list[tuple]) -> str | None:
    """`"\\n\\n".join(aot_row(key, names, r) for r in rows)`, written column by column,
    or None when the rows must go one by one (a cell that is not a string, integer
    or array of scalars, or DEL in a string).

    Each column's cells become TOML in one pass (strings through the C encoder,
    integers through `str`, arrays through `_array`), and the rows are filled
    from one %-format, without a Python step per row.
    """
    if not rows:
        return ""
    if not names or set(map(len, rows)) != {len(names)}:
        return None
    cols = [_column(c) for c in zip(*rows)]
    if None in cols:
        return None
    fmt = _PERCENT_FORMATS.get((key, names))
    if fmt is None:
        fmt = _PERCENT_FORMATS[key, names] = _percent_format(key, names)
    text = "\n\n".join(map(fmt.__mod__, zip(*cols)))
    return text if "\x7f" not in text else None


def _column(cells: tuple) -> list[str] | None:
    """The cells of one column as TOML (as `_cells` writes each), or None."""
    try:
        return list(map(_enc, cells))  # the usual column: strings only
    except TypeError:
        pass
    if set(map(type, cells)) == {int}:
        return list(map(str, cells))
    return _mixed_cells(cells)


_PERCENT_FORMATS: dict[tuple[str, tuple[str, ...]], str] = {}


def _percent_format(key: str, names: tuple[str, ...]) -> str:
    def lit(s: str) -> str:
        return s.replace("%", "%%")

    return "\n".join([f"[[{lit(key)}]]", *[f"{lit(k)} = %s" for k in names]])


_ROW_FORMATS: dict[tuple[str, tuple[str, ...]], str] = {}


def _row_format(key: str, names: tuple[str, ...]) -> str:
    def lit(s: str) -> str:
        return s.replace("{", "{{").replace("}", "}}")

    return "\n".join([f"[[{lit(key)}]]", *[f"{lit(k)} = {{}}" for k in names]])


def _cells(values: tuple) -> list[str] | None:
    """The values as TOML, or None when one is not a string, integer or array of scalars."""
    try:
        return list(map(_enc, values))  # the usual rows: strings only, one C pass
    except TypeError:
        return _mixed_cells(values)


def _mixed_cells(values) -> list[str] | None:
    """`_cells` one value at a time, for values that are not all strings."""
    out = []
    for v in values:
        c = v.__class__
        if c is str:
            out.append(_enc(v))
        elif c is int:
            out.append(str(v))
        elif (c is list or c is tuple) and not (v and v[0].__class__ is dict):
            out.append(_array(v))
        else:
            return None
    return out
