"""Agent backends: how one turn of one task becomes an argv.

`claude`: Claude Code in print mode with JSON output (`claude -p MESSAGE
--output-format json`, the build turn adds `--resume SESSION`). `command`: any
agent, from the argv template `[dispatch] command` in factory.toml, whose
placeholders are filled per turn (see PLACEHOLDERS). Either way, if the agent's
stdout holds a JSON object (the last line that parses as one), its
`session_id`, `usage` (input + output tokens) and `total_cost_usd` are kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.config import DispatchConfig
from generator.errors import UsageError

PLACEHOLDERS = ("prompt_path", "handoff_path", "workspace", "results_path", "task_id",
                "handoff_id", "turn", "session_id", "message", "message_path")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


@dataclass
class Turn:
    """Everything a backend may put on an agent's command line for one turn."""

    task_id: str
    handoff_id: str
    turn: str  # "gate" | "build"
    workspace: Path
    handoff_path: Path  # the copies inside the workspace
    prompt_path: Path
    results_path: Path
    message: str  # what the agent is told this turn
    message_path: Path
    session_id: str = ""

    def values(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in PLACEHOLDERS}


@dataclass
class AgentReport:
    """What the agent's machine-readable output said, when it said anything."""

    session_id: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    text: str = ""  # the agent's answer ("result" field, else the raw output)
    is_error: bool = False


class Backend:
    name = "base"

    def argv(self, turn: Turn) -> list[str]:
        raise NotImplementedError

    def program(self) -> str | None:
        """The executable this backend starts, when it is known before a turn is built."""
        return None


class ClaudeBackend(Backend):
    name = "claude"

    def __init__(self, extra_args: list[str] | None = None, exe: str | None = None):
        self.exe = exe or os.environ.get("FACTORY_CLAUDE_PATH") or shutil.which("claude") or "claude"
        self.extra = list(extra_args or [])

    def program(self) -> str | None:
        return self.exe

    def argv(self, turn: Turn) -> list[str]:
        argv = [self.exe, "-p", turn.message, "--output-format", "json", *self.extra]
        if turn.session_id:
            argv += ["--resume", turn.session_id]
        return argv


class CommandBackend(Backend):
    name = "command"

    def __init__(self, template: list[str]):
        if not template:
            raise UsageError("[dispatch] backend = \"command\" needs a command = [...] argv template")
        for arg in template:
            for name in _PLACEHOLDER_RE.findall(arg):
                if name not in PLACEHOLDERS:
                    raise UsageError(f"[dispatch] command: unknown placeholder {{{name}}} "
                                     f"(known: {', '.join(PLACEHOLDERS)})")
        self.template = list(template)

    def program(self) -> str | None:
        first = self.template[0]
        return None if _PLACEHOLDER_RE.search(first) else first

    def argv(self, turn: Turn) -> list[str]:
        values = turn.values()
        return [_PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], a) for a in self.template]


def make_backend(cfg: DispatchConfig) -> Backend:
    if cfg.backend == "command":
        return CommandBackend(cfg.command)
    if cfg.backend == "claude":
        return ClaudeBackend(cfg.claude_args)
    raise UsageError(f"unknown dispatch backend {cfg.backend!r}")


def _last_json_object(text: str) -> dict | None:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
    for line in reversed(stripped.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    return None


def parse_output(text: str) -> AgentReport:
    """Session id, tokens and cost from the agent's stdout, where it gives them."""
    obj = _last_json_object(text)
    if obj is None:
        return AgentReport(text=text)
    rep = AgentReport(text=str(obj["result"]) if isinstance(obj.get("result"), str) else text)
    if isinstance(obj.get("session_id"), str):
        rep.session_id = obj["session_id"]
    usage = obj.get("usage")
    if isinstance(usage, dict):
        counts = [usage.get(k) for k in ("input_tokens", "output_tokens")]
        ints = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
        rep.tokens = sum(ints) if ints else None
    cost = obj.get("total_cost_usd")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        rep.cost_usd = float(cost)
    rep.is_error = obj.get("is_error") is True
    return rep
