"""Anchors outside the store: a cut tail, an emptied store and a consistent rewrite of the chain are found."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from structlog.testing import capture_logs

from erpflow.application.ledger import Ledger
from erpflow.audit import anchors
from erpflow.audit.chain import GENESIS, link
from erpflow.audit.export import export
from erpflow.audit.seals import verify
from erpflow.model.batch import Batch
from erpflow.settings import Settings

from .test_audit_chain import CTX, REPO, recorded_wave


def connect(settings: Settings):
    """The store's own database, and the name of its events table and its id column."""
    if settings.event_store.get_secret_value():
        url, _, schema = settings.event_store.get_secret_value().partition("?schema=")
        return (
            psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}"),
            "erpflow_events",
            "notification_id",
            "%s",
        )
    return sqlite3.connect(settings.events_path, isolation_level=None), "stored_events", "rowid", "?"


def cut_tail(settings: Settings, keep: int) -> None:
    conn, table, column, _ = connect(settings)
    with conn:
        conn.execute(f"DELETE FROM {table} WHERE {column} > {keep}")
        conn.execute(f"DELETE FROM erpflow_chain WHERE position > {keep}")


def rewrite(settings: Settings, old: bytes, new: bytes) -> None:
    """Change events and recompute every digest and every seal's head, as a careful forger would."""
    conn, table, column, mark = connect(settings)
    with conn:
        rows = conn.execute(
            f"SELECT {column}, originator_id, originator_version, topic, state FROM {table} ORDER BY {column}"
        ).fetchall()
        digest, chain = GENESIS, {}
        for position, originator, version, topic, state in rows:
            state = bytes(state).replace(old, new)
            if topic.endswith("Wave.Sealed"):
                sealed = json.loads(state)
                sealed["head"] = chain[sealed["position"]]
                state = json.dumps(sealed, separators=(",", ":"), ensure_ascii=False).encode()
            conn.execute(f"UPDATE {table} SET state = {mark} WHERE {column} = {mark}", (state, position))
            digest = link(digest, position, uuid.UUID(str(originator)), version, topic, state)
            chain[position] = digest
        conn.execute("DELETE FROM erpflow_chain")
        for position, digest in chain.items():
            conn.execute(f"INSERT INTO erpflow_chain (position, digest) VALUES ({mark}, {mark})", (position, digest))


def anchored(settings: Settings) -> Ledger:
    ledger = recorded_wave(settings)
    assert anchors.publish(ledger, "pilot", "run end", settings).position == 12
    return ledger


def compare_with_home(ledger: Ledger, settings: Settings) -> list[anchors.Problem]:
    found, bad = anchors.read([settings.anchors_path], settings)
    assert not bad and len(found) == 1
    return anchors.compare(ledger, found)


def test_an_untouched_store_matches_its_anchors(settings: Settings):
    ledger = anchored(settings)
    assert compare_with_home(ledger, settings) == []
    anchors.check_head(ledger, settings)


def test_a_tail_cut_from_both_tables_is_named_by_its_first_missing_position(settings: Settings):
    ledger = anchored(settings)
    cut_tail(settings, keep=10)
    assert verify(ledger).ok  # the store's own chain cannot see it
    problems = compare_with_home(ledger, settings)
    assert len(problems) == 1 and problems[0].position == 11
    assert "the store ends at position 10" in str(problems[0]) and "holds position 12" in str(problems[0])
    with pytest.raises(anchors.StoreNotAnchored, match=r"ends at position 10.*holds position 12.*erpflow verify"):
        anchors.check_head(ledger, settings)


def test_a_chain_rewritten_with_its_digests_and_seals_recomputed_is_found(settings: Settings):
    ledger = anchored(settings)
    rewrite(settings, b"user1", b"mallo")
    assert verify(ledger).ok  # consistent: digests and seals recomputed
    problems = compare_with_home(ledger, settings)
    assert len(problems) == 1 and problems[0].position == 12 and "rewritten" in problems[0].problem
    with pytest.raises(anchors.StoreNotAnchored, match=r"position 12 .* differs"):
        anchors.check_head(ledger, settings)


def test_an_emptied_store_is_found(settings: Settings):
    anchored(settings).close()  # the store is emptied between two commands
    if settings.event_store.get_secret_value():
        cut_tail(settings, keep=0)
    else:
        settings.events_path.write_bytes(b"")
    ledger = Ledger(settings)
    assert verify(ledger).checked == 0
    problems = compare_with_home(ledger, settings)
    assert problems[0].position == 1 and "the store ends at position 0" in str(problems[0])
    with pytest.raises(anchors.StoreNotAnchored, match="ends at position 0"):
        anchors.check_head(ledger, settings)


def test_anchors_keep_matching_as_the_log_grows(settings: Settings):
    ledger = anchored(settings)
    batch = Batch(wave="pilot", operation="accounts", key="b9", items=1, digest="d", details={}, ctx=CTX.as_dict())
    ledger.save(batch)
    assert compare_with_home(ledger, settings) == []
    anchors.check_head(ledger, settings)


def test_an_altered_anchor_fails_its_signature(home: Path):
    settings = Settings(home=home)
    anchored(settings)
    file = next(settings.anchors_path.glob("*.json"))
    file.write_text(file.read_text().replace('"position": 12', '"position": 11'))
    found, bad = anchors.read([file], settings)
    assert not found and "bad signature" in str(bad[0]) and "altered" in str(bad[0])


def test_an_anchor_signed_by_another_key_is_refused(home: Path, tmp_path: Path):
    settings = Settings(home=home)
    ledger = recorded_wave(settings)
    other = Settings(home=tmp_path / "elsewhere", anchor_key="11" * 32)
    forged = anchors.publish(ledger, "pilot", "run end", other)
    anchors.publish(ledger, "pilot", "run end", settings)
    found, bad = anchors.read([Path(forged.source), settings.anchors_path], settings)
    assert len(found) == 1 and "signed by another key" in str(bad[0])


def test_a_key_is_generated_once_under_the_home_readable_by_its_owner_alone(home: Path):
    settings = Settings(home=home)
    ledger = recorded_wave(settings)
    with capture_logs() as logs:
        first = anchors.publish(ledger, "pilot", "run end", settings)
        second = anchors.publish(ledger, "pilot", "gate decision", settings)
    assert [e["event"] for e in logs].count("no ERPFLOW_ANCHOR_KEY set: generated an anchor signing key") == 1
    assert stat.S_IMODE(os.stat(settings.anchor_key_path).st_mode) == 0o600
    assert first.public_key == second.public_key and len(list(settings.anchors_path.glob("*.json"))) == 2


def test_the_configured_key_signs_and_no_key_file_is_written(home: Path):
    settings = Settings(home=home, anchor_key="22" * 32)
    anchor = anchors.publish(recorded_wave(settings), "pilot", "run end", settings)
    assert not settings.anchor_key_path.exists()
    assert anchor.public_key == anchors.sign(anchor, Settings(home=home, anchor_key="22" * 32)).public_key


def test_an_export_manifest_is_an_anchor(settings: Settings, tmp_path: Path):
    ledger = recorded_wave(settings)
    manifest = export(ledger, "pilot", tmp_path / "export", settings)
    assert manifest["anchor"]["position"] == manifest["chain_head"]["position"] == 12
    cut_tail(settings, keep=11)
    found, bad = anchors.read([tmp_path / "export" / "manifest.json"], settings)
    assert not bad and [p.position for p in anchors.compare(ledger, found)] == [12]


def test_the_manifests_anchor_checks_with_the_standard_library_alone(settings: Settings, tmp_path: Path):
    manifest = export(recorded_wave(settings), "pilot", tmp_path / "export", settings)
    check = [sys.executable, "-I", "-S", str(REPO / "docs" / "verify-export.py"), str(tmp_path / "export")]
    done = subprocess.run(check, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"anchor: chain head at position 12 signed by Ed25519 key {manifest['anchor']['public_key']}" in done.stdout

    path = tmp_path / "export" / "manifest.json"
    path.write_text(path.read_text().replace(manifest["anchor"]["time"], "2020-01-01T00:00:00+00:00"))
    forged = subprocess.run(check, capture_output=True, text=True, check=False)
    assert forged.returncode != 0 and "the anchor's signature is bad" in forged.stderr
