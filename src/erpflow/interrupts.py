"""Ctrl-C (SIGINT) or SIGTERM during a command: stop it within seconds, one line, exit 130 or 143.

A signal that lands while the main thread is inside a `shielded()` section (a ledger write) waits for the
section's end, so a write is never cut half-way and the stop that follows can still be recorded.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Interrupted", "exit_code", "shielded", "stop_on_signals"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT or SIGTERM) asked the command to stop; raised in the main thread."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Shield(threading.local):
    depth = 0
    pending: int | None = None


_shield = _Shield()


def exit_code(exc: BaseException) -> int:
    """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM."""
    signum = getattr(exc, "signum", None) or getattr(exc, "signal", None) or signal.SIGINT
    return 128 + int(signum)


@contextmanager
def shielded() -> Iterator[None]:
    """A section no stop signal interrupts: a signal arriving inside it is raised when the outermost one ends."""
    _shield.depth += 1
    try:
        yield
    finally:
        _shield.depth -= 1
    if _shield.depth == 0 and _shield.pending is not None:
        signum, _shield.pending = _shield.pending, None
        raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted once; a repeated signal is ignored while the command stops."""

    def stop(signum: int, frame: object) -> None:
        for other in SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        if _shield.depth:  # the handler runs in the main thread: its shield is the one that counts
            _shield.pending = signum
            return
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
