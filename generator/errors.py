"""Exceptions that end a command with a clear message instead of a traceback."""

from __future__ import annotations


class FactoryError(Exception):
    """An expected failure: print the message, exit with `exit_code`."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(FactoryError):
    """The command was called wrongly (bad path, bad option): exit 2."""

    exit_code = 2


class SpecError(FactoryError):
    """The spec cannot be used (fails validation, unreadable): exit 1."""

    exit_code = 1
