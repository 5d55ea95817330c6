"""The ledger: erpflow's eventsourcing Application. Thin use cases over the aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, PersistenceError

from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused, LedgerUnavailable, UnknownWave
from erpflow.model.ids import batch_id, wave_id
from erpflow.model.wave import Wave
from erpflow.settings import Settings


def store_env(settings: Settings) -> dict[str, str]:
    """eventsourcing's environment for the configured event store."""
    url = settings.event_store.get_secret_value()
    if not url:
        settings.home.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(settings.events_path),
                "SQLITE_LOCK_TIMEOUT": "30"}
    parts = urlparse(url)
    if parts.scheme in ("postgresql", "postgres"):
        schema = parse_qs(parts.query).get("schema", [""])[0]
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": parts.path.lstrip("/"),
                "POSTGRES_HOST": parts.hostname or "127.0.0.1", "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parts.password or ""), "POSTGRES_SCHEMA": schema,
                "POSTGRES_CONNECT_TIMEOUT": "10"}
    if parts.scheme == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": unquote(parts.path),
                "SQLITE_LOCK_TIMEOUT": "30"}
    raise LedgerUnavailable("ERPFLOW_EVENT_STORE must be empty, postgresql://... or sqlite:///path")


TABLES_LOCK = 0x6572_7066  # "erpf": a PostgreSQL advisory lock around the creation of the tables


@contextmanager
def _creating_tables(env: dict[str, str]) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates the tables of an empty store (they race otherwise)."""
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield
        return
    import psycopg

    try:
        conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                               port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                               password=env["POSTGRES_PASSWORD"] or None, connect_timeout=10, autocommit=True)
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
        env = {**store_env(settings or Settings()), "TRANSCODER_TOPIC": "erpflow.store.transcoder:OrjsonTranscoder"}
        self.store_env = env
        try:
            with _creating_tables(env):
                super().__init__(env=env)
        except PersistenceError as exc:
            raise LedgerUnavailable(f"cannot open the event store: {exc}".splitlines()[0]) from None

    @contextmanager
    def _storage(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise CommandRefused("someone else recorded an event on this record first; read it again") from None
        except PersistenceError as exc:
            raise LedgerUnavailable(f"event store error: {exc}".splitlines()[0]) from None

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        with self._storage():
            return super().save(*aggregates, **kwargs)

    def _get(self, aggregate_id: UUID) -> Any | None:
        with self._storage():
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
        return self._get(batch_id(wave, operation, key))

    def anomaly(self, anomaly: UUID) -> Anomaly | None:
        return self._get(anomaly)

    def read_log(self, start: int = 1, page: int = 1000) -> Iterator[tuple[int, DomainEventProtocol]]:
        """Every event in the global order of the notification log, with its position."""
        while True:
            with self._storage():
                notifications = self.recorder.select_notifications(start, page)
            for notification in notifications:
                yield notification.id, self.mapper.to_domain_event(notification)
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    def wave_events(self, name: str) -> Iterator[tuple[int, DomainEventProtocol]]:
        """The events of one wave, in order."""
        for position, event in self.read_log():
            if getattr(event, "ctx", {}).get("wave") == name:
                yield position, event
