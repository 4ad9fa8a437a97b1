"""Compile a spec into handoffs, prompts, expected answers, TOML facets and an index.

The core is pure (spec in, `{relative path: bytes}` out); `leakguard` checks
the result before `generator.output.write_tree` puts it on disk.
"""

from generator.compile.core import CONTRACT_VERSION, PARTS, CompileOptions, compile_shared, compile_spec, compile_task
from generator.compile.inputs import TaskInputs, handoff_id, task_inputs

__all__ = [
    "CONTRACT_VERSION",
    "PARTS",
    "CompileOptions",
    "TaskInputs",
    "compile_shared",
    "compile_spec",
    "compile_task",
    "handoff_id",
    "task_inputs",
]
