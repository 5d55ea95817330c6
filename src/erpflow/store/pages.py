"""The notification log's stored rows in pages of plain tuples, for projections that need no event objects.

A row is (position, originator id, originator version, topic, state bytes), as stored; decode a state with
``orjson.loads`` when the projection needs it, and only then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from erpflow.store.tables import StoreTables

__all__ = ["PAGE", "pages"]

PAGE = 5000


def pages(ledger: Any, start: int = 1, size: int = PAGE, topics: Sequence[str] = ()) -> Iterator[list[tuple]]:
    """Pages of stored rows from position ``start`` on (only those of ``topics`` when given), in one read
    transaction."""
    tables = StoreTables(ledger.store_env)
    column = "notification_id" if tables.postgres else "rowid"
    where = f" AND topic IN ({', '.join('?' * len(topics))})" if topics else ""
    sql = (
        f"SELECT {column}, originator_id, originator_version, topic, state FROM "
        f"{ledger.recorder.events_table_name} WHERE {column} >= ?{where} ORDER BY {column} LIMIT {int(size)}"
    )
    with tables.transaction(writes=False) as cursor:
        while True:
            rows = cursor.execute(sql, start, *topics)
            if rows:
                yield rows
            if len(rows) < size:
                return
            start = rows[-1][0] + 1
