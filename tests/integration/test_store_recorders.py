"""erpflow's recorders pass eventsourcing's own test cases, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from tempfile import TemporaryDirectory

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteDatastore,
    SQLiteProcessRecorder,
    SQLiteTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
)
from eventsourcing.utils import Environment

from erpflow.store import popo, postgres, sqlite
from erpflow.store.chained import GENESIS, link

from ..conftest import POSTGRES


class SQLiteStore:
    def setUp(self) -> None:
        self.folder = TemporaryDirectory()
        self.db_name = f"{self.folder.name}/events.sqlite"
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self.folder.cleanup()


class PostgresStore:
    def setUp(self) -> None:
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.schema}")
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {self.schema} CASCADE")


def _pg_datastore(schema: str) -> PostgresDatastore:
    parts = psycopg.conninfo.conninfo_to_dict(POSTGRES)
    return PostgresDatastore(
        dbname=parts["dbname"],
        host=parts["host"],
        port=parts.get("port", "5432"),
        user=parts["user"],
        password=parts.get("password", ""),
        schema=schema,
    )


def assert_chained(recorder) -> int:
    """Every stored record has the digest the chain formula gives it; the number of records."""
    records = recorder.select_notifications(None, 10**6)
    previous, expected = GENESIS, []
    for record in records:
        previous = link(
            previous, record.id, record.originator_id, record.originator_version, record.topic, record.state
        )
        expected.append((record.id, previous))
    assert recorder.select_chain(1, None) == expected
    return len(records)


class ChainChecks:
    """Beyond eventsourcing's cases: each insert writes one chain row and one wave row per event, also when
    many threads insert at once."""

    def test_concurrent_writers_leave_one_exact_chain(self) -> None:
        recorders = []
        create = self.create_recorder
        self.create_recorder = lambda: recorders.append(create()) or recorders[-1]
        self.test_concurrent_no_conflicts()
        assert assert_chained(recorders[0]) > 1000

    def test_each_insert_chains_and_indexes_its_events(self) -> None:
        recorder = self.create_recorder()
        first, second = uuid.uuid4(), uuid.uuid4()
        events = [StoredEvent(first, 1, "t1", b"a"), StoredEvent(first, 2, "t2", b"b")]
        ids = recorder.insert_events(events, waves=["pilot", "wave-2"])
        recorder.insert_events([StoredEvent(second, 1, "t3", b"c")])
        chain = recorder.select_chain(1, None)
        expected, previous = [], GENESIS
        for position, event in zip([*ids, ids[-1] + 1], [*events, StoredEvent(second, 1, "t3", b"c")], strict=False):
            previous = link(previous, position, event.originator_id, event.originator_version, event.topic, event.state)
            expected.append((position, previous))
        assert chain == expected and recorder.chain_head() == expected[-1]
        assert [n.id for n in recorder.select_wave("pilot", 0, 10)] == [ids[0]]
        assert [n.state for n in recorder.select_wave("wave-2", 0, 10)] == [b"b"]
        assert not recorder.lagging()


class TestChainedSQLiteRecorder(SQLiteStore, ChainChecks, ApplicationRecorderTestCase):
    def create_recorder(self) -> sqlite.ChainedSQLiteRecorder:
        recorder = sqlite.ChainedSQLiteRecorder(SQLiteDatastore(self.db_name, pool_size=100))
        recorder.create_table()
        return recorder


@pytest.mark.postgres
class TestChainedPostgresRecorder(PostgresStore, ChainChecks, ApplicationRecorderTestCase):
    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = False

    def create_recorder(self) -> postgres.ChainedPostgresRecorder:
        recorder = postgres.ChainedPostgresRecorder(_pg_datastore(self.schema))
        recorder.create_table()
        return recorder


class TestChainedSQLiteFactory(InfrastructureFactoryTestCase):
    def expected_factory_class(self):
        return sqlite.ChainedSQLiteFactory

    def expected_aggregate_recorder_class(self):
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self):
        return sqlite.ChainedSQLiteRecorder

    def expected_tracking_recorder_class(self):
        return SQLiteTrackingRecorder

    class TrackingSubclass(SQLiteTrackingRecorder):
        pass

    def tracking_recorder_subclass(self):
        return self.TrackingSubclass

    def expected_process_recorder_class(self):
        return SQLiteProcessRecorder

    def setUp(self) -> None:
        self.folder = TemporaryDirectory()
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = sqlite.__name__
        self.env["SQLITE_DBNAME"] = f"{self.folder.name}/events.sqlite"
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self.folder.cleanup()


@pytest.mark.postgres
class TestChainedPostgresFactory(PostgresStore, InfrastructureFactoryTestCase):
    """(PostgresStore creates the schema before the factory is constructed.)"""

    def expected_factory_class(self):
        return postgres.ChainedPostgresFactory

    def expected_aggregate_recorder_class(self):
        return PostgresAggregateRecorder

    def expected_application_recorder_class(self):
        return postgres.ChainedPostgresRecorder

    def expected_tracking_recorder_class(self):
        return PostgresTrackingRecorder

    class TrackingSubclass(PostgresTrackingRecorder):
        pass

    def tracking_recorder_subclass(self):
        return self.TrackingSubclass

    def expected_process_recorder_class(self):
        return PostgresProcessRecorder

    @property
    def env(self) -> Environment:
        if "_env" not in self.__dict__:
            parts = psycopg.conninfo.conninfo_to_dict(POSTGRES)
            self._env = Environment(
                "TestCase",
                {
                    InfrastructureFactory.PERSISTENCE_MODULE: postgres.__name__,
                    "POSTGRES_DBNAME": parts["dbname"],
                    "POSTGRES_HOST": parts["host"],
                    "POSTGRES_PORT": parts.get("port", "5432"),
                    "POSTGRES_USER": parts["user"],
                    "POSTGRES_PASSWORD": parts.get("password", ""),
                    "POSTGRES_SCHEMA": self.schema,
                },
            )
        return self._env


class TestChainedPOPORecorder(ApplicationRecorderTestCase):
    """The in-memory store of the application layer's unit tests keeps the same chain and index."""

    def create_recorder(self) -> popo.ChainedPOPORecorder:
        return popo.ChainedPOPORecorder()

    test_each_insert_chains_and_indexes_its_events = ChainChecks.test_each_insert_chains_and_indexes_its_events


del ApplicationRecorderTestCase, InfrastructureFactoryTestCase  # the base cases themselves are not run


@pytest.fixture
def pg_recorder():
    """A PostgreSQL recorder on a fresh schema, and a way to run SQL on that schema behind its back."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    recorder = postgres.ChainedPostgresRecorder(_pg_datastore(schema))
    recorder.create_table()

    def sql(statement: str) -> None:
        with psycopg.connect(POSTGRES, autocommit=True, options=f"-c search_path={schema}") as conn:
            conn.execute(statement)

    yield recorder, sql
    recorder.datastore.close()
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _client_appends(recorder, monkeypatch) -> list[int]:
    """The first position of each insert whose chain and wave rows the client wrote itself (`_append`)."""
    calls: list[int] = []
    append = recorder._append

    def counted(c, stored_events, ids, *args, **kwargs):
        calls.append(ids[0] if ids else 0)
        return append(c, stored_events, ids, *args, **kwargs)

    monkeypatch.setattr(recorder, "_append", counted)
    return calls


def _events(count: int, topic: str = "t", state: bytes = b"{}") -> list[StoredEvent]:
    originator = uuid.uuid4()
    return [StoredEvent(originator, version, topic, state) for version in range(1, count + 1)]


@pytest.mark.postgres
def test_inserts_after_the_first_take_their_chain_and_wave_rows_in_the_insert_itself(pg_recorder, monkeypatch):
    """Odd topics and states (quotes, backslashes, non-ASCII, a large state) chain as `link` chains them."""
    recorder, _ = pg_recorder
    appends = _client_appends(recorder, monkeypatch)
    odd = [
        StoredEvent(uuid.uuid4(), 1, 'a "quoted" topic, {braced}', b"\x00'\\\"\xff\x00"),
        StoredEvent(uuid.uuid4(), 1, "démarré 🐈", "état déjà là".encode()),
        StoredEvent(uuid.uuid4(), 1, "t", bytes(range(256)) * 4000),
    ]
    first = recorder.insert_events(_events(3), waves=["pilot"] * 3)
    second = recorder.insert_events(odd, waves=['w "1"', "é", ""])
    third = recorder.insert_events(_events(300), waves=["pilot"] * 300)
    assert appends == [first[0]]  # the first insert of a recorder knows no head: the client chains it
    assert assert_chained(recorder) == 306 and not recorder.lagging()
    assert [n.id for n in recorder.select_wave('w "1"', 0, 10)] == [second[0]]
    assert [n.id for n in recorder.select_wave("pilot", 0, 1000)] == [*first, *third]


@pytest.mark.postgres
def test_an_insert_chained_on_a_stale_head_is_chained_again_by_the_client(pg_recorder, monkeypatch):
    """Another writer in between, a conflicting insert that used up positions, a head the store does not hold:
    the insert's own rows are not taken, the client's are, and the chain stays exact."""
    recorder, _ = pg_recorder
    other = postgres.ChainedPostgresRecorder(recorder.datastore)
    appends = _client_appends(recorder, monkeypatch)
    recorder.insert_events(_events(2))
    recorder.insert_events(_events(2))
    other.insert_events(_events(2))
    stale = recorder.insert_events(_events(2))
    taken = _events(1)
    recorder.insert_events(taken)
    with pytest.raises(IntegrityError):
        recorder.insert_events([*_events(2), taken[0]])  # positions used, then rolled back: a gap
    after_gap = recorder.insert_events(_events(2))
    recorder._head_left = (after_gap[-1], "0" * 64)  # as an insert whose commit failed after its rows were made
    unchained = recorder.insert_events(_events(2))
    assert appends[1:] == [stale[0], after_gap[0], unchained[0]]
    assert assert_chained(recorder) == 13 and not recorder.lagging()


@pytest.mark.postgres
def test_records_left_without_rows_are_caught_up_by_the_next_insert(pg_recorder, monkeypatch):
    """A wave row missing (the chain's head still the one the recorder left) or a chain row missing: the insert
    does not take its own rows, the client writes those of the records left without, then its own."""
    recorder, sql = pg_recorder
    appends = _client_appends(recorder, monkeypatch)
    recorder.insert_events(_events(2), waves=["pilot", "pilot"])
    kept = recorder.insert_events(_events(2), waves=["pilot", "pilot"])
    sql(f"DELETE FROM erpflow_waves WHERE position = {kept[-1]}")
    assert recorder.lagging()
    caught = recorder.insert_events(_events(1), waves=["pilot"])
    assert appends[-1] == caught[0] and not recorder.lagging()
    assert [n.id for n in recorder.select_wave("", 0, 10)] == [kept[-1]]  # the wave of a record found without

    last = recorder.insert_events(_events(2))
    sql(f"DELETE FROM erpflow_chain WHERE position >= {last[0]}")
    sql(f"DELETE FROM erpflow_waves WHERE position >= {last[0]}")
    again = recorder.insert_events(_events(1))
    assert appends[-1] == again[0] and not recorder.lagging()
    assert assert_chained(recorder) == 8


@pytest.mark.postgres
def test_array_literals_read_back_as_the_values_they_carry():
    """The recorder's insert sends its columns as array literals: any string, id and int comes back as it was."""
    from erpflow.store.postgres import array_literal

    strings = ['a "quoted", {braced} wave', "back\\slash\\", "NULL", "", " spaced ", "é,ü", "}{", '\\"']
    ids = [uuid.uuid4(), uuid.uuid4()]
    numbers = [1, 2**62, -3]
    with psycopg.connect(POSTGRES) as conn:
        row = conn.execute(
            "SELECT %s::text[], %s::uuid[], %s::bigint[], %s::text[], %s::bigint[]",
            (array_literal(strings), array_literal(ids), array_literal(numbers), array_literal(ids), array_literal([])),
        ).fetchone()
    assert row == (strings, ids, numbers, [str(i) for i in ids], [])
    assert array_literal([1, "2}"]) == '{"1","2}"}'  # anything not all ints is quoted


@pytest.mark.postgres
def test_bytea_arrays_read_back_as_the_bytes_they_carry():
    """The states go as one binary bytea[] the recorder builds itself: empty, NUL, every byte, a large one."""
    from erpflow.store.postgres import bytea_array

    states = [b"", b"\x00", bytes(range(256)), b'{"a": "\xc3\xa9"}' * 50_000, b"x"]
    with psycopg.connect(POSTGRES) as conn:
        for values in (states, states[:1], []):
            row = conn.execute("SELECT %b::bytea[], cardinality(%b::bytea[])", (bytea_array(values),) * 2).fetchone()
            assert row == (values, len(values))
