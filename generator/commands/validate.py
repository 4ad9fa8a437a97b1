"""Check a spec directory and print its ValidationResult.

Problems are printed like compiler diagnostics (`path:line: message`), all at
once, then one line per check. Exit 0 on PASS, 1 on FAIL, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys


ONE_SHOT = True  # see generator.cli.entry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec-dir", required=True, help="directory holding D1..D10")
    p.add_argument("--json", action="store_true", help="print the ValidationResult as JSON")


def run(args: argparse.Namespace) -> int:
    from generator import teardown
    from generator.spec import load_spec
    from generator.validate import validate

    spec = load_spec(args.spec_dir)
    result = validate(spec)
    teardown.retain(spec, result)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(result, args.spec_dir))
    return 0 if result.ok else 1


def render_text(result, spec_dir: str) -> str:
    """Diagnostics first (errors and warnings, in document order), then the checks."""
    prefix = str(spec_dir).rstrip("/") + "/"
    lines = []
    for d in result.diagnostics:
        lines.append(f"{prefix}{d}" if d.path else str(d))
    if lines:
        lines.append("")
    for c in result.checks:
        lines.append(f"{c.status}  {c.check_name}: {c.message}")
    errors = sum(1 for d in result.diagnostics if d.severity == "error")
    warnings = len(result.diagnostics) - errors
    failed = sum(1 for c in result.checks if c.status != "PASS")
    lines.append(f"{result.status}: {failed} of {len(result.checks)} checks failed, {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"
