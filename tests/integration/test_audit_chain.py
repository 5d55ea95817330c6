"""The hash chain over the event log: chained as each event is stored, verified, tampered with directly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg

from erpflow.application.ledger import Ledger
from erpflow.audit.export import export
from erpflow.audit.seals import verify
from erpflow.model.batch import Batch
from erpflow.model.context import Context
from erpflow.model.wave import Wave
from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[2]
CTX = Context("pilot", "alice", "run-1", "accounts", "0.1.0")
FLIP_DIGEST = "digest = CASE WHEN substr(digest, 1, 1) = '0' THEN '1' ELSE '0' END || substr(digest, 2)"


def recorded_wave(settings: Settings) -> Ledger:
    """A wave with three batches: 12 events, each chained as it was stored."""
    ledger = Ledger(settings)
    wave = Wave(
        name="pilot",
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts"],
        plan_digest="d",
        inputs={},
        plan={},
        ctx=CTX.as_dict(),
    )
    wave.start_operation("accounts", ["b0", "b1", "b2"], CTX.as_dict())
    wave.reconcile("people", 3, 3, 0, CTX.as_dict())
    ledger.save(wave)
    for n in range(3):
        batch = Batch(
            wave="pilot", operation="accounts", key=f"b{n}", items=1, digest="d", details={}, ctx=CTX.as_dict()
        )
        batch.attempt("run-1", CTX.as_dict())
        batch.succeed([{"ref": f"user{n}", "status": "created"}], CTX.as_dict())
        ledger.save(batch)
    return ledger


def tamper(settings: Settings, sql: str, postgres_sql: str | None = None) -> None:
    """Change the store behind erpflow's back, as someone with access to the database could."""
    if settings.event_store.get_secret_value():
        url, _, schema = settings.event_store.get_secret_value().partition("?schema=")
        with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
            sql = postgres_sql or sql.replace("rowid", "notification_id")
            conn.execute(sql.replace("stored_events", "erpflow_events"))  # the table is named after the ledger
    else:
        with sqlite3.connect(settings.events_path) as conn:
            conn.execute(sql)


def test_an_untouched_log_verifies(settings: Settings):
    ledger = recorded_wave(settings)
    verdict = verify(ledger)
    assert verdict.ok and verdict.checked == 12, verdict


def test_an_edited_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(
        settings,
        "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'user1', 'mallory') AS BLOB)"
        " WHERE rowid = 9",
        "UPDATE stored_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'user1', 'mallory'),"
        " 'UTF8') WHERE notification_id = 9",
    )
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 9 and "edited" in verdict.problem and verdict.checked == 8


def test_a_deleted_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "DELETE FROM stored_events WHERE rowid = 5")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 5 and "deleted" in verdict.problem


def test_an_inserted_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(
        settings,
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 99, topic, state FROM stored_events WHERE rowid = 4",
    )
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 13 and "inserted" in verdict.problem


def test_an_export_checks_with_the_standard_library_alone(settings: Settings, tmp_path: Path):
    ledger = recorded_wave(settings)
    manifest = export(ledger, "pilot", tmp_path / "export")
    assert manifest["events"] == 12 and manifest["chain_head"] == {
        "position": 12,
        "digest": ledger.chain.chain_head()[1],
    }
    check = [sys.executable, "-I", "-S", str(REPO / "docs" / "verify-export.py"), str(tmp_path / "export")]
    done = subprocess.run(check, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("ok: 12 events of wave pilot"), done.stderr

    lines = (tmp_path / "export" / "events.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"version": 1', '"version": 2')
    (tmp_path / "export" / "events.jsonl").write_text("\n".join(lines) + "\n")
    spoiled = subprocess.run(check, capture_output=True, text=True)
    assert spoiled.returncode != 0 and "differs from the manifest" in spoiled.stderr


def test_a_reordered_pair_of_records_is_named_by_the_first_position(settings: Settings):
    ledger = recorded_wave(settings)
    swap = (
        "UPDATE stored_events SET state = CASE rowid WHEN 6 THEN (SELECT state FROM stored_events WHERE rowid = 7)"
        " ELSE (SELECT state FROM stored_events WHERE rowid = 6) END WHERE rowid IN (6, 7)"
    )
    tamper(settings, swap, swap.replace("rowid", "notification_id"))
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 6 and "reordered" in verdict.problem and verdict.checked == 5


def test_an_edited_digest_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, f"UPDATE erpflow_chain SET {FLIP_DIGEST} WHERE position = 3")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 3 and "edited" in verdict.problem


def test_a_deleted_chain_row_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "DELETE FROM erpflow_chain WHERE position = 4")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 4 and "chain row deleted" in verdict.problem


def test_the_last_record_deleted_from_the_log_alone_is_named(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "DELETE FROM stored_events WHERE rowid = 12")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 12 and "deleted" in verdict.problem and verdict.checked == 11


def test_verify_never_cries_wolf_while_another_process_writes(settings: Settings):
    """Events written between verify's reads are chained in their own transaction: no false alarm."""
    import threading

    ledger = recorded_wave(settings)
    stop, started = threading.Event(), threading.Event()

    def write() -> None:
        writer = Ledger(settings)
        n = 0
        while not stop.is_set():
            n += 1
            started.set()
            batch = Batch(
                wave="pilot", operation="accounts", key=f"w{n}", items=1, digest="d", details={}, ctx=CTX.as_dict()
            )
            batch.attempt("run-1", CTX.as_dict())
            writer.save(batch)

    thread = threading.Thread(target=write)
    thread.start()
    started.wait(30)
    try:
        verdicts = [verify(ledger)]
        while verdicts[-1].ok and verdicts[-1].checked < 60 and len(verdicts) < 500:
            verdicts.append(verify(ledger))
    finally:
        stop.set()
        thread.join()
    assert all(v.ok for v in verdicts), [str(v) for v in verdicts if not v.ok]
    assert verdicts[-1].checked > 12 and verify(ledger).ok


def old_store(settings: Settings) -> int:
    """A store as erpflow wrote it before each write was chained: eventsourcing's own recorder, a chain that
    stops at a Wave.Sealed event, then records no chain covers; no wave index. The number of events."""
    from eventsourcing.application import Application

    from erpflow.application.ledger import store_env
    from erpflow.audit.chain import GENESIS, link
    from erpflow.store.tables import StoreTables

    env = {**store_env(settings)}
    env["PERSISTENCE_MODULE"] = env["PERSISTENCE_MODULE"].replace("erpflow.store", "eventsourcing")

    class Old(Application):
        name = "erpflow"

    old = Old(env=env)
    wave = Wave(
        name="pilot",
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts"],
        plan_digest="d",
        inputs={},
        plan={},
        ctx=CTX.as_dict(),
    )
    wave.trigger_event(Wave.Started, run_id="run-1", ctx=CTX.as_dict())  # as the code before run streams did
    wave.trigger_event(
        Wave.Leased,
        run_id="run-1",
        holder="host:1",
        plan_path="plan.yaml",
        expires_at="2027-01-01T00:00:00+00:00",
        ctx=CTX.as_dict(),
    )
    old.save(
        wave,
        Wave(
            name="other",
            kind="pilot",
            sites=["Lyon"],
            cycle=["accounts"],
            plan_digest="d",
            inputs={},
            plan={},
            ctx={**CTX.as_dict(), "wave": "other"},
        ),
    )

    def chain_all() -> tuple[int, str]:
        tables = StoreTables(env)
        tables.query("CREATE TABLE IF NOT EXISTS erpflow_chain (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)")
        position, digest, rows = 0, GENESIS, []
        for record in old.recorder.select_notifications(1, 1000):
            digest = link(
                digest, record.id, record.originator_id, record.originator_version, record.topic, record.state
            )
            position = record.id
            rows.append((position, digest))
        with tables.transaction() as cursor:
            cursor.executemany(
                "INSERT INTO erpflow_chain (position, digest) VALUES (?, ?) ON CONFLICT (position) DO NOTHING", rows
            )
        return position, digest

    wave = old.repository.get(wave.id)
    wave.seal(*chain_all(), CTX.as_dict())
    old.save(wave)
    chain_all()
    batch = Batch(wave="pilot", operation="accounts", key="late", items=1, digest="d", details={}, ctx=CTX.as_dict())
    batch.attempt("run-1", CTX.as_dict())
    old.save(batch)  # after the last seal: no chain row, as a run killed before its next seal left it
    return old.recorder.max_notification_id()


def test_a_store_written_before_each_write_was_chained_opens_and_verifies(settings: Settings):
    total = old_store(settings)
    ledger = Ledger(settings)
    assert verify(ledger).ok and verify(ledger).checked == total
    types = [type(e).__qualname__ for _, e in ledger.wave_events("pilot")]
    assert types[:3] == ["Wave.Planned", "Wave.Started", "Wave.Leased"] and "Wave.Sealed" in types
    assert types[-2:] == ["Batch.Opened", "Batch.Attempted"]
    assert [type(e).__qualname__ for _, e in ledger.wave_events("other")] == ["Wave.Planned"]

    ledger.save(
        Batch(wave="pilot", operation="accounts", key="new", items=1, digest="d", details={}, ctx=CTX.as_dict())
    )
    again = Ledger(settings)
    assert verify(again).ok and verify(again).checked == total + 1
    assert not again.recorder.lagging()


def test_a_seal_of_an_old_store_that_no_longer_matches_is_named(settings: Settings):
    old_store(settings)
    ledger = Ledger(settings)
    head = next(e for _, e in ledger.wave_events("pilot") if type(e).__qualname__ == "Wave.Sealed")
    tamper(settings, f"UPDATE erpflow_chain SET {FLIP_DIGEST} WHERE position = {head.position}")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == head.position


def test_wave_events_read_the_wave_index_not_the_log(settings: Settings, monkeypatch):
    ledger = recorded_wave(settings)
    other = Wave(
        name="other",
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts"],
        plan_digest="d",
        inputs={},
        plan={},
        ctx={**CTX.as_dict(), "wave": "other"},
    )
    ledger.save(other)
    monkeypatch.setattr(ledger.recorder, "select_notifications", None)  # any read of the whole log fails
    pilot = list(ledger.wave_events("pilot", page=5))
    assert [p for p, _ in pilot] == list(range(1, 13)) and all(e.ctx["wave"] == "pilot" for _, e in pilot)
    assert [p for p, _ in ledger.wave_events("other")] == [13]
    assert list(ledger.wave_events("nowhere")) == []
