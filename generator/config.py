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
import re
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


# Lowest allowed value of numeric keys (inclusive); 0 timeouts would kill every step.
_MINIMUM = {
    ("dispatch", "jobs"): (0, "0 (a sensible number for this machine) or more"),
    ("dispatch", "timeout"): (1, "at least 1 second"),
    ("dispatch", "retries"): (0, "0 or more"),
    ("dispatch", "backoff"): (0, "0 or more seconds"),
    ("dispatch", "approval_wait"): (-1, "-1 (wait forever), 0 or more seconds"),
    ("holdout", "step_timeout"): (1, "at least 1 second"),
    ("holdout", "scenario_timeout"): (1, "at least 1 second"),
    ("holdout", "output_cap"): (1024, "at least 1024 bytes"),
}

_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}

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
    if base is None or not isinstance(value, base) or (base in (int, float) and isinstance(value, bool)):
        want = _TYPE_WORDS.get(typ, getattr(typ, "__name__", str(typ)))
        raise UsageError(f"{where}: '{key}' must be {want}, not {_toml_kind(value)}")
    return base(value)


def _toml_kind(value: Any) -> str:
    """How a TOML user would name the value's type."""
    for typ, word in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                      (list, "an array"), (dict, "a table")):
        if isinstance(value, typ):
            return word
    return type(value).__name__


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


def _table_line(text: str, table: str) -> int:
    """Line where `[table]` (or a top-level `table = ...` / `table.key = ...`) first appears."""
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("[") and s.strip("[]").strip() == table:
            return n
        if not s.startswith("[") and s.split("=", 1)[0].strip().split(".")[0].strip() == table:
            return n
    return 1


def _parse_toml(text: str) -> dict:
    """The TOML document as plain values. The standard library's reader (quick to
    import, on every command's path) reads valid files; what it refuses is read by
    tomlkit, whose messages say where the file is wrong."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        import tomlkit

        return tomlkit.parse(text).unwrap()


def load_config(start: Path | None = None, path: Path | None = None) -> Config:
    """Read `factory.toml` from `path`, or from `start` (default: cwd).

    Missing file: defaults, rooted at `start`.
    """
    root = (start or Path.cwd()).resolve()
    cfg_path = path or root / CONFIG_NAME
    cfg = Config(root=cfg_path.parent.resolve() if path else root)
    if not cfg_path.is_file():
        if path:
            raise UsageError(f"{path}: configuration file not found")
        return cfg
    try:
        text = cfg_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{cfg_path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from None
    except OSError as exc:
        raise UsageError(f"{cfg_path}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = _parse_toml(text)
    except Exception as exc:  # tomlkit raises its own ParseError subclasses
        line = getattr(exc, "line", 0)
        msg = re.sub(r" at line \d+ col \d+$", "", str(exc))
        where = f"{cfg_path}:{line}" if line else str(cfg_path)
        raise UsageError(f"{where}: invalid TOML: {msg}") from None
    cfg.path = cfg_path
    sections = {f.name: f for f in dataclasses.fields(Config) if f.name not in ("root", "path")}
    for table, values in doc.items():
        if table not in sections:
            known = ", ".join(f"[{t}]" for t in sections)
            if not isinstance(values, dict):
                raise UsageError(f"{cfg_path}:{_table_line(text, table)}: unknown top-level key '{table}'; "
                                 f"settings belong in a table ({known})")
            raise UsageError(f"{cfg_path}:{_table_line(text, table)}: unknown table [{table}] (known: {known})")
        if not isinstance(values, dict):
            raise UsageError(f"{cfg_path}:{_table_line(text, table)}: [{table}] must be a table")
        obj = getattr(cfg, table)
        hints = get_type_hints(type(obj))
        for key, value in values.items():
            where = f"{cfg_path}:{_line_of(text, table, key)}"
            if key not in hints:
                raise UsageError(f"{where}: unknown key '{key}' in [{table}] (known: {', '.join(hints)})")
            value = _coerce(where, key, value, hints[key])
            allowed = _ENUMS.get((table, key))
            if allowed and value not in allowed:
                raise UsageError(f"{where}: '{key}' must be one of {', '.join(allowed)}, not {value!r}")
            low = _MINIMUM.get((table, key))
            if low and value < low[0]:
                raise UsageError(f"{where}: '{key}' must be {low[1]}, not {value!r}")
            setattr(obj, key, value)
    return cfg
