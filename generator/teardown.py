"""Leave a one-shot command's big objects for the process exit to free.

`cli.entry` ends `build` and `validate` with `os._exit`, so nothing is torn
down after them. The parsed spec, the guard and the outputs would still be
freed object by object as the functions holding them return, just before
that exit: about a tenth of a second at 2,000 tasks, spent on memory the
exit gives back at once. Once `cli.entry` calls `keep_until_exit`, those
functions park such objects here instead, and the cycle collector stays
off: a pass of it would only walk them again. It is all off by default, so
a long-lived process (watch mode, the tests) frees everything as usual.
"""

from __future__ import annotations

import gc

_kept: list | None = None


def keep_until_exit() -> None:
    """From now on, `retain` keeps what it is given until the process ends, and
    the cycle collector is off."""
    global _kept
    if _kept is None:
        _kept = []
    gc.disable()


def retaining() -> bool:
    return _kept is not None


def retain(*objects: object) -> None:
    """Keep `objects` alive until the process ends, when `keep_until_exit` was called; else nothing."""
    if _kept is not None:
        _kept.extend(objects)
