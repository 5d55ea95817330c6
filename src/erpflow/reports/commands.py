"""The commands to type next about a wave, its name filled in: shown at the end of a run and in its summary."""

from __future__ import annotations

import shlex


def next_commands(wave: str) -> list[tuple[str, str]]:
    """What to look at after a run, and the command that shows it."""
    name = shlex.quote(wave)
    return [
        ("the steering report", f"erpflow report {name}"),
        ("the anomalies", f"erpflow anomaly list {name}"),
        ("training attendance, from a sign-in sheet", f"erpflow training attend {name} SHEET"),
        ("the exit gate", f"erpflow gate {name}"),
    ]
