"""The notification log's stored rows in pages of plain tuples, for projections that need no event objects.

A row is (position, originator id, originator version, topic, state bytes), as stored; read a state's few fields
with a typed decoder (`erpflow.store.states`), or the whole of it with ``orjson.loads``, when the projection
needs it, and only then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from erpflow.store.tables import StoreTables

__all__ = ["PAGE", "last_position", "pages", "states"]

PAGE = 1000  # a page of small states stays within a core's cache: 5,000 rows cost a third more a row


def _column(tables: StoreTables) -> str:
    return "notification_id" if tables.postgres else "rowid"


def last_position(ledger: Any) -> int:
    """The position of the last stored row (0 for an empty log)."""
    tables = StoreTables(ledger.store_env)
    rows = tables.query(f"SELECT MAX({_column(tables)}) FROM {ledger.recorder.events_table_name}")
    return rows[0][0] or 0


def pages(
    ledger: Any, start: int = 1, size: int = PAGE, topics: Sequence[str] = (), stop: int | None = None
) -> Iterator[list[tuple]]:
    """Pages of stored rows from position ``start`` on (to ``stop``; only those of ``topics`` when given: the
    others are skipped by the database, never made tuples), in one read transaction."""
    return _read(ledger, "originator_id, originator_version, topic, state", start, size, topics, stop)


def states(
    ledger: Any, start: int = 1, size: int = PAGE, topics: Sequence[str] = (), stop: int | None = None
) -> Iterator[list[tuple[int, bytes]]]:
    """The same pages with (position, state) alone in each row, for a projection that reads nothing else."""
    return _read(ledger, "state", start, size, topics, stop)


def _read(
    ledger: Any, columns: str, start: int, size: int, topics: Sequence[str], stop: int | None
) -> Iterator[list[tuple]]:
    tables = StoreTables(ledger.store_env)
    column = _column(tables)
    where = f" AND topic IN ({', '.join('?' * len(topics))})" if topics else ""
    if stop is not None:
        where += f" AND {column} <= {int(stop)}"
    sql = (
        f"SELECT {column}, {columns} FROM {ledger.recorder.events_table_name} WHERE {column} >= ?{where} "
        f"ORDER BY {column}"
    )
    with tables.transaction(writes=False) as cursor:
        yield from cursor.stream(sql, start, *topics, size=size)
