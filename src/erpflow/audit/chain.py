"""The hash chain over the notification log.

Each record's digest covers the previous digest and the record as stored: its position, aggregate id and
version, event topic and the bytes of its state. Digests are kept in a table beside the events
(``erpflow_chain``); sealing extends the chain to the end of the log and records the head as an event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from erpflow.store.tables import StoreTables

GENESIS = "0" * 64
PAGE = 1000


def link(previous: str, position: int, originator_id: Any, version: int, topic: str, state: bytes) -> str:
    """The digest of one record, chained to the previous one (reproducible with hashlib alone)."""
    digest = hashlib.sha256(f"{previous}|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


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
        self.tables.query("CREATE TABLE IF NOT EXISTS erpflow_chain (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)")

    def head(self) -> tuple[int, str]:
        rows = self.tables.query("SELECT position, digest FROM erpflow_chain ORDER BY position DESC LIMIT 1")
        return (rows[0][0], rows[0][1]) if rows else (0, GENESIS)

    def digests(self) -> dict[int, str]:
        return dict(self.tables.query("SELECT position, digest FROM erpflow_chain"))

    def add(self, rows: list[tuple[int, str]]) -> None:
        with self.tables.transaction() as cursor:
            cursor.executemany("INSERT INTO erpflow_chain (position, digest) VALUES (?, ?) "
                               "ON CONFLICT (position) DO NOTHING", rows)


def extend(ledger: Any, store: ChainStore) -> tuple[int, str]:
    """Chain every record after the current head; the new head."""
    position, digest = store.head()
    rows = []
    for record in notifications(ledger, position + 1):
        digest = link(digest, record.id, record.originator_id, record.originator_version, record.topic,
                      record.state)
        position = record.id
        rows.append((position, digest))
    if rows:
        store.add(rows)
    return position, digest
