"""The hash chain over the notification log.

Each record's digest covers the previous digest and the record as stored: its position, aggregate id and
version, event topic and the bytes of its state. The event store's recorder writes each digest into
``erpflow_chain`` in the transaction that stores the record (see erpflow.store.chained).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from erpflow.store.chained import GENESIS, link
from erpflow.store.tables import StoreTables

__all__ = ["GENESIS", "PAGE", "ChainStore", "link", "notifications"]
PAGE = 1000


def notifications(ledger: Any, start: int = 1) -> Iterator[Any]:
    """The stored records of the log from ``start`` on, as stored (state bytes undecoded)."""
    while True:
        page = ledger.recorder.select_notifications(start, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


class ChainStore:
    """The digests of the chain, in a table of the event store itself (SQLite file or PostgreSQL schema)."""

    def __init__(self, env: dict[str, str]):
        self.tables = StoreTables(env)

    def head(self) -> tuple[int, str]:
        """The position and digest of the last chained record; (0, GENESIS) for an empty log."""
        rows = self.tables.query("SELECT position, digest FROM erpflow_chain ORDER BY position DESC LIMIT 1")
        return (rows[0][0], rows[0][1]) if rows else (0, GENESIS)

    def digests(self, start: int = 1, stop: int | None = None) -> dict[int, str]:
        """Position -> digest, from ``start`` (to ``stop``)."""
        if stop is None:
            return dict(self.tables.query("SELECT position, digest FROM erpflow_chain WHERE position >= ?", start))
        return dict(
            self.tables.query(
                "SELECT position, digest FROM erpflow_chain WHERE position >= ? AND position <= ?", start, stop
            )
        )
