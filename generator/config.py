"""Project configuration: `factory.toml`, a typed schema with defaults.

A missing file means all defaults; an unknown key or a wrong type is a
usage error naming the file and line, never a silent default. Read with
tomlkit so `factory` can later edit the file in place without losing comments.

    [project]
    specs = ["specs/inkwell"]     # spec directories to compile
    handoffs = "handoffs"         # spec-derived, git-tracked output tree
    runs = "runs"                 # runtime state (ledgers, results, reports)
    workspaces = "workspaces"     # where agents build (outside every other tree)
    site = "site"                 # static report site
    templates = ""                # optional overlay directory of templates

    [prompt]
    adversarial = "genesis"       # or "infrastructure"

    [dispatch]
    backend = "claude"            # or "command"
    command = []                  # argv template for backend = "command"
    jobs = 0                      # 0: a sensible number for this machine
    timeout = 1800                # seconds per agent turn
    retries = 2                   # for infrastructure failures only
    backoff = 2.0                 # seconds, doubled per retry
    gate = "auto"                 # "auto" | "manual" | "off"
    workspace = "plain"           # "plain" | "worktree"
    target_repo = ""              # for workspace = "worktree"
    claude_args = []              # extra arguments for claude, e.g. ["--permission-mode", "acceptEdits"]
    approval_wait = 0             # seconds an idle run waits for `factory approve` (-1: forever)

    [holdout]
    step_timeout = 120
    scenario_timeout = 600
    stop_on_p0_failure = true
    env_allow = []                # environment variables passed to holdouts
    evaluator = []                # argv of an evaluator for behavioural holdouts
    output_cap = 65536            # bytes kept of each stream
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from generator.errors import UsageError

CONFIG_NAME = "factory.toml"


@dataclass
class ProjectConfig:
    specs: list[str] = field(default_factory=list)
    handoffs: str = "handoffs"
    runs: str = "runs"
    workspaces: str = "workspaces"
    site: str = "site"
    templates: str = ""


@dataclass
class PromptConfig:
    adversarial: str = "genesis"


@dataclass
class DispatchConfig:
    backend: str = "claude"
    command: list[str] = field(default_factory=list)
    jobs: int = 0
    timeout: float = 1800.0
    retries: int = 2
    backoff: float = 2.0
    gate: str = "auto"
    workspace: str = "plain"
    target_repo: str = ""
    claude_args: list[str] = field(default_factory=list)
    approval_wait: float = 0.0


@dataclass
class HoldoutConfig:
    step_timeout: float = 120.0
    scenario_timeout: float = 600.0
    stop_on_p0_failure: bool = True
    env_allow: list[str] = field(default_factory=list)
    evaluator: list[str] = field(default_factory=list)
    output_cap: int = 65536


@dataclass
class Config:
    root: Path = field(default_factory=Path.cwd)  # directory holding factory.toml
    path: Path | None = None  # the file read, if any
    project: ProjectConfig = field(default_factory=ProjectConfig)
    prompt: PromptConfig = field(default_factory=PromptConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    holdout: HoldoutConfig = field(default_factory=HoldoutConfig)

    def resolve(self, rel: str) -> Path:
        """A path from the config, relative to the config's directory."""
        p = Path(rel)
        return p if p.is_absolute() else self.root / p

    @property
    def spec_dirs(self) -> list[Path]:
        return [self.resolve(s) for s in self.project.specs]


_ENUMS = {
    ("prompt", "adversarial"): ("genesis", "infrastructure"),
    ("dispatch", "backend"): ("claude", "command"),
    ("dispatch", "gate"): ("auto", "manual", "off"),
    ("dispatch", "workspace"): ("plain", "worktree"),
}


def _coerce(where: str, key: str, value: Any, typ: Any) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if typ == list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        raise UsageError(f"{where}: '{key}' must be a list of strings")
    base = {str: str, int: int, float: float, bool: bool}.get(typ)
    if base is None or not isinstance(value, base) or (base is int and isinstance(value, bool)):
        name = getattr(typ, "__name__", str(typ))
        raise UsageError(f"{where}: '{key}' must be a {name}, not {type(value).__name__}")
    return base(value)


def _line_of(text: str, table: str, key: str) -> int:
    """Best-effort line of `key` inside `[table]` for error messages."""
    current = ""
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            current = s.strip("[]").strip()
        elif current == table and s.split("=", 1)[0].strip() == key:
            return n
    return 0


def load_config(start: Path | None = None, path: Path | None = None) -> Config:
    """Read `factory.toml` from `path`, or from `start` (default: cwd).

    Missing file: defaults, rooted at `start`.
    """
    import tomlkit

    root = (start or Path.cwd()).resolve()
    cfg_path = path or root / CONFIG_NAME
    cfg = Config(root=cfg_path.parent.resolve() if path else root)
    if not cfg_path.is_file():
        if path:
            raise UsageError(f"{path}: configuration file not found")
        return cfg
    text = cfg_path.read_text(encoding="utf-8")
    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception as exc:  # tomlkit raises its own ParseError subclasses
        raise UsageError(f"{cfg_path}: {exc}") from None
    cfg.path = cfg_path
    sections = {f.name: f for f in dataclasses.fields(Config) if f.name not in ("root", "path")}
    for table, values in doc.items():
        if table not in sections:
            raise UsageError(f"{cfg_path}:{_line_of(text, table, '') or 1}: unknown table [{table}]")
        if not isinstance(values, dict):
            raise UsageError(f"{cfg_path}: [{table}] must be a table")
        obj = getattr(cfg, table)
        hints = get_type_hints(type(obj))
        for key, value in values.items():
            where = f"{cfg_path}:{_line_of(text, table, key)}"
            if key not in hints:
                raise UsageError(f"{where}: unknown key '{key}' in [{table}]")
            value = _coerce(where, key, value, hints[key])
            allowed = _ENUMS.get((table, key))
            if allowed and value not in allowed:
                raise UsageError(f"{where}: '{key}' must be one of {', '.join(allowed)}, not {value!r}")
            setattr(obj, key, value)
    return cfg
