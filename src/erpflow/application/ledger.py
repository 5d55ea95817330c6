"""The ledger: erpflow's eventsourcing Application. Thin use cases over the aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlparse
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.domain import BaseAggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    PersistenceError,
    Recording,
)
from eventsourcing.utils import get_topic

from erpflow.interrupts import shielded
from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused, LedgerUnavailable, UnknownWave
from erpflow.model.ids import Naming, wave_id
from erpflow.model.steps import StepConfirmation, step_id
from erpflow.model.wave import Wave
from erpflow.settings import Settings
from erpflow.store.chained import ChainedRecorder
from erpflow.store.files import check_sqlite_store, diagnose
from erpflow.store.mapper import FastMapper, RowNotDecoded
from erpflow.store.tables import connect_postgres

SQLITE, POSTGRES = "erpflow.store.sqlite", "erpflow.store.postgres"
DAMAGED = "the event store is damaged: {}; run `erpflow verify`"


class StoreDamaged(LedgerUnavailable):
    """The event store holds something erpflow cannot read: a damaged file or record, or a foreign file."""


def store_env(settings: Settings) -> dict[str, str]:
    """eventsourcing's environment for the configured event store."""
    url = settings.event_store.get_secret_value()
    if not url:
        settings.home.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": SQLITE, "SQLITE_DBNAME": str(settings.events_path), "SQLITE_LOCK_TIMEOUT": "30"}
    parts = urlparse(url)
    if parts.scheme in ("postgresql", "postgres"):
        schema = parse_qs(parts.query).get("schema", [""])[0]
        return {
            "PERSISTENCE_MODULE": POSTGRES,
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_CONNECT_TIMEOUT": "10",
        }
    if parts.scheme == "sqlite":
        return {"PERSISTENCE_MODULE": SQLITE, "SQLITE_DBNAME": unquote(parts.path), "SQLITE_LOCK_TIMEOUT": "30"}
    raise LedgerUnavailable("ERPFLOW_EVENT_STORE must be empty, postgresql://... or sqlite:///path")


TABLES_LOCK = 0x6572_7066  # "erpf": a PostgreSQL advisory lock around the creation of the tables


@contextmanager
def _creating_tables(env: dict[str, str]) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates the tables of an empty store (they race otherwise)."""
    if env["PERSISTENCE_MODULE"] != POSTGRES:
        yield
        return
    import psycopg

    try:
        conn = connect_postgres(env, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise LedgerUnavailable(f"cannot open the event store: {exc}".splitlines()[0]) from None
    with conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (TABLES_LOCK,))
        yield


class Ledger(Application):
    """Every outcome of every wave, as domain events."""

    name = "erpflow"  # fixes the PostgreSQL table names whatever this class is called
    log_section_size = 1000

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        env = {**store_env(self.settings), "TRANSCODER_TOPIC": "erpflow.store.transcoder:OrjsonTranscoder"}
        self.store_env = env
        if env["PERSISTENCE_MODULE"] == SQLITE:
            problem = check_sqlite_store(env["SQLITE_DBNAME"])
            if problem:
                raise StoreDamaged(DAMAGED.format(problem))
        try:
            with _creating_tables(env):
                super().__init__(env=env)
                self.chain.wave_of = self._wave_of
                with self._storage():
                    if self.chain.lagging():
                        self.chain.catch_up()
        except (InterfaceError, OperationalError) as exc:
            raise LedgerUnavailable(f"cannot open the event store: {exc}".splitlines()[0]) from None
        except PersistenceError as exc:
            raise StoreDamaged(DAMAGED.format(self._damage(exc))) from None

    @cached_property
    def naming(self) -> Naming:
        """How the store names its batches: as its first batch was named, read from the log when first needed (so
        that a command that looks up no batch, `verify` among them, never depends on it)."""
        with self._storage():
            first = self.chain.first_of(get_topic(Batch.Opened))
        try:
            return Naming.of_first(first if first is None or isinstance(first, UUID) else UUID(str(first)))
        except ValueError:
            raise StoreDamaged(DAMAGED.format("the id of its first batch is not a UUID")) from None

    def construct_mapper(self) -> FastMapper:
        mapper = self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=FastMapper)
        return cast(FastMapper, mapper)

    @property
    def fast_mapper(self) -> FastMapper:
        return cast(FastMapper, self.mapper)

    def _damage(self, exc: Exception) -> str:
        """What a storage error says is wrong with the store, in one line."""
        if self.store_env["PERSISTENCE_MODULE"] == SQLITE:
            found = diagnose(self.store_env["SQLITE_DBNAME"])
            if found:
                return found
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    @property
    def chain(self) -> ChainedRecorder:
        """The recorder, as the one that chains and indexes each event it stores."""
        return cast(ChainedRecorder, self.recorder)

    @contextmanager
    def _storage(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise CommandRefused("someone else recorded an event on this record first; read it again") from None
        except (InterfaceError, OperationalError) as exc:
            raise LedgerUnavailable(f"event store error: {exc}".splitlines()[0]) from None
        except PersistenceError as exc:
            raise StoreDamaged(DAMAGED.format(self._damage(exc))) from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Storage errors, and records that do not decode, as the ledger's errors."""
        with self._storage():
            try:
                yield
            except (ValueError, TypeError, KeyError, AssertionError) as exc:
                raise StoreDamaged(DAMAGED.format(f"a record does not decode ({type(exc).__name__})")) from None

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        """Record the events with the wave of each, for the recorder's wave index."""
        processing_event.saved_kwargs["waves"] = [_wave(event) for event in processing_event.events]
        return super()._record(processing_event)

    def _wave_of(self, record: Notification) -> str:
        return _wave(self.to_event(record))

    def to_event(self, record: Notification) -> DomainEventProtocol:
        """The domain event of a stored record; a record that does not decode is a damaged store."""
        try:
            return self.mapper.to_domain_event(record)
        except Exception as exc:
            raise StoreDamaged(
                DAMAGED.format(f"the record at position {record.id} does not decode ({type(exc).__name__})")
            ) from None

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        """The library's save, its events collected by `_Collecting` (Application.save, step by step)."""
        with shielded(), self._storage():  # a stop signal waits for the write's end: never half a transaction
            processing_event: ProcessingEvent[UUID] = _Collecting()
            processing_event.collect_events(*aggregates, **kwargs)
            recordings = self._record(processing_event)
            self._take_snapshots(processing_event)
            self._notify(recordings)
            self.notify(processing_event.events)  # as the library's save still calls it
            return recordings

    def _get(self, aggregate_id: UUID) -> Any | None:
        with self._reading():
            try:
                return self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None

    def wave(self, name: str) -> Wave:
        wave = self._get(wave_id(name))
        if wave is None:
            raise UnknownWave(name)
        return wave

    def find_wave(self, name: str) -> Wave | None:
        return self._get(wave_id(name))

    def batch(self, wave: str, operation: str, key: str) -> Batch | None:
        return self._get(self.naming.batch(wave, operation, key))

    def step_confirmation(self, wave: str, step: str) -> StepConfirmation | None:
        return self._get(step_id(wave, step))

    def anomaly(self, anomaly: UUID) -> Anomaly | None:
        return self._get(anomaly)

    def read_log(self, start: int = 1, page: int = 1000) -> Iterator[tuple[int, DomainEventProtocol]]:
        """Every event in the global order of the notification log, with its position: the stored rows read a
        page of plain tuples at a time, each made an event by the mapper as it is asked for."""
        ids = self.chain.stored_ids()
        while True:
            with self._storage():
                rows = self.chain.select_rows(start, page)
            try:
                yield from self.fast_mapper.iter_domain_events(rows, ids)
            except RowNotDecoded as exc:
                for row in rows:  # the library's own error for it, as `to_event` words it
                    if row[0] == exc.position:
                        stored_id = ids(row[1]) if ids else row[1]
                        self.to_event(Notification(stored_id, row[2], row[3], row[4], id=row[0]))
                raise StoreDamaged(
                    DAMAGED.format(f"the record at position {exc.position} does not decode ({_cause(exc)})")
                ) from None
            if len(rows) < page:
                return
            start = rows[-1][0] + 1

    def wave_records(self, name: str, page: int = 1000, after: int = 0) -> Iterator[Notification]:
        """The stored records of one wave (after position ``after``), in order, read through the wave index (never
        the whole log)."""
        while True:
            with self._storage():
                notifications = self.chain.select_wave(name, after, page)
            yield from notifications
            if len(notifications) < page:
                return
            after = notifications[-1].id

    def wave_events(self, name: str, page: int = 1000) -> Iterator[tuple[int, DomainEventProtocol]]:
        """The events of one wave, in order, read through the wave index (never the whole log)."""
        for notification in self.wave_records(name, page):
            yield notification.id, self.to_event(notification)


class _Collecting(ProcessingEvent[UUID]):
    """The library's ProcessingEvent; an aggregate is known by its class before the library's runtime protocol
    checks (tens of microseconds each, two per aggregate) are asked."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):  # no DomainEventProtocol, a CollectEventsProtocol
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


def _cause(exc: BaseException) -> str:
    return type(exc.__cause__ or exc).__name__


def _wave(event: Any) -> str:
    ctx = getattr(event, "ctx", None)
    return str(ctx.get("wave", "")) if isinstance(ctx, dict) else ""
