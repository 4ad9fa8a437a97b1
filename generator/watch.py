"""Live regeneration: rebuild a spec's outputs whenever its documents or templates change.

Events are grouped by watchfiles (debounce), then settled here: the decision
to rebuild is made from content digests, not from events, so an editor's
temp-file-and-rename, several writes per save, or a file deleted and
recreated in quick succession give one rebuild, and a save that changes no
bytes gives none. A spec that fails validation prints its diagnostics and
keeps the last good outputs; the next good save recovers.
"""

from __future__ import annotations

import gc
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from generator.build import compile_options
from generator.config import Config
from generator.errors import FactoryError
from generator.incremental import IncrementalCompiler, write_changed
from generator.model import DOCUMENTS
from generator.places import inside

_DOC_NAMES = frozenset(DOCUMENTS.values())


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def doc_snapshot(spec_dir: Path) -> dict[str, str]:
    """Digest of every D document present in `spec_dir`, by file name."""
    snap = {}
    for name in sorted(_DOC_NAMES):
        d = _digest(spec_dir / name)
        if d is not None:
            snap[name] = d
    return snap


def tree_snapshot(dirs: list[Path]) -> dict[str, str]:
    """Digest of every file under `dirs` (templates), by path."""
    snap = {}
    for root in dirs:
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                d = _digest(p) if p.is_file() else None
                if d is not None:
                    snap[str(p)] = d
    return snap


def settle(spec_dir: Path, before: dict[str, str], wait_s: float) -> dict[str, str]:
    """A snapshot taken once no document that existed is missing, or after `wait_s`.

    A file an editor deletes and recreates is briefly absent; that is not an
    edit until it stays absent for the whole wait.
    """
    deadline = time.monotonic() + wait_s
    while True:
        snap = doc_snapshot(spec_dir)
        if set(before) <= set(snap) or time.monotonic() >= deadline:
            return snap
        time.sleep(0.02)


@dataclass
class Target:
    """One spec being watched."""

    name: str
    spec_dir: Path
    out_dir: Path
    compiler: IncrementalCompiler
    snapshot: dict[str, str] = field(default_factory=dict)


class WatchSession:
    """Builds, rebuilds and reports; separate from the event loop so it can be driven directly."""

    def __init__(self, config: Config, *, commit: bool = False, out: TextIO | None = None):
        self.config = config
        self.commit = commit
        self.out = out or sys.stdout
        handoffs = config.resolve(config.project.handoffs)
        self.targets = [
            Target(d.name, d, handoffs / d.name, IncrementalCompiler(compile_options(config, d))) for d in config.spec_dirs
        ]
        self.template_dirs = template_dirs(config)
        self.templates = tree_snapshot(self.template_dirs)

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def watch_paths(self) -> list[Path]:
        return [p for p in [*(t.spec_dir for t in self.targets), *self.template_dirs] if p.is_dir()]

    def start(self) -> None:
        for t in self.targets:
            t.snapshot = doc_snapshot(t.spec_dir)
            self.rebuild(t, "start-up", verb="built")

    def on_change(self, paths: set[Path], wait_s: float) -> int:
        """Rebuild what `paths` touched and really changed; returns the number of rebuilds."""
        templates = tree_snapshot(self.template_dirs)
        templates_changed = templates != self.templates
        if templates_changed:
            self.templates = templates
            for t in self.targets:
                t.compiler.reset()
        count = 0
        for t in self.targets:
            touched = templates_changed or any(inside(p, t.spec_dir) for p in paths)
            if not touched:
                continue
            snap = settle(t.spec_dir, t.snapshot, wait_s)
            changed = sorted(n for n in set(snap) | set(t.snapshot) if snap.get(n) != t.snapshot.get(n))
            if not changed and not templates_changed:
                continue
            t.snapshot = snap
            what = ", ".join(_doc_order(changed)) + " changed" if changed else "templates changed"
            self.rebuild(t, what)
            count += 1
        return count

    def rebuild(self, t: Target, what: str, verb: str = "rebuilt") -> bool:
        """Load, validate, compile and write one spec; print one line. False on failure.

        The cyclic garbage collector is paused while it runs and run once
        afterwards, when the outputs are already on disk; what survives (the
        caches) is then frozen out of later collections, so a rebuild never
        pays for walking the whole heap of a big spec.
        """
        was = gc.isenabled()
        gc.disable()
        try:
            return self._rebuild(t, what, verb)
        finally:
            if was:
                gc.enable()
                gc.collect()
                gc.freeze()

    def _rebuild(self, t: Target, what: str, verb: str) -> bool:
        from generator.build import spec_digest
        from generator.output import MANIFEST, write_tree
        from generator.validate import validate

        t0 = time.perf_counter()
        try:
            spec = t.compiler.load(t.spec_dir)
            result = validate(spec)
            if not result.ok:
                errors = [d for d in result.diagnostics if d.severity == "error"] or result.diagnostics
                self.say(f"{t.name}: {what} → invalid, outputs kept ({_plural(len(errors), 'problem')})")
                for d in errors:
                    self.say(f"  {_rel(t.spec_dir / d.path)}:{d.line}: {d.message}" if d.line else f"  {_rel(t.spec_dir / d.path)}: {d.message}")
                if not errors:
                    for c in result.checks:
                        if c.status != "PASS":
                            self.say(f"  {c.check_name}: {c.message}")
                return False
            files = t.compiler.compile(spec)
            t.compiler.check_leaks(spec, files)
            known = t.compiler.written(t.spec_dir)
            report = write_changed(t.out_dir, files, known) or write_tree(t.out_dir, files, MANIFEST, known=known)
        except FactoryError as exc:
            self.say(f"{t.name}: {what} → failed, outputs kept: {exc}")
            return False
        except Exception as exc:  # a long-running watch reports and keeps going
            self.say(f"{t.name}: {what} → failed, outputs kept: internal error: {type(exc).__name__}: {exc}")
            return False
        ms = (time.perf_counter() - t0) * 1000
        line = (
            f"{verb} {t.name}: {what} → {len(report.written)} written, {len(report.removed)} removed, "
            f"{len(report.unchanged)} unchanged in {ms:.0f} ms"
        )
        if self.commit:
            line += self._commit(t, report, spec_digest(spec))
        self.say(line)
        return True

    def _commit(self, t: Target, report: Any, digest: str) -> str:
        """Commit the rebuild's changed outputs; the tail of the rebuild line saying what happened."""
        from generator.build import SpecBuild
        from generator.gitops import commit_build

        build = SpecBuild(name=t.name, spec_dir=t.spec_dir, output_dir=t.out_dir, report=report, digest=digest)
        try:
            res = commit_build(self.config.root, [build])
        except FactoryError as exc:
            return f"; not committed: {exc}"
        return f"; committed {res.sha[:10]}" if res is not None else ""


def template_dirs(config: Config) -> list[Path]:
    """The default templates and the project's overlay, if it names one."""
    from generator.compile.templating import default_dir

    dirs = [default_dir()]
    if config.project.templates:
        dirs.append(config.resolve(config.project.templates))
    return dirs


def _doc_order(names: list[str]) -> list[str]:
    order = {n: i for i, n in enumerate(DOCUMENTS.values())}
    return sorted(names, key=lambda n: order.get(n, 99))


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def watch_project(config: Config, *, commit: bool = False, debounce_ms: int = 300, out: TextIO | None = None,
                  stop_event: Any = None) -> int:
    """Build once, then rebuild on every settled change until interrupted (exit 0)."""
    import watchfiles

    session = WatchSession(config, commit=commit, out=out)
    if not session.targets:
        raise FactoryError("no specs to watch: list spec directories under [project] specs in factory.toml", exit_code=2)
    for t in session.targets:
        if not t.spec_dir.is_dir():
            raise FactoryError(f"{t.spec_dir}: spec directory not found", exit_code=2)
    if commit:  # no repository at all will not fix itself; other refusals are per rebuild
        from generator.gitops import open_repo

        open_repo(config.resolve(config.project.handoffs).parent).close()
    try:
        session.start()
        live = False
        for changes in watchfiles.watch(
            # step: quiet time that ends a burst of events (half the debounce, 10..50 ms); debounce: the longest wait
            *session.watch_paths(), debounce=max(debounce_ms, 50), step=max(10, min(50, debounce_ms // 2)),
            stop_event=stop_event,
            rust_timeout=500, yield_on_timeout=True, raise_interrupt=True, watch_filter=None,
        ):
            if not live:  # the watcher is running now: catch up on edits made during start-up
                live = True
                session.on_change({t.spec_dir for t in session.targets}, max(debounce_ms, 300) / 1000)
                session.say(f"watching {_plural(len(session.targets), 'spec')} and templates; Ctrl-C to stop")
            if changes:
                session.on_change({Path(p) for _, p in changes}, max(debounce_ms, 300) / 1000)  # only waits while a document is missing
    except KeyboardInterrupt:
        pass
    session.say("watch stopped")
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
