"""The hash chain over the notification log.

Each record's digest covers the previous digest and the record as stored: its position, aggregate id and
version, event topic and the bytes of its state. Digests are kept in a table beside the events
(``erpflow_chain``); sealing extends the chain to the end of the log and records the head as an event.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Any

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
        self.env = env
        self.postgres = env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        self._execute("CREATE TABLE IF NOT EXISTS erpflow_chain (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)")

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            env = self.env
            conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                                   port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                   password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
                                   options=f"-c search_path={env['POSTGRES_SCHEMA'] or 'public'}")
            return conn
        return sqlite3.connect(self.env["SQLITE_DBNAME"], timeout=30, isolation_level=None)

    def _execute(self, sql: str, rows: Iterable[tuple] | None = None) -> list[tuple]:
        if self.postgres:
            sql = sql.replace("?", "%s")
        with closing(self._connect()) as conn:
            if rows is not None:
                with closing(conn.cursor()) as cursor:
                    cursor.executemany(sql, list(rows))
                return []
            with closing(conn.cursor()) as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []

    def head(self) -> tuple[int, str]:
        rows = self._execute("SELECT position, digest FROM erpflow_chain ORDER BY position DESC LIMIT 1")
        return (rows[0][0], rows[0][1]) if rows else (0, GENESIS)

    def digests(self) -> dict[int, str]:
        return dict(self._execute("SELECT position, digest FROM erpflow_chain"))

    def add(self, rows: list[tuple[int, str]]) -> None:
        conflict = "ON CONFLICT (position) DO NOTHING"
        self._execute(f"INSERT INTO erpflow_chain (position, digest) VALUES (?, ?) {conflict}", rows)


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
