"""Compile specs to disk: validate, compile, leak-check, then write.

`build_project` compiles every spec named in factory.toml into
`handoffs/<spec>/`. All specs are compiled and checked before any is
written, so a bad spec leaves every output tree as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from generator.compile.facets import spec_digest
from generator.config import Config
from generator.errors import SpecError
from generator.model import ProductSpec
from generator.output import MANIFEST, WriteReport, write_tree

__all__ = ["SpecBuild", "build_project", "compile_checked", "load_valid", "source_label", "spec_digest"]


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


def load_valid(spec_dir: Path) -> ProductSpec:
    """Load and validate a spec; SpecError listing every problem when it FAILs."""
    from generator.spec import load_spec

    spec = load_spec(spec_dir)
    problems: list[str]
    try:
        from generator.validate import validate
    except ModuleNotFoundError:  # validator not installed: parse errors still refuse
        problems = [str(d) for d in spec.diagnostics if d.severity == "error"]
    else:
        result = validate(spec)
        if result.ok:
            return spec
        problems = [str(d) for d in result.diagnostics if d.severity == "error"]
        problems += [f"{c.check_name}: {c.message}" for c in result.checks if c.status != "PASS"]
    if problems:
        lines = [f"{spec_dir}/{p}" if not p.startswith(str(spec_dir)) else p for p in problems]
        raise SpecError(f"{spec_dir}: validation FAIL, nothing written\n" + "\n".join(lines))
    return spec


def compile_checked(spec: ProductSpec, options) -> dict[str, bytes]:
    """Compile and leak-check: the bytes returned are safe to write."""
    from generator.compile import compile_spec
    from generator.compile.leakguard import check

    files = compile_spec(spec, options)
    check(spec, files)
    return files


def build_project(config: Config, adversarial: str | None = None) -> list[SpecBuild]:
    """Compile every spec in `config.project.specs` into `<handoffs>/<spec-name>/`."""
    from generator.compile import CompileOptions

    if not config.project.specs:
        raise SpecError(f"{config.path or config.root / 'factory.toml'}: [project] specs lists no spec to build")
    handoffs = config.resolve(config.project.handoffs)
    templates = str(config.resolve(config.project.templates)) if config.project.templates else ""
    planned: list[tuple[ProductSpec, Path, Path, dict[str, bytes]]] = []
    seen: dict[str, Path] = {}
    for spec_dir in config.spec_dirs:
        spec = load_valid(spec_dir)
        if spec.name in seen:
            raise SpecError(f"{spec_dir}: same name as {seen[spec.name]}; both would build into {handoffs / spec.name}")
        seen[spec.name] = spec_dir
        options = CompileOptions(
            adversarial=adversarial or config.prompt.adversarial,
            templates=templates,
            source_label=source_label(spec_dir, config.root),
        )
        planned.append((spec, spec_dir, handoffs / spec.name, compile_checked(spec, options)))
    builds = []
    for spec, spec_dir, out_dir, files in planned:
        report = write_tree(out_dir, files, MANIFEST)
        builds.append(SpecBuild(spec.name, spec_dir, out_dir, report, spec_digest(spec)))
    return builds
