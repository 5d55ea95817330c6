"""Transient target errors are retried by Prefect; a batch that keeps failing stops the wave, which resumes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from tests.conftest import SmtpCollector, free_port

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def smtp_plan(folder: Path, port: int) -> Path:
    mail = {"sender": "formation@acme.example", "smtp": {"host": "127.0.0.1", "port": port}}
    return small_pilot(folder, mail=mail)


def batch_events(ledger: Ledger, operation: str) -> list[str]:
    return [
        type(e).__qualname__
        for _, e in ledger.wave_events("pilot")
        if type(e).__qualname__.startswith("Batch.") and e.ctx.get("operation") == operation
    ]


def start_smtp_after_first_failure(home: Path, port: int, stop: threading.Event) -> list[Controller]:
    """The SMTP server comes up once the ledger shows a failed training batch: a real outage, then recovery."""
    started: list[Controller] = []

    def watch() -> None:
        while not stop.is_set():
            events = (home / "events.sqlite").exists() and batch_events(Ledger(_settings(home)), "training")
            if events and "Batch.Failed" in events:
                controller = Controller(SmtpCollector(), hostname="127.0.0.1", port=port)
                controller.start()
                started.append(controller)
                return
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    return started


def _settings(home: Path):
    from erpflow.settings import Settings

    return Settings(home=home)


def test_an_smtp_outage_is_retried_until_the_server_is_back(prefect_api, wave_env, tmp_path: Path):
    port, home, stop = free_port(), tmp_path / "home", threading.Event()
    started = start_smtp_after_first_failure(home, port, stop)
    try:
        run = wave_env(
            smtp_plan(tmp_path, port),
            home,
            ERPFLOW_BATCH_RETRIES="6",
            ERPFLOW_RETRY_DELAY_SECONDS="0.5",
            ERPFLOW_PARALLEL_BATCHES="1",
        )
    finally:
        stop.set()
        for controller in started:
            controller.stop()
    assert run.state.is_completed(), run.state.message
    assert started and len(started[0].handler.envelopes) == run.counts["training"]["sent"]
    events = batch_events(Ledger(run.settings), "training")
    assert events[:3] == ["Batch.Opened", "Batch.Attempted", "Batch.Failed"]
    assert events.count("Batch.Succeeded") == run.counts["training"]["batches"]


def test_a_batch_that_keeps_failing_stops_the_wave_which_then_resumes(prefect_api, wave_env, tmp_path: Path):
    port, home = free_port(), tmp_path / "home"
    plan = smtp_plan(tmp_path, port)

    failed = wave_env(plan, home, ERPFLOW_BATCH_RETRIES="1", ERPFLOW_RETRY_DELAY_SECONDS="0")

    assert failed.state.is_failed()
    assert "batch(es) of training failed" in failed.state.message and "erpflow resume pilot" in failed.state.message
    ledger = Ledger(failed.settings)
    wave = view(ledger, "pilot")
    assert wave.state == "aborted" and wave.operations["training"]["state"] == "failed"
    assert wave.operations["migration"]["state"] == "done"
    assert batch_events(ledger, "training").count("Batch.Attempted") == 2 * len(wave.operations["training"]["batches"])

    controller = Controller(SmtpCollector(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        resumed = wave_env(plan, home)
    finally:
        controller.stop()
    assert resumed.state.is_completed(), resumed.state.message
    assert (
        resumed.counts["accounts"]["skipped"] == 1
        and resumed.counts["training"]["done"] == resumed.counts["training"]["batches"]
    )
    assert len(controller.handler.envelopes) == resumed.counts["training"]["sent"]

    from erpflow.projections.anomalies import anomalies

    failures = [a for a in anomalies(Ledger(resumed.settings), "pilot") if a.item.startswith("batch ")]
    assert len(failures) == len(wave.operations["training"]["batches"])
    assert all(a.severity == "blocking" and "SMTP server" in a.reason for a in failures)
    assert all(not a.open and a.resolution.startswith("the batch succeeded in run ") for a in failures)


def test_anomalies_are_listed_raised_commented_and_resolved_from_the_cli(prefect_api, wave_env, tmp_path: Path):
    from typer.testing import CliRunner

    from erpflow.cli import app

    run = wave_env(small_pilot(tmp_path), tmp_path / "home")
    assert run.state.is_completed(), run.state.message
    env = {"ERPFLOW_HOME": str(tmp_path / "home"), "ERPFLOW_ACTOR": "project.manager"}

    def cli(*args: str):
        result = CliRunner().invoke(app, ["anomaly", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    automatic = cli("list", "pilot")
    assert "C10017" in automatic and "NAME: Field required" in automatic and "open" in automatic
    raised = cli(
        "raise",
        "pilot",
        "--item",
        "chart of accounts",
        "--reason",
        "account 411 missing",
        "--operation",
        "configuration",
        "--severity",
        "blocking",
    )
    short = raised.split()[1]
    cli("comment", "pilot", short, "the finance team adds it on Monday")
    assert "blocking" in cli("list", "pilot", "--open", "--severity", "blocking")
    cli("resolve", "pilot", short, "--resolution", "account 411 created")
    assert "chart of accounts" not in cli("list", "pilot", "--open")
    from erpflow.projections.anomalies import find

    manual = find(Ledger(run.settings), "pilot", short)
    assert manual.comments == ["the finance team adds it on Monday"] and manual.resolution == "account 411 created"
    refused = CliRunner().invoke(app, ["anomaly", "resolve", "pilot", short, "--resolution", "again"], env=env)
    assert refused.exit_code == 2 and "already resolved" in refused.stderr
