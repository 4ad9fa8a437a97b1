"""factory status (not built yet)."""

from __future__ import annotations

import argparse

from generator.errors import FactoryError


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise FactoryError("'factory status' is not available yet", exit_code=2)
