"""`erpflow verify --anchors` and `erpflow run` against a store that lost what its anchors hold."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application.ledger import Ledger
from erpflow.audit import anchors
from erpflow.cli import app
from erpflow.settings import Settings
from tests.integration.test_anchors import cut_tail
from tests.integration.test_audit_chain import recorded_wave

from .conftest import small_pilot
from .test_crash_resume import erpflow, prefect_url  # noqa: F401 - fixtures


def cli(home: Path, *args: str):
    return CliRunner().invoke(app, list(args), env={"ERPFLOW_HOME": str(home), "ERPFLOW_ANCHOR_KEY": ""})


@pytest.fixture
def anchored(home: Path) -> Settings:
    settings = Settings(home=home)
    ledger = recorded_wave(settings)
    anchors.publish(ledger, "pilot", "run end", settings)
    ledger.close()  # as a command ends: the store is whole in its file
    return settings


def test_verify_compares_the_store_with_the_homes_anchors(anchored: Settings):
    verified = cli(anchored.home, "verify")
    assert verified.exit_code == 0, verified.output
    assert (
        verified.stdout.startswith("verified: 12 events")
        and "1 anchor(s) match, the latest at position 12" in verified.stdout
    )


def test_verify_names_the_first_position_cut_from_the_tail(anchored: Settings):
    cut_tail(anchored, keep=9)
    for args in (("verify",), ("verify", "--anchors", str(anchored.anchors_path))):
        verified = cli(anchored.home, *args)
        assert verified.exit_code == 1, verified.output
        assert verified.stderr.startswith("tampered: position 10: missing: the store ends at position 9"), (
            verified.stderr
        )


def test_verify_reports_an_altered_anchor_as_a_bad_signature(anchored: Settings, tmp_path: Path):
    file = next(anchored.anchors_path.glob("*.json"))
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps({**json.loads(file.read_text()), "time": "2020-01-01T00:00:00+00:00"}))
    verified = cli(anchored.home, "verify", "--anchors", str(altered), str(file))
    assert verified.exit_code == 1 and "bad anchor: position 12: the anchor of 2020-01-01 00:00:00" in verified.stderr
    assert "bad signature" in verified.stderr and "tampered" not in verified.stderr
    file.write_text(altered.read_text())
    in_home = cli(anchored.home, "verify")
    assert in_home.exit_code == 1 and "bad anchor: position 12" in in_home.stderr


def test_an_export_manifest_anchors_the_store(anchored: Settings, tmp_path: Path):
    exported = cli(anchored.home, "export", "pilot", str(tmp_path / "audit"))
    assert exported.exit_code == 0, exported.output
    manifest = tmp_path / "audit" / "manifest.json"
    assert json.loads(manifest.read_text())["anchor"]["signature"]
    assert cli(anchored.home, "verify", "--anchors", str(manifest)).exit_code == 0
    cut_tail(anchored, keep=11)
    verified = cli(anchored.home, "verify", "--anchors", str(manifest))
    assert verified.exit_code == 1 and verified.stderr.startswith("tampered: position 12: missing")


def test_run_refuses_to_start_on_an_emptied_store_in_one_line(anchored: Settings, tmp_path: Path):
    anchored.events_path.write_bytes(b"")
    verified = cli(anchored.home, "verify")
    assert verified.exit_code == 1 and "tampered: position 1: missing: the store ends at position 0" in verified.stderr
    refused = cli(anchored.home, "run", str(small_pilot(tmp_path)))
    assert refused.exit_code == 2, refused.output
    assert (
        len(refused.stderr.strip().splitlines()) == 1
        and refused.stderr.startswith("error: the event store ends at position 0, but the anchor of ")
        and "run `erpflow verify`" in refused.stderr
    )
    assert refused.stdout == ""


@pytest.mark.prefect
@pytest.mark.tryton
def test_runs_anchor_their_end_and_a_killed_or_interrupted_run_is_never_taken_for_tampering(erpflow, tmp_path):  # noqa: F811
    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter

    plan = small_pilot(tmp_path)
    settings = Settings(home=erpflow.home)
    assert erpflow("run", str(plan)).returncode == 0
    ended = [json.loads(f.read_text()) for f in settings.anchors_path.glob("*.json")]
    assert [a["reason"] for a in ended] == ["run end"] and ended[0]["wave"] == "pilot"
    with get_client(sync_client=True) as client:
        for _ in range(50):
            sent = client.read_events(
                filter=EventFilter(event=EventNameFilter(name=["erpflow.chain.anchored"])), limit=50
            )
            if any(e.payload.get("digest") == ended[0]["digest"] for e in sent.events):
                break
            time.sleep(0.2)
        else:
            pytest.fail("no erpflow.chain.anchored event for the run's end")
        assert sent.events[0].resource.id == "erpflow.wave.pilot"

    killed = erpflow("run", str(plan), "--force", "--reason", "again", fault="accounts:after-event")
    assert killed.returncode == -signal.SIGKILL
    ledger = Ledger(settings)
    assert anchors.compare(ledger, anchors.home_anchors(ledger, settings)[0]) == []
    anchors.check_head(ledger, settings)

    interrupted = erpflow("run", str(plan), "--force", "--reason", "once more", background=True)
    for line in interrupted.stderr:
        if "batch done" in line:
            break
    interrupted.send_signal(signal.SIGINT)
    interrupted.communicate(timeout=120)
    assert interrupted.returncode != 0
    reasons = sorted(json.loads(f.read_text())["reason"] for f in settings.anchors_path.glob("*.json"))
    assert reasons == ["run aborted", "run end"]
    ledger = Ledger(settings)
    assert anchors.compare(ledger, anchors.home_anchors(ledger, settings)[0]) == []
    anchors.check_head(ledger, settings)
    resumed = erpflow("resume", "pilot")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    verified = erpflow("verify")
    assert verified.returncode == 0 and "3 anchor(s) match" in verified.stdout, verified.stderr
