"""Editing a wave plan in tests as data, never as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def edit_plan(path: Path, changes: dict[str, Any], *, drop: tuple[str, ...] = ()) -> Path:
    """Set each dotted key of ``changes`` (``"target.database"``) to its value, remove each key of ``drop``,
    and write the plan back, its opening comment kept (so that the keys near the top keep their lines)."""
    text = path.read_text(encoding="utf-8")
    plan = yaml.safe_load(text)
    comment = "".join(line for line in text.splitlines(keepends=True)[:1] if line.startswith("#"))
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = plan
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    for dotted in drop:
        *parents, last = dotted.split(".")
        node = plan
        for key in parents:
            node = node[key]
        node.pop(last, None)
    path.write_text(comment + yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
