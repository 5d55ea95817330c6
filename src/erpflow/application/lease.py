"""Who holds a wave's run: this process, named host:pid, and whether a holder is known to be gone."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def expiry(seconds: float, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) + timedelta(seconds=seconds)).isoformat()


def holder_gone(holder: str) -> bool:
    """True only when the holder ran on this host and its process no longer exists.

    A holder on another host is never known to be gone: its lease must expire.
    """
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False
