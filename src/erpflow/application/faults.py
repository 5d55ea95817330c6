"""Crash points for tests: ERPFLOW_FAULT=OPERATION:POINT kills the process there with SIGKILL.

POINTS are the boundaries of a batch: its attempt recorded but the target not yet written; the target written but
its outcome not yet recorded; the outcome recorded.
"""

from __future__ import annotations

import os
import signal

POINTS = ("before-write", "after-write", "after-event")


def crash_point(operation: str, point: str) -> None:
    """Die here, at once and without clean-up, if ERPFLOW_FAULT names this point."""
    if os.environ.get("ERPFLOW_FAULT") == f"{operation}:{point}":
        os.kill(os.getpid(), signal.SIGKILL)
