"""Pinned inputs: which files on disk differ from those a wave was run with."""

from __future__ import annotations

import hashlib
from pathlib import Path


def changed_inputs(recorded: dict[str, str]) -> dict[str, str]:
    """Each recorded file that is missing or whose sha256 differs: path -> "missing" | "changed"."""
    changes = {}
    for path, digest in recorded.items():
        file = Path(path)
        if not file.exists():
            changes[path] = "missing"
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            changes[path] = "changed"
    return changes
