"""Tables of erpflow's own beside the events, in the same store: the SQLite file or the PostgreSQL schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from typing import Any


def connect_postgres(env: dict[str, str], **options: Any) -> Any:
    """A psycopg connection to the event store's PostgreSQL database, as eventsourcing's environment names it."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        **options,
    )


class StoreTables:
    """Plain SQL on the event store's database; ``?`` placeholders on both SQLite and PostgreSQL."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.postgres = env["PERSISTENCE_MODULE"].endswith("postgres")

    def _connect(self) -> Any:
        if self.postgres:
            return connect_postgres(self.env, options=f"-c search_path={self.env['POSTGRES_SCHEMA'] or 'public'}")
        return sqlite3.connect(self.env["SQLITE_DBNAME"], timeout=30, isolation_level=None)

    @contextmanager
    def transaction(self, writes: bool = True) -> Iterator[Cursor]:
        """One transaction: committed when the block ends, rolled back if it raises. On SQLite a writing
        transaction takes the write lock at once, so that two writers queue rather than fail."""
        with closing(self._connect()) as conn:
            if not self.postgres:
                conn.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
            cursor = Cursor(conn, self.postgres)
            try:
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def query(self, sql: str, *params: Any) -> list[tuple]:
        with self.transaction(writes=not sql.lstrip().upper().startswith("SELECT")) as cursor:
            return cursor.execute(sql, *params)


class Cursor:
    def __init__(self, connection: Any, postgres: bool):
        self.connection, self.cursor, self.postgres = connection, connection.cursor(), postgres

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, *params: Any) -> list[tuple]:
        self.cursor.execute(self._sql(sql), params)
        return self.cursor.fetchall() if self.cursor.description else []

    def executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        """Run ``sql`` for each row; ``rows`` may be a generator, read as the statement runs."""
        self.cursor.executemany(self._sql(sql), rows)

    def stream(self, sql: str, *params: Any, size: int) -> Iterator[list[tuple]]:
        """The rows of one SELECT, ``size`` at a time, each page read when asked for (through a server-side
        cursor on PostgreSQL, which would otherwise send every row at once)."""
        cursor = self.connection.cursor("erpflow_stream") if self.postgres else self.connection.cursor()
        with closing(cursor):
            cursor.execute(self._sql(sql), params)
            while rows := cursor.fetchmany(size):
                yield rows
