"""The hash chain over the event log: sealing, verifying, and tampering with the store directly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg

from erpflow.audit.export import export
from erpflow.audit.seals import seal, verify
from erpflow.application.ledger import Ledger
from erpflow.model.batch import Batch
from erpflow.model.context import Context
from erpflow.model.wave import Wave
from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[2]
CTX = Context("pilot", "alice", "run-1", "accounts", "0.1.0")


def recorded_wave(settings: Settings) -> Ledger:
    """A wave with three batches, sealed after them: 12 events, then the seal at position 13."""
    ledger = Ledger(settings)
    wave = Wave(name="pilot", kind="pilot", sites=["Lyon"], cycle=["accounts"], plan_digest="d", inputs={},
                plan={}, ctx=CTX.as_dict())
    wave.start_operation("accounts", ["b0", "b1", "b2"], CTX.as_dict())
    wave.reconcile("people", 3, 3, 0, CTX.as_dict())
    ledger.save(wave)
    for n in range(3):
        batch = Batch(wave="pilot", operation="accounts", key=f"b{n}", items=1, digest="d", details={},
                      ctx=CTX.as_dict())
        batch.attempt("run-1", CTX.as_dict())
        batch.succeed([{"ref": f"user{n}", "status": "created"}], CTX.as_dict())
        ledger.save(batch)
    seal(ledger, CTX)
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
    assert verdict.ok and verdict.checked == 13, verdict


def test_an_edited_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'user1', 'mallory') AS BLOB)"
                     " WHERE rowid = 9",
           "UPDATE stored_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'user1', 'mallory'),"
           " 'UTF8') WHERE notification_id = 9")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 9 and "edited" in verdict.problem and verdict.checked == 8


def test_a_deleted_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "DELETE FROM stored_events WHERE rowid = 5")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 5 and "deleted" in verdict.problem


def test_an_inserted_record_is_named_by_its_position(settings: Settings):
    ledger = recorded_wave(settings)
    tamper(settings, "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                     "SELECT originator_id, 99, topic, state FROM stored_events WHERE rowid = 4")
    verdict = verify(ledger)
    assert not verdict.ok and verdict.position == 14 and "inserted" in verdict.problem


def test_an_export_checks_with_the_standard_library_alone(settings: Settings, tmp_path: Path):
    ledger = recorded_wave(settings)
    manifest = export(ledger, "pilot", tmp_path / "export")
    assert manifest["events"] == 13 and manifest["seals"][0]["position"] == 12
    check = [sys.executable, "-I", "-S", str(REPO / "docs" / "verify-export.py"), str(tmp_path / "export")]
    done = subprocess.run(check, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("ok: 13 events of wave pilot"), done.stderr

    lines = (tmp_path / "export" / "events.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"version": 1', '"version": 2')
    (tmp_path / "export" / "events.jsonl").write_text("\n".join(lines) + "\n")
    spoiled = subprocess.run(check, capture_output=True, text=True)
    assert spoiled.returncode != 0 and "differs from the manifest" in spoiled.stderr
