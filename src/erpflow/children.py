"""Child processes that die with the process that started them, and temporary files named after dead processes.

Linux only for the first: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the child, so a parent killed by SIGKILL
leaves no child behind. Elsewhere children are started as before.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["alive", "dying_with_parent", "remove_stale"]

_PR_SET_PDEATHSIG = 1
_prctl: Any = None
if sys.platform.startswith("linux"):
    try:
        _prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the forked child
    except (OSError, AttributeError):
        _prctl = None


def _die_with(parent: int) -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def dying_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen``/``run``: the child is SIGKILLed when the thread that started it
    ends, however it ends (None where the platform cannot). Start such children from a thread that lives as long as
    they should."""
    return functools.partial(_die_with, os.getpid()) if _prctl is not None else None


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def remove_stale(folder: Path, pattern: str) -> list[Path]:
    """Remove the files of ``folder`` whose name matches ``pattern`` (a regex with a group ``pid``) and whose
    process is gone; answers the removed files."""
    removed = []
    rule = re.compile(pattern)
    for path in folder.iterdir() if folder.is_dir() else ():
        match = rule.fullmatch(path.name)
        if match and int(match["pid"]) != os.getpid() and not alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
