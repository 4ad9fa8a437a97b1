"""The `factory` command line: a thin shell over the command modules.

Each subcommand lives in `generator.commands.<name>` with `add_arguments`
and `run(args) -> int`. Command modules keep their heavy imports inside
`run`, so `factory validate` never pays for gitpython, watchfiles or the site.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading

from generator import __version__, teardown
from generator.errors import FactoryError

# name → (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "check a spec directory and print its ValidationResult"),
    "generate": ("generate", "validate, then write one builder handoff per task"),
    "prompts": ("prompts", "write the agent prompt and expected answers for each handoff"),
    "build": ("build", "compile every spec in factory.toml into handoffs/ (optionally commit)"),
    "watch": ("watch", "rebuild outputs live while specs and templates are edited"),
    "run": ("run", "validate, compile, dispatch agents, run holdouts and report"),
    "status": ("status", "show the state of a run"),
    "approve": ("approve", "approve a task waiting at its question gate"),
    "holdout": ("holdout", "run the D9 holdout scenarios against delivered code"),
    "site": ("site", "render the static HTML report site"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as D4 fixes
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="factory", description="Dark Factory: spec in, verified software out.")
    parser.add_argument("--version", action="version", version=f"factory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(f"generator.commands.{module}")
        p = sub.add_parser(name, help=help_text, description=(mod.__doc__ or help_text).strip())
        mod.add_arguments(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    return _run(parser, parser.parse_args(argv))


def entry() -> None:
    """The `factory` program: `main`, then exit.

    A command marked ONE_SHOT (build, validate) has nothing left to do once
    its output is flushed, so the process ends without tearing down what it
    built: freeing a big spec object by object, and the collector's last pass
    over it, costs a tenth of a second at 2,000 tasks (the command itself
    leaves its big objects to the exit too: `generator.teardown`). Anything with threads
    still running, or another command, exits the ordinary way.
    """
    parser = build_parser()
    args = parser.parse_args()
    one_shot = getattr(getattr(args, "_module", None), "ONE_SHOT", False)
    if one_shot:
        teardown.keep_until_exit()  # what the command built is left for the exit to free
    code = _run(parser, args)
    if one_shot and threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            code = code or 1
        os._exit(code)
    sys.exit(code)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not getattr(args, "_module", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._module.run(args) or 0)
    except FactoryError as exc:
        print(f"factory {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"factory {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
