"""Domain events mirrored to Prefect events (``erpflow.wave.started``, ``erpflow.batch.failed``, ...), the wave
as their resource, so that Prefect automations can react to them.

A gateway reads the notification log after the position it tracks, sends a page, then records the page's last
position. Each Prefect event's id derives from its record, and Prefect stores an id once: a page sent again after
a crash between sending and recording is not published twice, and nothing after the position is ever skipped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from erpflow.application.ledger import Ledger
from erpflow.audit.chain import notifications
from erpflow.store.tables import StoreTables

NAME = "prefect-events"
NAMESPACE = uuid.UUID("6f1c52d4-52a1-4f0c-9d7e-1b7e0e8f6a10")
PAGE = 200
SKIPPED = {"ctx", "originator_id", "originator_version", "timestamp", "originator_topic"}
Send = Callable[[list[dict[str, Any]]], None]
Observe = Callable[[str, uuid.UUID, int, dict[str, Any]], None]  # topic, originator, version, state
SPLIT_FROM_WAVE = {"Runs": "", "GateDecisions": "Gate", "Attendance": "Attendance"}


def _small(value: Any) -> bool:
    """Scalars and short collections go in the payload; long lists (a batch's outcomes, a plan) do not."""
    return (
        isinstance(value, str | int | float | bool)
        or value is None
        or (isinstance(value, dict | list) and len(json.dumps(value, default=str)) <= 2000)
    )


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def prefect_event(position: int, topic: str, originator: uuid.UUID, version: int, state: dict) -> dict | None:
    """The Prefect event for one stored domain event; None for an event about no wave."""
    ctx = state.get("ctx") or {}
    wave = ctx.get("wave")
    if not wave:
        return None
    aggregate, _, name = topic.rpartition(":")[2].partition(".")
    if aggregate in SPLIT_FROM_WAVE:  # streams split off the wave keep the Prefect event names automations know
        aggregate, name = "Wave", SPLIT_FROM_WAVE[aggregate] + name
    kind = aggregate.lower()
    related = [
        {"prefect.resource.id": f"prefect.flow-run.{run}", "prefect.resource.role": "flow-run"}
        for run in filter(None, [_uuid(ctx.get("flow_run_id", ""))])
    ]
    if ctx.get("operation"):
        related.append(
            {
                "prefect.resource.id": f"erpflow.operation.{wave}.{ctx['operation']}",
                "prefect.resource.role": "operation",
                "prefect.resource.name": ctx["operation"],
            }
        )
    if kind != "wave":  # an anomaly's severity is a label, so that an automation can match blocking ones
        labels = {"erpflow.severity": state["severity"]} if isinstance(state.get("severity"), str) else {}
        related.append({"prefect.resource.id": f"erpflow.{kind}.{originator}", "prefect.resource.role": kind, **labels})
    payload = {key: value for key, value in state.items() if key not in SKIPPED and _small(value)}
    payload.update(position=position, actor=ctx.get("actor", ""), operation=ctx.get("operation", ""))
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"{originator}/{version}")),
        "occurred": state["timestamp"]["_data_"],
        "event": f"erpflow.{kind}.{re.sub(r'(?<!^)(?=[A-Z])', '-', name).lower()}",
        "resource": {"prefect.resource.id": f"erpflow.wave.{wave}", "prefect.resource.name": wave},
        "related": related,
        "payload": payload,
    }


TRACKING = "CREATE TABLE IF NOT EXISTS erpflow_tracking (projection TEXT PRIMARY KEY, position BIGINT NOT NULL)"


def _tables(ledger: Ledger) -> StoreTables:
    tables = StoreTables(ledger.store_env)
    tables.query(TRACKING)
    return tables


def position(ledger: Ledger) -> int:
    return _position(StoreTables(ledger.store_env))


def _position(tables: StoreTables) -> int:
    """The tracked position in one statement, the table created only when it is not there yet: publish runs
    after every batch, and each statement here opens a connection."""
    try:
        found = tables.query("SELECT position FROM erpflow_tracking WHERE projection = ?", NAME)
    except Exception:  # no tracking table yet (a driver's own error type)
        tables.query(TRACKING)
        found = []
    return found[0][0] if found else 0


def publish(ledger: Ledger, send: Send, page: int = PAGE, observe: Observe | None = None) -> int:
    """Send every event after the tracked position, a page at a time; the number of events sent. ``observe`` is
    shown each stored event read (a live view's anomalies table reads them there, at no extra cost)."""
    tables, sent = StoreTables(ledger.store_env), 0
    start = _position(tables)
    batch: list[dict] = []
    last = start
    for record in notifications(ledger, start + 1):
        state = json.loads(record.state)
        if observe is not None:
            observe(record.topic, record.originator_id, record.originator_version, state)
        found = prefect_event(record.id, record.topic, record.originator_id, record.originator_version, state)
        batch += [found] if found else []
        last = record.id
        if len(batch) >= page:
            sent += _flush(tables, send, batch, last)
            batch = []
    if last > start:
        sent += _flush(tables, send, batch, last)
    return sent


def _flush(tables: StoreTables, send: Send, batch: list[dict], last: int) -> int:
    if batch:
        send(batch)
    tables.query(
        "INSERT INTO erpflow_tracking (projection, position) VALUES (?, ?) ON CONFLICT (projection) "
        "DO UPDATE SET position = CASE WHEN excluded.position > erpflow_tracking.position "
        "THEN excluded.position ELSE erpflow_tracking.position END",
        NAME,
        last,
    )
    return len(batch)


def to_prefect(events: list[dict[str, Any]]) -> None:
    """POST a page of events to the Prefect API this process is configured for."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.request("POST", "/events", json=events)
