"""Compile specs to disk: validate, compile, leak-check, then write.

`build_project` compiles every spec named in factory.toml into
`handoffs/<spec>/`. All specs are compiled and checked before any is
written, so a bad spec leaves every output tree as it was.

A no-op build is answered without parsing: after each build a stamp (in
`.factory-cache/`, which ignores itself in git) records a fingerprint of
everything the outputs are made from (the ten documents' bytes, the
templates, the tool's own code, the options) and the size and mtime of every
output. When the fingerprint matches and every output still stats as it was
left, the outputs are already what a build would write. Any edited, deleted
or added output, or any changed input, falls back to the full build, which
repairs the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from generator import teardown
from generator.config import Config
from generator.errors import SpecError
from generator.gcpause import paused_gc
from generator.model import BUILDER_VISIBLE_DOCS, DOCUMENTS, Document, ProductSpec
from generator.output import MANIFEST, WriteReport, file_stats, new_stage, place_staged, stage_files, write_tree

__all__ = [
    "SpecBuild",
    "build_project",
    "compile_checked",
    "compile_options",
    "load_valid",
    "source_label",
    "spec_digest",
]

CACHE_DIR = ".factory-cache"
STAMP_VERSION = 1


def spec_digest(spec: ProductSpec) -> str:
    """Digest of the builder-visible documents (D9 is not part of it)."""
    from generator.compile.facets import spec_digest as digest

    return digest(spec)


@dataclass
class SpecBuild:
    """One spec's build: where it came from, where it went, what changed."""

    name: str
    spec_dir: Path
    output_dir: Path
    report: WriteReport
    digest: str


def source_label(spec_dir: Path, root: Path) -> str:
    """The spec as generated headers name it: relative to the project root, POSIX."""
    try:
        return Path(os.path.relpath(spec_dir.resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive
        return spec_dir.resolve().name


def compile_options(config: Config, spec_dir: Path, adversarial: str | None = None):
    """The options `factory build` (and `factory watch`) compile `spec_dir` with."""
    from generator.compile import CompileOptions

    templates = str(config.resolve(config.project.templates)) if config.project.templates else ""
    return CompileOptions(
        adversarial=adversarial or config.prompt.adversarial,
        templates=templates,
        source_label=source_label(spec_dir, config.root),
    )


def load_valid(spec_dir: Path) -> ProductSpec:
    """Load and validate a spec; SpecError listing every problem when it FAILs."""
    from generator.spec import load_spec
    from generator.validate import validate

    spec = load_spec(spec_dir)
    _refuse_invalid(spec_dir, validate(spec))
    return spec


def load_checked(spec_dir: Path, options, stage: Path | None = None) -> tuple[ProductSpec, dict]:
    """Load, validate, compile and leak-check one spec: the bytes returned are safe to write.

    `load_valid` then `compile_checked`, with the steps overlapped on a big
    spec: the costly parts of the leak guard are built by the process that
    parses D9 while the other documents are parsed (`_guard_parts`), and
    validation is one more job among the compile jobs. An invalid spec is
    refused with its validation problems; whatever else fails on it (the
    guard, the compile) is not reported in their place.

    Given a `stage` (`output.new_stage`), the files are written there as
    they are made, and the mapping returned gives each one's (size,
    mtime_ns) there instead of its bytes: what `output.place_staged` and
    the build stamp need, without sending the bytes between processes.
    """
    from generator.spec.loader import load_spec_following

    spec, extras = load_spec_following(spec_dir, {"D9": _guard_parts}, lambda: _ready_to_compile(options))
    teardown.retain(spec, extras)
    if len(spec.tasks) < PARALLEL_MIN_TASKS:
        _refuse_invalid(spec_dir, _validate(spec))
        files = compile_checked(spec, options)
        return spec, files if stage is None else stage_files(stage, files)
    return spec, _compile(spec, options, lambda: _built_guard(spec, extras.get("D9")), spec_dir, stage)


def _ready_to_compile(options) -> None:
    """Import the compile and validation code and compile the templates: done while
    another process parses, rather than after, when only this one would work."""
    import generator.compile.core  # noqa: F401
    import generator.compile.leakguard  # noqa: F401
    import generator.validate  # noqa: F401
    from generator.compile.templating import preload

    preload(options.templates)


def _validate(spec: ProductSpec):
    from generator.validate import validate

    return validate(spec)


def _built_guard(spec: ProductSpec, parts: dict | None):
    from generator.compile.leakguard import build_guard

    return build_guard(spec, cache=dict(parts) if parts else None)


def _guard_parts(d9, documents: list[tuple[str, str, bytes]]) -> dict:
    """What `build_guard` caches (D9's needles, what each other document shows),
    made from D9's parse result and the other documents' bytes alone.

    The cache is keyed by document digest, so a guard built from these parts
    is the one built from scratch; a part missing here is made by the caller.
    """
    from generator.compile.leakguard import build_guard
    from generator.spec.document import decode, digest

    spec = ProductSpec(spec_dir=Path(), name="")
    spec.documents["D9"] = d9.document
    for attr, value in d9.parts.items():
        setattr(spec, attr, value)
    for code, filename, data in documents:
        text, problem = decode(filename, data) if code != "D9" else (None, True)
        if problem is None:
            spec.documents[code] = Document(code, filename, Path(filename), present=True, text=text, digest=digest(data))
    parts: dict = {}
    build_guard(spec, cache=parts)
    return parts


def _refuse_invalid(spec_dir: Path, result) -> None:
    if result.ok:
        return
    # diagnostics name a document of the spec: show them under it, like a compiler
    lines = [p if p.startswith(str(spec_dir)) else f"{spec_dir}/{p}"
             for p in (str(d) for d in result.diagnostics if d.severity == "error")]
    lines += [f"check {c.check_name}: FAIL: {c.message}" for c in result.checks if c.status != "PASS"]
    raise SpecError(f"{spec_dir}: validation FAIL, nothing written\n" + "\n".join(lines))


def compile_checked(spec: ProductSpec, options, guard=None) -> dict[str, bytes]:
    """Compile and leak-check: the bytes returned are safe to write.

    The same bytes as `compile_spec` followed by the leak guard, with the
    work shared among forked processes (`parallel.run`): each job compiles
    and scans a consecutive run of tasks, or the spec-wide outputs. Leaks
    are reported in path order, as one scan of everything would.
    """
    from generator.compile.leakguard import build_guard

    return _compile(spec, options, lambda: build_guard(spec) if guard is None else guard)


def _compile(spec: ProductSpec, options, make_guard, spec_dir: Path | None = None,
             stage: Path | None = None) -> dict[str, bytes]:
    """`compile_checked`, with `make_guard()` for the guard; given `spec_dir`, the
    spec is validated too, as one more job, and refused when invalid; given a
    `stage`, each job writes its files there, and gives their stats rather
    than their bytes (`load_checked`)."""
    from generator import parallel
    from generator.compile.core import check_ids, compile_tasks, forget_shared_items
    from generator.compile.inputs import SpecIndex
    from generator.compile.leakguard import LeakError, merge_leaks
    from generator.compile.templating import preload

    checking = spec_dir is not None
    try:
        check_ids(spec)
        guard = make_guard()
        ix = SpecIndex(spec)
        failure = None
    except Exception as exc:  # on an invalid spec, the validation problems are reported instead
        if not checking:
            raise
        failure = exc
    preload(options.templates)  # once here rather than in every worker
    workers = parallel.worker_count() if len(spec.tasks) >= PARALLEL_MIN_TASKS else 1

    refused = False  # once this process has seen the spec fail validation, it compiles no more

    def work(job: tuple[int, int, bool] | None):
        nonlocal refused
        if job is None:
            verdict = _validate(spec)
            refused = not verdict.ok
            return verdict
        if failure is not None or refused:
            return failure
        start, stop, shared = job
        try:
            out = compile_tasks(spec, options, ix, spec.tasks[start:stop], shared)
            found = guard.scan(out)
            if stage is not None:
                return ({} if found else stage_files(stage, out)), found
            return out, found
        except Exception as exc:
            if not checking:
                raise
            return exc

    jobs: list = _jobs(len(spec.tasks), workers)
    with paused_gc():
        try:
            results = parallel.run([None] + jobs if checking else jobs, work, workers)
        finally:
            if not teardown.retaining():  # else the memos' items live on anyway
                forget_shared_items()
    teardown.retain(guard if failure is None else None, ix if failure is None else None, results)
    if checking:
        verdict, *results = results
        _refuse_invalid(spec_dir, verdict)
    for r in results:
        if isinstance(r, Exception):
            raise r
    leaks = merge_leaks([found for _, found in results])
    if leaks:
        raise LeakError(leaks)
    files: dict = {}
    for out, _ in results:
        files.update(out)
    return files if stage is not None else dict(sorted(files.items()))


# Tasks below which one process is faster than forking another.
PARALLEL_MIN_TASKS = 64
# Each job takes this share of the tasks still unassigned, per process, and at least
# MIN_JOB_TASKS: large jobs first, small ones last, so the processes finish together.
JOB_SHARE = 4
MIN_JOB_TASKS = 16


def _jobs(tasks: int, workers: int) -> list[tuple[int, int, bool]]:
    """(start, stop, spec-wide outputs too): the spec-wide job first, then runs of tasks
    of decreasing length (guided scheduling: whichever process is free takes the next
    one, and the last ones are short, so no process is left with a long job at the end)."""
    if workers < 2:
        return [(0, tasks, True)]
    jobs = [(0, 0, True)]
    start = 0
    while start < tasks:
        stop = min(tasks, start + max(MIN_JOB_TASKS, -(-(tasks - start) // (workers * JOB_SHARE))))
        jobs.append((start, stop, False))
        start = stop
    return jobs


# --- the no-op fast path -------------------------------------------------------------


def _tool_fingerprint() -> str:
    """The code that turns a spec into outputs: every module of the package (path, size, mtime)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{sys.version_info[:3]}|{STAMP_VERSION}".encode())
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"{os.path.relpath(os.path.join(dirpath, name), root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _tree_digest(h, root: Path) -> None:
    if not root.is_dir():
        h.update(f"no dir {root}\n".encode())
        return
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(f"{p.relative_to(root).as_posix()}={hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())


def parsed_digests(spec: ProductSpec) -> dict[str, str]:
    """The document digests `input_fingerprint` would read, from the bytes that were
    parsed (a document edited during the build then fails the next build's check)."""
    return {code: d.digest if d is not None and d.present and d.digest else "-"
            for code, d in ((code, spec.documents.get(code)) for code in DOCUMENTS)}


def input_fingerprint(spec_dir: Path, options, docs: dict[str, str] | None = None,
                      manifest: str = MANIFEST) -> tuple[str, dict[str, str]]:
    """(fingerprint of everything a build of `spec_dir` reads, document digests by code);
    given `docs` (`parsed_digests`), the documents are not read again."""
    from generator.compile.templating import default_dir

    h = hashlib.sha256()
    opts = (options.adversarial, options.templates, options.source_label, sorted(options.parts), options.contract_version)
    h.update(f"tool={_tool_fingerprint()}\noptions={opts!r}\nmanifest={manifest}\n".encode())
    if docs is not None:
        for code in DOCUMENTS:
            h.update(f"{code}={docs[code]}\n".encode())
        docs = dict(docs)
    else:
        docs = _read_digests(spec_dir, h)
    _tree_digest(h, default_dir())
    if options.templates:
        _tree_digest(h, Path(options.templates))
    return h.hexdigest(), docs


def _read_digests(spec_dir: Path, h) -> dict[str, str]:
    docs: dict[str, str] = {}
    for code, filename in DOCUMENTS.items():
        path = spec_dir / filename
        try:
            with open(path, "rb") as fh:
                docs[code] = "sha256:" + hashlib.sha256(fh.read()).hexdigest()
        except FileNotFoundError:
            docs[code] = "-"
        except OSError as exc:  # a directory, unreadable, …: let the full build report it
            docs[code] = f"error {exc.errno}"
        h.update(f"{code}={docs[code]}\n".encode())
    return docs


def _stamp_path(config: Config, out_dir: Path) -> Path:
    key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return config.root / CACHE_DIR / f"build-{out_dir.name}-{key}.json"


def _write_stamp(config: Config, out_dir: Path, fingerprint: str, files, stats: dict[str, tuple[int, int]]) -> None:
    """Record the fingerprint and the outputs' stats (`stats`, taken as each was written or
    checked, plus the manifest's); failing to is never an error (the next build is just slower)."""
    manifest = file_stats(out_dir, [MANIFEST])
    if not manifest or len(stats) != len(files) or not all(rel in stats for rel in files):
        return  # a stamp that missed an output could vouch for a tree without it
    stamp = {"version": STAMP_VERSION, "fingerprint": fingerprint, "outputs": {**stats, **manifest}}
    path = _stamp_path(config, out_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by factory: build stamps, safe to delete\n*\n", encoding="utf-8")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stamp, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _fresh(config: Config, out_dir: Path, fingerprint: str) -> list[str] | None:
    """The outputs (manifest included) when the stamp says they are current and intact, else None."""
    try:
        stamp = json.loads(_stamp_path(config, out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION or stamp.get("fingerprint") != fingerprint:
        return None
    recorded = stamp.get("outputs")
    if not isinstance(recorded, dict):
        return None
    if MANIFEST not in recorded:  # the manifest's own stat vouches for the list of outputs
        return None
    now = file_stats(out_dir, recorded)
    if len(now) != len(recorded) or any(tuple(v) != now[k] for k, v in recorded.items()):
        return None
    return sorted(recorded)


def _forget_stamp(config: Config, out_dir: Path) -> None:
    try:
        _stamp_path(config, out_dir).unlink()
    except OSError:
        pass


def build_project(config: Config, adversarial: str | None = None) -> list[SpecBuild]:
    """Compile every spec in `config.project.specs` into `<handoffs>/<spec-name>/`.

    A build makes no garbage cycles, so the cycle collector is held off for
    all of it: its passes would only walk the parsed spec again and again.
    """
    with paused_gc():
        return _build_project(config, adversarial)


def _build_project(config: Config, adversarial: str | None) -> list[SpecBuild]:
    if not config.project.specs:
        raise SpecError(f"{config.path or config.root / 'factory.toml'}: [project] specs lists no spec to build")
    stages: list[Path] = []
    try:
        return _compile_then_write(config, adversarial, stages)
    finally:
        for stage in stages:  # what a failed build staged, and any a write left behind
            shutil.rmtree(stage, ignore_errors=True)


def _compile_then_write(config: Config, adversarial: str | None, stages: list[Path]) -> list[SpecBuild]:
    """Compile every spec, then write them all. An output tree built for the
    first time is staged while its spec compiles (`output.new_stage`)."""
    handoffs = config.resolve(config.project.handoffs)
    planned: list[tuple[str, Path, Path, dict[str, bytes] | None, str, object, Path | None]] = []
    seen: dict[str, Path] = {}
    for spec_dir in config.spec_dirs:
        options = compile_options(config, spec_dir, adversarial)
        name = spec_dir.resolve().name or spec_dir.name
        out_dir = handoffs / name
        fingerprint, docs = (None, None)
        stamped = spec_dir.is_dir() and _stamp_path(config, out_dir).is_file()
        if stamped:  # else no build can be skipped: the fingerprint is taken from what is parsed
            fingerprint, docs = input_fingerprint(spec_dir, options)
            current = _fresh(config, out_dir, fingerprint)
            if current is not None and name not in seen:
                seen[name] = spec_dir
                digest = _visible_digest(docs)
                planned.append((name, spec_dir, out_dir, None, digest, (fingerprint, current), None))
                continue
        stage = new_stage(out_dir) if spec_dir.is_dir() and name not in seen else None
        if stage is not None:
            stages.append(stage)
        spec, files = load_checked(spec_dir, options, stage)
        if not stamped and spec_dir.is_dir():
            fingerprint, _ = input_fingerprint(spec_dir, options, parsed_digests(spec))
        if spec.name in seen:
            raise SpecError(f"{spec_dir}: same name as {seen[spec.name]}; both would build into {handoffs / spec.name}")
        seen[spec.name] = spec_dir
        planned.append((spec.name, spec_dir, out_dir, files, spec_digest(spec), fingerprint, stage))
    builds = []
    for name, spec_dir, out_dir, files, digest, fp, stage in planned:
        if files is None:  # current and intact: nothing to compile or write
            fingerprint, current = fp
            builds.append(SpecBuild(name, spec_dir, out_dir, WriteReport((), (), tuple(current), out_dir), digest))
            continue
        _forget_stamp(config, out_dir)
        if stage is None:
            report = write_tree(out_dir, files, MANIFEST)
        else:  # `files` holds the stats of the staged files; should the tree have been written
            # otherwise (made meanwhile), those stats will not match and the next build is a full one
            report = place_staged(out_dir, stage, files, MANIFEST)
        if fp is not None:
            _write_stamp(config, out_dir, fp, files, files if stage is not None else file_stats(out_dir, files))
        builds.append(SpecBuild(name, spec_dir, out_dir, report, digest))
    teardown.retain(planned)
    return builds


def _visible_digest(docs: dict[str, str]) -> str:
    """`spec_digest` from document digests alone (the same bytes, without parsing)."""
    h = hashlib.sha256()
    for code in BUILDER_VISIBLE_DOCS:
        d = docs.get(code, "-")
        h.update(f"{code}={d if d.startswith('sha256:') else '-'}\n".encode())
    return "sha256:" + h.hexdigest()
