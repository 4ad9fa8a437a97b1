"""Compile a spec into handoffs, prompts, expected answers, TOML facets and an index.

The core is pure (spec in, `{relative path: bytes}` out); `leakguard` checks
the result before `generator.output.write_tree` puts it on disk. Names are
imported on first use, so a no-op build that only needs `templating` does
not pay for the compiler's imports.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CONTRACT_VERSION": "core",
    "PARTS": "core",
    "CompileOptions": "core",
    "compile_shared": "core",
    "compile_spec": "core",
    "compile_task": "core",
    "TaskInputs": "inputs",
    "handoff_id": "inputs",
    "task_inputs": "inputs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"generator.compile.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'generator.compile' has no attribute {name!r}")
