"""A wave's events as records a person or a program can read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatch
from typing import Any
from uuid import UUID

from erpflow.application.ledger import Ledger
from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.run import Runs
from erpflow.model.wave import Wave

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


class Record(dict[str, Any]):
    """An event as plain data (what `--json` prints), keeping the event it was read from."""

    event: Any


def record(position: int, event: Any) -> Record:
    """One event: its position, type, context and data."""
    ctx = getattr(event, "ctx", {})
    rec = Record(
        {
            "position": position,
            "timestamp": event.timestamp.isoformat(),
            "type": type(event).__qualname__,
            "schema_version": getattr(type(event), "class_version", 1),
            "aggregate": str(event.originator_id),
            "version": event.originator_version,
            **{key: ctx.get(key, "") for key in ("wave", "operation", "actor", "flow_run_id", "code_version")},
            "data": {k: _plain(v) for k, v in vars(event).items() if k not in ENVELOPE},
        }
    )
    rec.event = event
    return rec


@dataclass(frozen=True)
class Filter:
    """Which events to keep: of one operation, about one item (a login or a legacy id), within a time range."""

    operation: str | None = None
    item: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, rec: Record) -> bool:
        when = datetime.fromisoformat(rec["timestamp"])
        return (
            (self.operation is None or rec["operation"] == self.operation)
            and (self.since is None or when >= self.since)
            and (self.until is None or when <= self.until)
            and (self.item is None or bool(about(rec, self.item)))
        )


def about(rec: Record, item: str) -> str:
    """What an event says about one item, or "" when it does not mention it."""
    return _about(rec.event, rec, item)


@singledispatch
def _about(event: Any, rec: Record, item: str) -> str:
    return ""


@_about.register
def _(event: Batch.Succeeded, rec: Record, item: str) -> str:
    found = [o for o in rec["data"]["outcomes"] if str(o.get("ref", "")).lower() == item.lower()]
    return "; ".join(
        " ".join(
            str(v) for v in (o["status"], o.get("erp_id") or "", o.get("reason") or "", o.get("source") or "") if v
        )
        for o in found
    )


@_about.register
def _(event: Batch.Reconciled, rec: Record, item: str) -> str:
    data = rec["data"]
    if item in data["found"]:
        return f"found in the target after an interruption (id {data['found'][item]})"
    return "not in the target after an interruption" if item in data["missing"] else ""


def _about_anomaly(event: Any, rec: Record, item: str) -> str:
    return f"{type(event).__name__.lower()}: {summary(rec)}" if rec.get("item") == item else ""


for _anomaly_event in (Anomaly.Raised, Anomaly.Commented, Anomaly.Resolved, Anomaly.Reopened):
    _about.register(_anomaly_event, _about_anomaly)


def history(ledger: Ledger, wave: str, where: Filter = Filter()) -> Iterator[Record]:
    """The events of a wave, in order, those the filter keeps."""
    anomaly_items: dict[str, str] = {}
    for position, event in ledger.wave_events(wave):
        rec = record(position, event)
        if isinstance(event, Anomaly.Raised):
            anomaly_items[rec["aggregate"]] = rec["data"]["item"]
        rec["item"] = anomaly_items.get(rec["aggregate"], "")
        if where.keeps(rec):
            yield rec


def trace(ledger: Ledger, item: str) -> Iterator[tuple[Record, str]]:
    """Every event about one item, across all waves, with what it says about it."""
    anomaly_items: dict[str, str] = {}
    for position, event in ledger.read_log():
        rec = record(position, event)
        if isinstance(event, Anomaly.Raised):
            anomaly_items[rec["aggregate"]] = rec["data"]["item"]
        rec["item"] = anomaly_items.get(rec["aggregate"], "")
        if said := about(rec, item):
            yield rec, said


def summary(rec: Record) -> str:
    """The gist of an event's data in one line."""
    return _summary(rec.event, rec["data"])


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


@singledispatch
def _summary(event: Any, data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, (str, int, float)))[:120]


SUMMARIES: dict[Any, Callable[[dict[str, Any]], str]] = {
    Batch.Succeeded: lambda data: _counts(data["counts"]),
    Batch.Opened: lambda data: f"{data['key']} ({data['items']} items)",
    Wave.OperationFinished: lambda data: _counts(data["summary"]),
    Wave.Reconciled: lambda data: (
        f"{data['dataset']}: read {data['read']} = loaded {data['loaded']} + rejected {data['rejected']}"
        + (f" + left out {data['left_out']}" if data.get("left_out") else "")
    ),
    Wave.RowsLeftOut: lambda data: "; ".join(
        f"{section}: {rows} left out ({rule})"
        for section, rules in data["counts"].items()
        for rule, rows in rules.items()
    ),
    Batch.Reconciled: lambda data: (
        f"interrupted attempt: {len(data['found'])} found in the target, {len(data['missing'])} not"
    ),
    Wave.OperationStarted: lambda data: f"{len(data['batches'])} batch(es)",
    Runs.Leased: lambda data: f"held by {data['holder']} until {data['expires_at'][:19]}",
    Wave.Leased: lambda data: f"held by {data['holder']} until {data['expires_at'][:19]}",
    Runs.RunAbandoned: lambda data: data["reason"],
    Wave.RunAbandoned: lambda data: data["reason"],
    Batch.Forced: lambda data: data["reason"],
    Wave.Planned: lambda data: f"plan {data['plan_digest'][:12]}, {len(data['inputs'])} input files",
    Wave.Replanned: lambda data: f"plan {data['plan_digest'][:12]}, {len(data['inputs'])} input files",
    Batch.Failed: lambda data: data.get("reason", ""),
    Runs.Aborted: lambda data: data.get("reason", ""),
    Wave.Aborted: lambda data: data.get("reason", ""),
    Anomaly.Raised: lambda data: f"{data['severity']} {data['item']}: {data['reason']}",
}
for _cls, _text in SUMMARIES.items():
    _summary.register(_cls, lambda event, data, text=_text: text(data))
