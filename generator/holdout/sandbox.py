"""Where a holdout runs: a fresh scratch directory and a minimal environment.

Each scenario gets its own temporary base directory holding `scratch/` (the
working directory, HOME and TMPDIR of the scenario) and `ctl/` (the runner's
own files: step scripts, captured output, control pipes). The environment is
built from nothing: PATH, a fixed UTF-8 locale, the FACTORY_* variables and
only the operator variables named in `[holdout] env_allow`, so secrets in
the operator's shell never reach a scenario.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
LOCALE = "C.UTF-8"


@dataclass
class Sandbox:
    base: Path
    scratch: Path
    ctl: Path

    @classmethod
    def create(cls, holdout_id: str) -> "Sandbox":
        base = Path(tempfile.mkdtemp(prefix=f"factory-{holdout_id}-"))
        scratch, ctl = base / "scratch", base / "ctl"
        scratch.mkdir()
        ctl.mkdir()
        return cls(base=base, scratch=scratch, ctl=ctl)

    def remove(self) -> None:
        """Delete everything, also files a scenario made read-only."""
        remove_tree(self.base)


def remove_tree(path: Path) -> None:
    def _retry(func, p, _exc):  # noqa: ANN001 - shutil's callback shape
        try:
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=_retry)


def holdout_env(install_root: Path, scratch: Path, allow: list[str],
                extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment a holdout step or evaluator sees."""
    env = {
        "PATH": os.environ.get("PATH") or DEFAULT_PATH,
        "LANG": LOCALE,
        "LC_ALL": LOCALE,
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
    }
    for name in allow:
        if name in os.environ:
            env[name] = os.environ[name]
    env["FACTORY_INSTALL_ROOT"] = str(install_root)
    env["FACTORY_SCRATCH"] = str(scratch)
    env.update(extra or {})
    return env


def read_capped(path: Path, cap: int) -> str:
    """A file's text, at most `cap` bytes of it: its head and tail around a marker.

    Only the kept bytes are ever read into memory.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return ""
    with open(path, "rb") as fh:
        if size <= cap:
            data = fh.read()
            return data.decode("utf-8", errors="replace")
        head_n = cap // 2
        tail_n = cap - head_n
        head = fh.read(head_n)
        fh.seek(size - tail_n)
        tail = fh.read(tail_n)
    omitted = size - head_n - tail_n
    return (head.decode("utf-8", errors="replace")
            + f"\n[... {omitted} bytes omitted ...]\n"
            + tail.decode("utf-8", errors="replace"))


def tail_text(text: str, lines: int = 20) -> str:
    """The last `lines` lines of `text`, for actual-output summaries."""
    parts = text.rstrip("\n").splitlines()
    return "\n".join(parts[-lines:])
