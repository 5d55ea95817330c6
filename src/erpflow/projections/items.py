"""The items read model: one row per item of every batch that succeeded, with its latest outcome.

Built from the notification log and tracking its position, in the same transaction as its rows: `update` reads
only what came after, `rebuild` starts again from zero and must give the same rows. `update_wave` brings one
wave's rows up to date from that wave's own events, read through the wave index with a position tracked per wave:
what other waves wrote since is never read. A row keeps the outcome of its latest position, whichever applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import orjson
from eventsourcing.utils import get_topic

from erpflow.application.ledger import Ledger
from erpflow.model.batch import Batch
from erpflow.store.pages import last_position, states
from erpflow.store.states import Context, Int64
from erpflow.store.tables import Cursor, StoreTables

NAME = "items"
SUCCEEDED = get_topic(Batch.Succeeded)
COLUMNS = ("wave", "operation", "ref", "source", "status", "erp_id", "reason", "position")
TRACKING = "CREATE TABLE IF NOT EXISTS erpflow_tracking (projection TEXT PRIMARY KEY, position BIGINT NOT NULL)"
UPSERT = (
    f"INSERT INTO erpflow_items ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (wave, operation, ref, source) DO UPDATE SET status = excluded.status, "
    "erp_id = excluded.erp_id, reason = excluded.reason, position = excluded.position "
    "WHERE excluded.position >= erpflow_items.position"
)
TRACK = (
    "INSERT INTO erpflow_tracking (projection, position) VALUES (?, ?) ON CONFLICT (projection) "
    "DO UPDATE SET position = excluded.position"
)


def _items_table(postgres: bool) -> str:
    """The table, its rows kept in the order of their key on SQLite (no rowid: one B-tree to write, not two)."""
    return (
        "CREATE TABLE IF NOT EXISTS erpflow_items (wave TEXT NOT NULL, operation TEXT NOT NULL, ref TEXT NOT NULL,"
        " source TEXT NOT NULL, status TEXT NOT NULL, erp_id TEXT NOT NULL, reason TEXT NOT NULL,"
        " position BIGINT NOT NULL, PRIMARY KEY (wave, operation, ref, source))"
        + ("" if postgres else " WITHOUT ROWID")
    )


def _tables(ledger: Ledger) -> StoreTables:
    tables = StoreTables(ledger.store_env)
    with tables.transaction() as cursor:
        cursor.execute(_items_table(tables.postgres))
        cursor.execute(TRACKING)
    return tables


class _Outcome(msgspec.Struct, gc=False):
    ref: str = ""
    source: str = ""
    status: str = ""
    erp_id: Int64 | str = ""
    reason: str = ""


class _Succeeded(msgspec.Struct, gc=False):
    """What the read model reads of a Batch.Succeeded state, typed as erpflow stores it."""

    ctx: Context
    outcomes: list[_Outcome] = []


_succeeded = msgspec.json.Decoder(_Succeeded)


def _rows(position: int, stored: bytes) -> list[tuple]:
    """The outcomes of a Batch.Succeeded record, read from its stored state (no event object, no dict of it)."""
    try:
        state = _succeeded.decode(stored)
    except msgspec.DecodeError:  # an odd state (a null, a number for a name): read as orjson reads it
        return _rows_of(position, orjson.loads(stored))
    wave, operation = state.ctx.wave, state.ctx.operation
    return [
        (wave, operation, o.ref, o.source, o.status, str(o.erp_id) if o.erp_id else "", o.reason, position)
        for o in state.outcomes
    ]


def _rows_of(position: int, state: dict[str, Any]) -> list[tuple]:
    ctx = state["ctx"]
    return [
        (
            ctx.get("wave", ""),
            ctx.get("operation", ""),
            str(o.get("ref", "")),
            o.get("source") or "",
            o.get("status", ""),
            str(o.get("erp_id") or ""),
            o.get("reason") or "",
            position,
        )
        for o in state.get("outcomes", [])
    ]


def _rows_in(succeeded: Iterable[tuple[int, bytes]]) -> Iterator[tuple]:
    """The rows of Batch.Succeeded records given as (position, stored state), in their order, as they are read."""
    for position, stored in succeeded:
        yield from _rows(position, stored)


def _rows_after(ledger: Ledger, position: int, last: int) -> Iterator[tuple]:
    """The rows of the Batch.Succeeded records after ``position`` up to ``last``, in log order, as they are read."""
    pages = states(ledger, position + 1, topics=(SUCCEEDED,), stop=last)
    return _rows_in(record for page in pages for record in page)


def _apply(ledger: Ledger, cursor: Cursor, position: int) -> int:
    """Write the rows of what the log holds after ``position``, streamed to the database as they are read (an
    item met twice keeps its latest outcome: `UPSERT`); the new position."""
    # Up to the last position stored now: rows up to it are all committed (writers of the log commit in its
    # order), and the database skips the other topics' rows itself.
    last = last_position(ledger)
    cursor.executemany(UPSERT, _rows_after(ledger, position, last))
    return max(position, last)


def update(ledger: Ledger) -> int:
    """Apply what the log holds after the tracked position; the new position."""
    tables = _tables(ledger)
    with tables.transaction() as cursor:
        found = cursor.execute("SELECT position FROM erpflow_tracking WHERE projection = ?", NAME)
        position = _apply(ledger, cursor, found[0][0] if found else 0)
        cursor.execute(TRACK, NAME, position)
    return position


def update_wave(ledger: Ledger, wave: str) -> int:
    """Apply the wave's own events after the position tracked for it; the new position."""
    tables = _tables(ledger)
    with tables.transaction() as cursor:
        found = cursor.execute("SELECT position FROM erpflow_tracking WHERE projection = ?", f"{NAME}:{wave}")
        position = found[0][0] if found else 0
        succeeded = []
        for record in ledger.wave_records(wave, after=position):
            if record.topic == SUCCEEDED:
                succeeded.append((record.id, record.state))
            position = record.id
        cursor.executemany(UPSERT, _rows_in(succeeded))
        cursor.execute(TRACK, f"{NAME}:{wave}", position)
    return position


def rebuild(ledger: Ledger) -> int:
    """Drop every row and the tracked positions, then build again from the first event, in one transaction
    (readers see the old rows until it commits). On SQLite the table is made anew, as `_items_table` has it
    today (a store made before has a rowid table); on PostgreSQL its layout has not changed: its rows go."""
    tables = _tables(ledger)
    with tables.transaction() as cursor:
        if tables.postgres:
            cursor.execute("DELETE FROM erpflow_items")
        else:
            cursor.execute("DROP TABLE erpflow_items")
            cursor.execute(_items_table(postgres=False))
        cursor.execute("DELETE FROM erpflow_tracking WHERE projection = ? OR projection LIKE ?", NAME, f"{NAME}:%")
        position = _apply(ledger, cursor, 0)
        cursor.execute(TRACK, NAME, position)
    return position


def items(ledger: Ledger, wave: str, operation: str | None = None, status: str | None = None) -> list[dict]:
    """The rows of one wave, optionally of one operation or one status, in the order they were recorded."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM erpflow_items WHERE wave = ?"
    params: list[Any] = [wave]
    for column, value in (("operation", operation), ("status", status)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    rows = _tables(ledger).query(sql + " ORDER BY position, operation, ref, source", *params)
    return [dict(zip(COLUMNS, row, strict=False)) for row in rows]
