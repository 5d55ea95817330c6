"""A wave's events as records a person or a program can read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from ..ledger import Ledger

ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic", "ctx")


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(position: int, event: Any) -> dict[str, Any]:
    """One event: its position, type, context and data."""
    ctx = getattr(event, "ctx", {})
    return {
        "position": position,
        "timestamp": event.timestamp.isoformat(),
        "type": type(event).__qualname__,
        "schema_version": getattr(type(event), "class_version", 1),
        "aggregate": str(event.originator_id),
        "version": event.originator_version,
        **{key: ctx.get(key, "") for key in ("wave", "operation", "actor", "flow_run_id", "code_version")},
        "data": {k: _plain(v) for k, v in vars(event).items() if k not in ENVELOPE},
    }


def history(ledger: Ledger, wave: str) -> Iterator[dict[str, Any]]:
    for position, event in ledger.wave_events(wave):
        yield record(position, event)


def summary(rec: dict[str, Any]) -> str:
    """The gist of an event's data in one line."""
    data = rec["data"]
    kind = rec["type"].split(".")[-1]
    if kind == "Succeeded":
        return ", ".join(f"{k} {v}" for k, v in sorted(data["counts"].items()))
    if kind in ("Opened",):
        return f"{data['key']} ({data['items']} items)"
    if kind == "OperationFinished":
        return ", ".join(f"{k} {v}" for k, v in sorted(data["summary"].items()))
    if rec["type"] == "Wave.Reconciled":
        return f"{data['dataset']}: read {data['read']} = loaded {data['loaded']} + rejected {data['rejected']}"
    if rec["type"] == "Batch.Reconciled":
        return f"interrupted attempt: {len(data['found'])} found in the target, {len(data['missing'])} not"
    if kind == "OperationStarted":
        return f"{len(data['batches'])} batch(es)"
    if kind == "Leased":
        return f"held by {data['holder']} until {data['expires_at'][:19]}"
    if kind in ("RunAbandoned", "Forced"):
        return data["reason"]
    if kind in ("Planned", "Replanned"):
        return f"plan {data['plan_digest'][:12]}, {len(data['inputs'])} input files"
    if kind in ("Failed", "Aborted"):
        return data.get("reason", "")
    if kind == "Raised":
        return f"{data['severity']} {data['item']}: {data['reason']}"
    return ", ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, (str, int, float)))[:120]
