"""What the chained recorders share: the digest formula, and the rows written beside each stored event.

Beside every event, in the transaction that stores it, two rows keyed by its position in the log:
``erpflow_chain`` (its digest, chained on the previous row's) and ``erpflow_waves`` (the wave it belongs to).
The SQLite and PostgreSQL recorders differ only in how they run SQL and lock the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent

GENESIS = "0" * 64
CHAIN, WAVES = "erpflow_chain", "erpflow_waves"
PAGE = 1000


def link(previous: str, position: int, originator_id: Any, version: int, topic: str, state: bytes) -> str:
    """The digest of one record, chained to the previous one (reproducible with hashlib alone)."""
    digest = hashlib.sha256(f"{previous}|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


class ChainedRecorder:
    """Mixin for an application recorder: chains and indexes what it inserts, in the same transaction.

    ``wave_of`` names the wave of a record stored without one (the tail of a store written before these
    tables existed); the application sets it, since decoding is the mapper's business.
    """

    wave_of: Callable[[Notification], str] | None = None
    placeholder = "?"
    id_column = "rowid"
    chain_table = CHAIN
    waves_table = WAVES
    log_table: str  # the events table, as SQL names it

    def _reading(self) -> AbstractContextManager[Any]:
        """A read-only transaction's cursor."""
        raise NotImplementedError

    def _locked(self) -> AbstractContextManager[Any]:
        """A writing transaction's cursor, holding the lock that serialises writers of the log."""
        raise NotImplementedError

    def _notification(self, row: Any) -> Notification:
        raise NotImplementedError

    def _plain(self, c: Any) -> None:
        """Make the cursor give plain tuples."""
        raise NotImplementedError

    def stored_ids(self) -> Callable[[Any], Any] | None:
        """What turns an originator id as `select_rows` gives it into the one `select_notifications` gives
        (None: the same)."""
        return None

    def select_rows(self, start: int, limit: int) -> list[tuple[int, Any, int, str, bytes]]:
        """One page of the log from position ``start`` on, as plain tuples: (position, originator id as stored,
        originator version, topic, state); no object a row."""
        column = self.id_column
        sql = (
            f"SELECT {column}, originator_id, originator_version, topic, state FROM {self.log_table} "
            f"WHERE {column} >= ? ORDER BY {column} LIMIT ?"
        )
        with self._reading() as c:
            self._plain(c)
            return self._fetch(c, sql, [start, limit])

    def chain_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.chain_table} (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.waves_table} (position BIGINT PRIMARY KEY, wave TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {WAVES}_wave ON {self.waves_table} (wave, position)",
        ]

    def _fetch(self, c: Any, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        c.execute(sql.replace("?", self.placeholder), params)
        return list(c.fetchall())

    def _head(self, c: Any, table: str, column: str) -> tuple[int, Any]:
        rows = self._fetch(c, f"SELECT position, {column} FROM {table} ORDER BY position DESC LIMIT 1")
        return (rows[0]["position"], rows[0][column]) if rows else (0, GENESIS)

    def _heads(self, c: Any) -> tuple[int, str, int]:
        """In one statement: the last chained position and its digest, the last indexed position."""
        last = "SELECT {} FROM {} ORDER BY position DESC LIMIT 1"
        row = self._fetch(
            c,
            f"SELECT ({last.format('position', self.chain_table)}) AS position, "
            f"({last.format('digest', self.chain_table)}) AS digest, "
            f"({last.format('position', self.waves_table)}) AS indexed",
        )[0]
        return row["position"] or 0, row["digest"] or GENESIS, row["indexed"] or 0

    def _after(self, c: Any, start: int, stop: int | None) -> Iterator[Notification]:
        """The stored records after ``start`` (and before ``stop``), read in this transaction, page by page."""
        column = self.id_column
        while True:
            sql = f"SELECT {column}, * FROM {self.log_table} WHERE {column} > ?"
            params: list[Any] = [start]
            if stop is not None:
                sql += f" AND {column} < ?"
                params.append(stop)
            rows = self._fetch(c, sql + f" ORDER BY {column} LIMIT ?", [*params, PAGE])
            records = [self._notification(row) for row in rows]
            yield from records
            if len(rows) < PAGE:
                return
            start = records[-1].id

    def _append(
        self,
        c: Any,
        stored_events: Sequence[StoredEvent],
        ids: Sequence[int],
        waves: Sequence[str] | None,
        heads: tuple[int, str, int] | None = None,
    ) -> tuple[int, str]:
        """Write the chain and wave rows of the records just inserted, and of any earlier ones left without; the
        chain's head after them (position, digest).

        ``heads`` are those `_heads` would read, when the caller read them already in the same transaction."""
        position, digest, indexed = heads if heads is not None else self._heads(c)
        head = position
        chain: list[tuple[int, str]] = []
        index: list[tuple[int, str]] = []
        first = ids[0] if ids else None
        if first is None or min(position, indexed) < first - 1:
            for record in self._after(c, min(position, indexed), first):
                if record.id > position:
                    digest = link(
                        digest, record.id, record.originator_id, record.originator_version, record.topic, record.state
                    )
                    chain.append((record.id, digest))
                    head = record.id
                if record.id > indexed:
                    index.append((record.id, self.wave_of(record) if self.wave_of else ""))
        names = list(waves) if waves is not None else [""] * len(stored_events)
        for stored, notification_id, wave in zip(stored_events, ids, names, strict=True):
            digest = link(
                digest, notification_id, stored.originator_id, stored.originator_version, stored.topic, stored.state
            )
            chain.append((notification_id, digest))
            index.append((notification_id, wave))
            head = notification_id
        self._insert_rows(c, chain, index)
        return head, digest

    def _insert_rows(self, c: Any, chain: list[tuple[int, str]], index: list[tuple[int, str]]) -> None:
        """Insert the chain rows (position, digest) and the wave rows (position, wave)."""
        q = self.placeholder
        if chain:
            c.executemany(f"INSERT INTO {self.chain_table} (position, digest) VALUES ({q}, {q})", chain)
        if index:
            c.executemany(f"INSERT INTO {self.waves_table} (position, wave) VALUES ({q}, {q})", index)

    def first_of(self, topic: str) -> Any | None:
        """The originator id of the first record of ``topic`` in the log, as stored (None: no such record)."""
        column = self.id_column
        sql = f"SELECT originator_id FROM {self.log_table} WHERE topic = ? ORDER BY {column} LIMIT 1"
        with self._reading() as c:
            self._plain(c)
            rows = self._fetch(c, sql, [topic])
        return rows[0][0] if rows else None

    def lagging(self) -> bool:
        """Whether some stored record has no chain or wave row yet (a store written by older code)."""
        with self._reading() as c:
            rows = self._fetch(c, f"SELECT MAX({self.id_column}) AS last FROM {self.log_table}")
            last = rows[0]["last"] or 0
            position, _, indexed = self._heads(c)
            return min(position, indexed) < last

    def catch_up(self) -> None:
        """Chain and index, once, the records stored before these tables existed."""
        with self._locked() as c:
            self._append(c, [], [], None)

    def chain_head(self) -> tuple[int, str]:
        """The position and digest of the last chained record; (0, GENESIS) for an empty log."""
        with self._reading() as c:
            return self._head(c, self.chain_table, "digest")

    def select_chain(self, start: int, stop: int | None) -> list[tuple[int, str]]:
        """The chain rows from position ``start`` (to ``stop``), in order."""
        sql, params = f"SELECT position, digest FROM {self.chain_table} WHERE position >= ?", [start]
        if stop is not None:
            sql, params = sql + " AND position <= ?", [start, stop]
        with self._reading() as c:
            return [(row["position"], row["digest"]) for row in self._fetch(c, sql + " ORDER BY position", params)]

    def link_of(self, position: int) -> tuple[str, str]:
        """The digest chained before ``position`` (the previous row's, or GENESIS) and the digest at it ("" when
        it has none)."""
        last = f"SELECT digest FROM {self.chain_table} WHERE position {{}} ? ORDER BY position DESC LIMIT 1"
        with self._reading() as c:
            row = self._fetch(
                c, f"SELECT ({last.format('<')}) AS previous, ({last.format('=')}) AS digest", [position, position]
            )[0]
        return row["previous"] or GENESIS, row["digest"] or ""

    def select_wave(self, wave: str, after: int, limit: int) -> list[Notification]:
        """One page of a wave's records after position ``after``, read through the wave index."""
        column = self.id_column
        sql = (
            f"SELECT e.{column}, e.* FROM {self.waves_table} w JOIN {self.log_table} e "
            f"ON e.{column} = w.position WHERE w.wave = ? AND w.position > ? ORDER BY w.position LIMIT ?"
        )
        with self._reading() as c:
            return [self._notification(row) for row in self._fetch(c, sql, [wave, after, limit])]
