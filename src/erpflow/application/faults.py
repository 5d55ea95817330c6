"""Crash points for tests: ERPFLOW_FAULT=OPERATION:POINT kills the process there with SIGKILL.

POINTS are the boundaries of a batch: its attempt recorded but the target not yet written; the target written but
its outcome not yet recorded; the outcome recorded. ERPFLOW_FAULT=OPERATION:POINT:hold pauses there instead, once:
the process creates the file named by ERPFLOW_FAULT_RELEASE with the suffix `.held`, then waits until that file
itself exists, so that a test can act while a run is known to be in the middle of a wave.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

POINTS = ("before-write", "after-write", "after-event")
HOLD_LIMIT_SECONDS = 300


def crash_point(operation: str, point: str) -> None:
    """Die here, at once and without clean-up, or pause here, if ERPFLOW_FAULT names this point."""
    fault = os.environ.get("ERPFLOW_FAULT")
    if fault == f"{operation}:{point}":
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == f"{operation}:{point}:hold":
        _hold(Path(os.environ["ERPFLOW_FAULT_RELEASE"]))


def _hold(release: Path) -> None:
    if release.exists():
        return
    release.with_suffix(".held").touch()
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
