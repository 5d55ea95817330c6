"""The ledger on a real event store: one test case, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import runs, view
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused, LedgerUnavailable, UnknownWave
from erpflow.model.run import Runs
from erpflow.model.wave import Wave
from erpflow.settings import Settings

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1.0"}


def planned(name: str = "pilot") -> Wave:
    return Wave(
        name=name,
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts"],
        plan_digest="d",
        inputs={},
        plan={},
        ctx={**CTX, "wave": name},
    )


def test_a_wave_and_its_batches_read_back_as_recorded(settings: Settings):
    ledger = Ledger(settings)
    wave, runs = planned(), Runs(wave="pilot", ctx=CTX)
    runs.start("run-1", CTX)
    batch = Batch(wave="pilot", operation="accounts", key="lyon-1-x", items=2, digest="x", details={}, ctx=CTX)
    batch.attempt("run-1", CTX)
    batch.succeed([{"ref": "a", "status": "created", "erp_id": 5}, {"ref": "b", "status": "rejected"}], CTX)
    ledger.save(wave, runs, batch)

    again = Ledger(settings)
    assert view(again, "pilot").run_id == "run-1"
    stored = again.batch("pilot", "accounts", "lyon-1-x")
    assert stored.done and stored.counts == {"created": 1, "rejected": 1}
    assert stored.outcomes[0] == {"ref": "a", "status": "created", "erp_id": 5}
    assert again.batch("pilot", "accounts", "other") is None


def test_events_come_back_in_global_order_filtered_by_wave(settings: Settings):
    ledger = Ledger(settings)
    first, second = planned("pilot"), planned("wave-2")
    ledger.save(first)
    ledger.save(second)
    runs = Runs(wave="pilot", ctx=CTX)
    runs.start("run-1", CTX)
    ledger.save(runs)
    positions = [p for p, _ in ledger.read_log()]
    assert positions == sorted(positions) and len(positions) == 5
    assert [type(e).__name__ for _, e in ledger.wave_events("pilot")] == ["Planned", "Opened", "Started", "Leased"]


def test_reading_the_log_pages_through_more_than_one_section(settings: Settings):
    ledger = Ledger(settings)
    batches = [
        Batch(wave="pilot", operation="accounts", key=f"k{i}", items=1, digest="x", details={}, ctx=CTX)
        for i in range(25)
    ]
    ledger.save(*batches)
    assert len(list(ledger.read_log(page=10))) == 25


def test_stored_rows_come_in_pages_of_one_read_from_start_to_stop_of_the_topics_asked(settings: Settings):
    from eventsourcing.utils import get_topic

    from erpflow.store.pages import last_position, pages

    ledger = Ledger(settings)
    for n in range(4):
        batch = Batch(wave="pilot", operation="accounts", key=f"k{n}", items=1, digest="x", details={}, ctx=CTX)
        batch.attempt("run-1", CTX)
        ledger.save(batch)
    log = [(p, get_topic(type(e))) for p, e in ledger.read_log()]
    assert last_position(ledger) == log[-1][0] and len(log) == 8

    reading = pages(ledger, size=3)
    first = next(reading)
    ledger.save(Batch(wave="pilot", operation="accounts", key="late", items=1, digest="x", details={}, ctx=CTX))
    rows = first + [row for page in reading for row in page]  # what was saved after the read began is not there
    assert len(first) == 3 and [(r[0], r[3]) for r in rows] == log
    assert all(type(r[4]) is bytes and r[2] in (1, 2) for r in rows)

    attempted = get_topic(Batch.Attempted)
    found = [page for page in pages(ledger, log[2][0], size=1, topics=(attempted,), stop=log[-2][0])]
    assert [[(r[0], r[3]) for r in page] for page in found] == [[(p, t)] for p, t in log[2:-1] if t == attempted]
    assert list(pages(ledger, last_position(ledger) + 1)) == []


def test_an_unknown_wave_is_a_clear_error(settings: Settings):
    with pytest.raises(UnknownWave, match="no wave named 'nope'"):
        Ledger(settings).wave("nope")


def test_two_writers_on_one_record_one_wins_the_other_is_refused(settings: Settings):
    ledger = Ledger(settings)
    ledger.save(planned(), Runs(wave="pilot", ctx=CTX))
    mine, theirs = (runs(Ledger(settings), planned()) for _ in range(2))
    mine.start("run-1", CTX)
    theirs.start("run-2", CTX)
    ledger.save(mine)
    with pytest.raises(CommandRefused, match="someone else recorded"):
        ledger.save(theirs)
    assert view(Ledger(settings), "pilot").run_id == "run-1"


def test_an_unreachable_event_store_is_a_clear_error(home):
    settings = Settings(home=home, event_store="postgresql://postgres@127.0.0.1:1/none")
    with pytest.raises(LedgerUnavailable):
        Ledger(settings).wave("pilot")


def _open_and_record(url: str, name: str) -> str:
    ledger = Ledger(Settings(event_store=url, actor="tester"))
    ledger.save(planned(name))
    return ledger.wave(name).name


@pytest.mark.postgres
def test_processes_opening_an_empty_postgresql_store_at_once_all_succeed(postgres_url: str):
    """The first use of a store creates its tables; processes racing to do it must not fail."""
    from concurrent.futures import ProcessPoolExecutor

    names = [f"wave-{n}" for n in range(4)]
    with ProcessPoolExecutor(4) as pool:
        assert list(pool.map(_open_and_record, [postgres_url] * 4, names)) == names


def test_a_store_names_its_batches_as_its_first_batch_was_named(settings: Settings):
    """A new store keeps each wave's batches together; a store whose first batch has the names' uuid5 (written by
    older code) keeps naming them so: the log itself tells, nothing else is recorded."""
    from eventsourcing.persistence import StoredEvent

    from erpflow.model.ids import Naming, named_batch_id

    ledger = Ledger(settings)
    assert ledger.naming is Naming.WAVE
    ledger.save(planned())
    assert Ledger(settings).naming is Naming.WAVE  # events, but no batch yet
    old = named_batch_id("pilot", "accounts", "k1")
    state = b'{"timestamp": {"_type_": "datetime_iso", "_data_": "2026-06-01T08:00:00+00:00"}}'
    ledger.recorder.insert_events([StoredEvent(old, 1, "erpflow.model.batch:Batch.Opened", state)])
    older = Ledger(settings)
    assert older.naming is Naming.NAMES
    named = Batch(
        id=older.naming.batch("pilot", "accounts", "k2"),
        wave="pilot",
        operation="accounts",
        key="k2",
        items=1,
        digest="d",
        details={},
        ctx=CTX,
    )
    older.save(named)
    again = Ledger(settings)
    assert again.naming is Naming.NAMES and again.batch("pilot", "accounts", "k2").id == named.id
    assert named.id == named_batch_id("pilot", "accounts", "k2")


def test_a_store_whose_first_batch_id_is_not_a_uuid_is_reported_damaged_and_verify_names_the_position(tmp_path):
    """The naming is read when a batch is first looked up, not when the store opens; a record read with such an id
    is a damaged store; `verify`, which looks up no batch and reads the id as stored, names the changed record."""
    import sqlite3

    from erpflow.application.ledger import StoreDamaged
    from erpflow.audit.seals import verify

    settings = Settings(home=tmp_path)
    batch = Batch(wave="pilot", operation="accounts", key="k", items=1, digest="d", details={}, ctx=CTX)
    Ledger(settings).save(planned(), batch)
    with sqlite3.connect(settings.events_path) as db:
        db.execute("UPDATE stored_events SET originator_id = 'not-an-id' WHERE topic LIKE '%Batch.Opened'")
    db.close()
    with pytest.raises(StoreDamaged, match=r"the id of its first batch is not a UUID; run `erpflow verify`"):
        Ledger(settings).batch("pilot", "accounts", "k")
    with pytest.raises(StoreDamaged, match=r"a stored aggregate id is not a UUID; run `erpflow verify`"):
        list(Ledger(settings).wave_events("pilot"))
    verdict = verify(Ledger(settings))
    assert not verdict.ok and verdict.position == 2, verdict


def test_a_batch_opened_before_its_items_were_named_reads_back_with_no_refs(settings: Settings):
    """Batch.Opened version 1 (without refs), stored as an older erpflow stored it, upcast to version 2."""
    import json

    from eventsourcing.persistence import StoredEvent

    from erpflow.model.ids import batch_id

    ledger = Ledger(settings)
    aggregate = batch_id("pilot", "accounts", "old-1")
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-06-01T08:00:00+00:00"},
        "originator_topic": "erpflow.model.batch:Batch",
        "wave": "pilot",
        "operation": "accounts",
        "key": "old-1",
        "items": 2,
        "digest": "d",
        "details": {},
        "ctx": CTX,
    }
    ledger.recorder.insert_events(
        [StoredEvent(aggregate, 1, "erpflow.model.batch:Batch.Opened", json.dumps(state).encode())]
    )
    old = ledger.batch("pilot", "accounts", "old-1")
    assert old.refs == [] and old.items == 2 and old.status == "open"

    new = Batch(
        wave="pilot", operation="accounts", key="new-1", items=1, digest="d", details={}, ctx=CTX, refs=["alice"]
    )
    ledger.save(new)
    assert ledger.batch("pilot", "accounts", "new-1").refs == ["alice"]
    stored = ledger.recorder.select_events(new.id)[0]
    assert json.loads(stored.state)["class_version"] == 2


def _library_events(ledger: Ledger) -> list[tuple[int, object]]:
    """The log as eventsourcing's own Mapper and select_notifications read it."""
    from eventsourcing.persistence import Mapper

    library = Mapper(transcoder=ledger.mapper.transcoder)
    return [(n.id, library.to_domain_event(n)) for n in ledger.recorder.select_notifications(1, 10_000)]


def test_the_log_reads_back_as_the_library_reads_it(settings: Settings):
    """read_log's page-at-a-time path gives the events eventsourcing's Mapper gives, field by field: the same
    class, id, version, timestamp and state, an old Batch.Opened upcast, several typed values in one state."""
    import json
    from datetime import UTC, datetime
    from decimal import Decimal
    from uuid import uuid4

    from eventsourcing.persistence import StoredEvent

    from erpflow.model.ids import batch_id

    ledger = Ledger(settings)
    wave, runs = planned(), Runs(wave="pilot", ctx=CTX)
    runs.start("run-1", CTX)
    batches = []
    for n in range(12):
        batch = Batch(wave="pilot", operation="accounts", key=f"k{n}", items=1, digest="d", details={}, ctx=CTX)
        batch.attempt("run-1", CTX)
        batch.succeed([{"ref": f"u{n}", "status": "created", "erp_id": n}], CTX)
        batches.append(batch)
    ledger.save(wave, runs, *batches)
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-06-01T08:00:00+00:00"},
        "originator_topic": "erpflow.model.batch:Batch",
        "wave": "pilot",
        "operation": "accounts",
        "key": "old-1",
        "items": 2,
        "digest": "d",
        "details": {"when": {"_type_": "datetime_iso", "_data_": "2026-06-01T09:00:00+00:00"}},
        "ctx": CTX,
    }
    ledger.recorder.insert_events(
        [
            StoredEvent(
                batch_id("pilot", "accounts", "old-1"),
                1,
                "erpflow.model.batch:Batch.Opened",
                json.dumps(state).encode(),
            )
        ]
    )
    typed = Batch(
        wave="pilot",
        operation="accounts",
        key="typed",
        items=1,
        digest="d",
        details={"id": uuid4(), "amount": Decimal("1.50"), "at": datetime(2026, 1, 2, tzinfo=UTC)},
        ctx=CTX,
    )
    ledger.save(typed)

    expected = _library_events(ledger)
    for page in (1, 7, 1000):
        got = list(ledger.read_log(page=page))
        assert [p for p, _ in got] == [p for p, _ in expected]
        for (_, ours), (_, theirs) in zip(got, expected, strict=True):
            assert type(ours) is type(theirs)
            assert ours == theirs
            assert ours.__dict__ == theirs.__dict__
            assert {k: type(v) for k, v in ours.__dict__.items()} == {k: type(v) for k, v in theirs.__dict__.items()}
    assert len(expected) == 1 + 3 + 12 * 3 + 1 + 1  # the wave, its runs, the batches, the old one, the typed one
    assert [p for p, _ in ledger.read_log(start=5, page=3)] == [p for p, _ in expected if p >= 5]


def test_events_are_stored_as_the_library_s_mapper_stores_them(settings: Settings):
    """The ledger's mapper writes each event as eventsourcing's Mapper does: topic, class version, state."""
    from eventsourcing.persistence import Mapper

    from erpflow.model.anomaly import Anomaly

    ledger = Ledger(settings)
    wave, batch = (
        planned(),
        Batch(wave="pilot", operation="accounts", key="k", items=1, digest="d", details={}, ctx=CTX),
    )
    batch.attempt("run-1", CTX)
    batch.succeed([{"ref": "u", "status": "créé", "erp_id": 1}], CTX)
    anomaly = Anomaly(wave="pilot", operation="accounts", item="u", severity="blocking", reason="r", ctx=CTX)
    events = [*wave.collect_events(), *batch.collect_events(), *anomaly.collect_events()]
    library = Mapper(transcoder=ledger.mapper.transcoder)
    assert {getattr(type(event), "class_version", 1) for event in events} == {1, 2}
    for event in events * 2:  # again, from what the mapper found the first time
        assert ledger.mapper.to_stored_event(event) == library.to_stored_event(event)
