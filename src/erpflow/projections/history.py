"""A wave's events as records a person or a program can read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from erpflow.application.ledger import Ledger

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


@dataclass(frozen=True)
class Filter:
    """Which events to keep: of one operation, about one item (a login or a legacy id), within a time range."""

    operation: str | None = None
    item: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, rec: dict[str, Any]) -> bool:
        when = datetime.fromisoformat(rec["timestamp"])
        return ((self.operation is None or rec["operation"] == self.operation)
                and (self.since is None or when >= self.since) and (self.until is None or when <= self.until)
                and (self.item is None or bool(about(rec, self.item))))


def about(rec: dict[str, Any], item: str) -> str:
    """What an event says about one item, or "" when it does not mention it."""
    data, kind = rec["data"], rec["type"]
    if kind == "Batch.Succeeded":
        found = [o for o in data["outcomes"] if str(o.get("ref", "")).lower() == item.lower()]
        return "; ".join(" ".join(str(v) for v in (o["status"], o.get("erp_id") or "", o.get("reason") or "",
                                                       o.get("source") or "") if v) for o in found)
    if kind == "Batch.Reconciled":
        if item in data["found"]:
            return f"found in the target after an interruption (id {data['found'][item]})"
        return "not in the target after an interruption" if item in data["missing"] else ""
    if kind.startswith("Anomaly."):
        return f"{kind.split('.')[-1].lower()}: {summary(rec)}" if rec.get("item") == item else ""
    return ""


def history(ledger: Ledger, wave: str, where: Filter = Filter()) -> Iterator[dict[str, Any]]:
    """The events of a wave, in order, those the filter keeps."""
    anomaly_items: dict[str, str] = {}
    for position, event in ledger.wave_events(wave):
        rec = record(position, event)
        if rec["type"] == "Anomaly.Raised":
            anomaly_items[rec["aggregate"]] = rec["data"]["item"]
        rec["item"] = anomaly_items.get(rec["aggregate"], "")
        if where.keeps(rec):
            yield rec


def trace(ledger: Ledger, item: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every event about one item, across all waves, with what it says about it."""
    anomaly_items: dict[str, str] = {}
    for position, event in ledger.read_log():
        rec = record(position, event)
        if rec["type"] == "Anomaly.Raised":
            anomaly_items[rec["aggregate"]] = rec["data"]["item"]
        rec["item"] = anomaly_items.get(rec["aggregate"], "")
        if said := about(rec, item):
            yield rec, said


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
