"""The SQLite event store: eventsourcing's recorder, chaining and indexing each event as it is stored.

Named by ``PERSISTENCE_MODULE=erpflow.store.sqlite``: eventsourcing finds ``Factory`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing import sqlite as library
from eventsourcing.persistence import DataError, Notification, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
)

from erpflow.store.chained import ChainedRecorder
from erpflow.store.mapper import uuid_of_hex


class ChainedSQLiteRecorder(ChainedRecorder, SQLiteApplicationRecorder):
    """SQLite's application recorder; the write lock SQLite holds from the first insert makes the chain serial."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.log_table = events_table_name
        self.create_table_statements += self.chain_statements()

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._append(c, stored_events, ids or [], kwargs.get("waves"))
        return ids

    def convert_originator_id(self, originator_id: str) -> UUID | str:
        """The library's conversion; an id that is not a UUID (written behind erpflow's back) is the library's
        `DataError`, a storage error, not a bare ValueError."""
        try:
            return super().convert_originator_id(originator_id)
        except ValueError:
            raise DataError("a stored aggregate id is not a UUID") from None

    def _reading(self) -> Any:
        return self.datastore.transaction(commit=False)

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _plain(self, c: Any) -> None:
        c.sqlite_cursor.row_factory = None

    def stored_ids(self) -> Callable[[Any], Any] | None:
        return uuid_of_hex if self.datastore.originator_id_type == "uuid" else None

    def _notification(self, row: Any) -> Notification:
        return Notification(
            id=row["rowid"],
            originator_id=self.convert_originator_id(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=row["state"],
        )


class ChainedSQLiteFactory(library.SQLiteFactory):
    application_recorder_class = ChainedSQLiteRecorder


Factory = ChainedSQLiteFactory
