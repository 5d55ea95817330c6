"""The PostgreSQL event store: eventsourcing's recorder, chaining and indexing each event as it is stored.

Named by ``PERSISTENCE_MODULE=erpflow.store.postgres``: eventsourcing finds ``Factory`` here.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing import postgres as library
from eventsourcing.persistence import Notification, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import postgres
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from erpflow.store.chained import CHAIN, GENESIS, WAVES, ChainedRecorder, link


def _element(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of ints, UUIDs or strings (quoted, each distinct one escaped once): one text
    parameter, where a list is dumped element by element in Python."""
    if not values:
        return "{}"
    kinds = set(map(type, values))
    if kinds == {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {UUID}:
        return "{" + ",".join(map(str, values)) + "}"
    texts = values if kinds == {str} else [value if type(value) is str else str(value) for value in values]
    escaped = {text: _element(text) for text in set(texts)}
    return "{" + ",".join([escaped[text] for text in texts]) + "}"


class _ByteaArray(bytes):
    """A bytea[] in PostgreSQL's binary format, made by `bytea_array`."""


class _ByteaArrayDumper(Dumper):
    format = Format.BINARY
    oid = postgres.types["bytea"].array_oid

    def dump(self, obj: Buffer) -> Buffer:
        return obj


psycopg.adapters.register_dumper(_ByteaArray, _ByteaArrayDumper)
_HEADER = struct.Struct("!iiIii")  # dimensions, has nulls, element type, length, lower bound


def bytea_array(values: Sequence[bytes]) -> _ByteaArray:
    """A one-dimension bytea[] parameter in binary: its bytes joined once, where psycopg dumps a list element by
    element in Python."""
    if not values:
        return _ByteaArray(_HEADER.pack(0, 0, postgres.types["bytea"].oid, 0, 0)[:12])
    body = b"".join([len(value).to_bytes(4, "big") + value for value in values])
    return _ByteaArray(_HEADER.pack(1, 0, postgres.types["bytea"].oid, len(values), 1) + body)


# One statement stores a save's events and, when the client chained them on the right head, their chain and wave
# rows: every stored record has its rows (none left by an older store), the chain's head is the digest the client
# chained on, and the positions the insert gave are those the client chained (given in the order of the rows
# sent, as the library's own insert takes them). Otherwise it stores the events alone and returns the heads, from
# which the client writes the rows (`_append`). All of it after the table lock, in the statement's one snapshot.
APPEND = """
WITH heads AS (
    SELECT COALESCE((SELECT position FROM {chain} ORDER BY position DESC LIMIT 1), 0) AS chained,
        COALESCE((SELECT digest FROM {chain} ORDER BY position DESC LIMIT 1), {genesis}) AS digest,
        COALESCE((SELECT position FROM {waves} ORDER BY position DESC LIMIT 1), 0) AS indexed,
        COALESCE((SELECT MAX(notification_id) FROM {events}), 0) AS stored
), inserted AS (
    INSERT INTO {events} AS t (originator_id, originator_version, topic, state)
    SELECT * FROM unnest(%(ids)s::{id_type}[], %(versions)s::bigint[], %(topics)s::text[], %(states)b::bytea[])
    RETURNING notification_id
), checked AS MATERIALIZED (
    SELECT chained, digest, indexed, stored <= LEAST(chained, indexed) AND digest = %(previous)s
        AND (SELECT array_agg(notification_id ORDER BY notification_id) FROM inserted) = %(positions)s::bigint[] AS done
    FROM heads
), chain_rows AS (
    INSERT INTO {chain} (position, digest)
    SELECT * FROM unnest(%(positions)s::bigint[], %(digests)s::text[]) WHERE (SELECT done FROM checked)
), wave_rows AS (
    INSERT INTO {waves} (position, wave)
    SELECT * FROM unnest(%(positions)s::bigint[], %(waves)s::text[]) WHERE (SELECT done FROM checked)
)
SELECT notification_id, chained, digest, indexed, done FROM inserted, checked
"""


class ChainedPostgresRecorder(ChainedRecorder, PostgresApplicationRecorder):
    """PostgreSQL's application recorder; the table lock it takes for each insert makes the chain serial."""

    placeholder = "%s"
    id_column = "notification_id"

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:  # its insert function would store events the chain never sees
            msg = "erpflow chains each insert: POSTGRES_ENABLE_DB_FUNCTIONS must stay off"
            raise OSError(msg)
        super().__init__(datastore, events_table_name=events_table_name)
        schema = '"' + datastore.schema.replace('"', '""') + '"'
        self.chain_table, self.waves_table = f"{schema}.{CHAIN}", f"{schema}.{WAVES}"
        self.log_table = f'{schema}."{events_table_name}"'
        self.sql_create_statements += [SQL(statement).format() for statement in self.chain_statements()]
        # The library sends a save as one array of its composite type, dumped as text: every state's bytes go
        # through a regular-expression escape. Four arrays in binary carry the same rows for a fraction of that.
        self.insert_events_statement = SQL(APPEND).format(
            events=Identifier(datastore.schema, events_table_name),
            chain=Identifier(datastore.schema, CHAIN),
            waves=Identifier(datastore.schema, WAVES),
            id_type=Identifier(datastore.originator_id_type),
            genesis=GENESIS,
        )
        # The chain's head as this recorder's last insert left it: the next insert chains on it before it is
        # stored, and gets the positions after it when no one else wrote in between.
        self._head_left: tuple[int, str] | None = None
        self._sent = threading.local()  # the head the insert in progress leaves, when `APPEND` takes its rows

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """The library's insert (table lock, notification, then the rows), the rows sent as arrays: the states
        in binary, the other columns as text literals; with them the chain rows, chained on the head this recorder
        left (`APPEND` checks it)."""
        self._lock_table(curs)
        self._notify_channel(curs)
        waves, left, digests = kwargs.get("waves"), self._head_left, []
        ids = [stored.originator_id for stored in stored_events]
        texts = list(map(str, ids))  # as the digest writes them, and uuid[] reads them
        if left is not None:
            position, digest = left
            for stored, text in zip(stored_events, texts, strict=True):
                position += 1
                digest = link(digest, position, text, stored.originator_version, stored.topic, stored.state)
                digests.append(digest)
            self._sent.head = (position, digest)
        curs.execute(
            self.insert_events_statement,
            {
                "ids": "{" + ",".join(texts) + "}" if set(map(type, ids)) == {UUID} else array_literal(ids),
                "versions": array_literal([stored.originator_version for stored in stored_events]),
                "topics": array_literal([stored.topic for stored in stored_events]),
                "states": bytea_array([stored.state for stored in stored_events]),
                "waves": array_literal(waves if waves is not None else [""] * len(stored_events)),
                "previous": left[1] if left else None,
                "positions": array_literal(list(range(left[0] + 1, left[0] + 1 + len(digests)))) if left else "{}",
                "digests": "{" + ",".join(digests) + "}",  # hex digits: nothing to quote
            },
            prepare=True,
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The library reads the ids as one dict a row; plain tuples cost a fraction of that.
        factory, curs.row_factory = curs.row_factory, tuple_row
        try:
            rows = curs.fetchall()
        finally:
            curs.row_factory = factory
        ids = [row[0] for row in rows]
        if len(ids) != len(stored_events):
            msg = f"Couldn't get all notification IDs (got {len(ids)}, expected {len(stored_events)})"
            raise ProgrammingError(msg)
        if rows and rows[0][4]:
            self._head_left = self._sent.head
        elif rows:
            self._head_left = self._append(curs, stored_events, ids, kwargs.get("waves"), rows[0][1:4])
        return ids

    def _insert_rows(self, c: Any, chain: list[tuple[int, str]], index: list[tuple[int, str]]) -> None:
        """One statement each, the columns as binary arrays: an executemany sends one statement a row."""
        if chain:
            c.execute(
                f"INSERT INTO {self.chain_table} (position, digest) SELECT * FROM unnest(%s::bigint[], %s::text[])",
                (
                    array_literal([position for position, _ in chain]),
                    "{" + ",".join([digest for _, digest in chain]) + "}",  # hex digits: nothing to quote
                ),
            )
        if index:
            c.execute(
                f"INSERT INTO {self.waves_table} (position, wave) SELECT * FROM unnest(%s::bigint[], %s::text[])",
                (array_literal([position for position, _ in index]), array_literal([wave for _, wave in index])),
            )

    def _reading(self) -> Any:
        return self.datastore.transaction(commit=False)

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            yield curs

    def _plain(self, c: Any) -> None:
        c.row_factory = tuple_row

    def _notification(self, row: Any) -> Notification:
        return Notification(
            id=row["notification_id"],
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )


class ChainedPostgresFactory(library.PostgresFactory):
    application_recorder_class = ChainedPostgresRecorder


Factory = ChainedPostgresFactory
