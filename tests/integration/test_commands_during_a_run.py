"""Commands typed while a wave runs (attendance, anomaly, gate) never contend with the run: on SQLite and on
PostgreSQL, the run is held open between operations by driving the engine's steps, and completes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application import engine, waves
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import prepare
from erpflow.cli import app
from erpflow.settings import Settings
from tests.unit.fakes import FakeTargets
from tests.unit.test_application import sign_in_sheet

REPO = Path(__file__).resolve().parents[2]


def cli(settings: Settings, *args: str):
    env = {
        "ERPFLOW_HOME": str(settings.home),
        "ERPFLOW_EVENT_STORE": settings.event_store.get_secret_value(),
        "ERPFLOW_ACTOR": "trainer",
    }
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def running(settings: Settings):
    """The pilot begun and its operations done, the run still holding the wave; with its context."""
    prepared = prepare(REPO / "deployments" / "plans" / "pilot.yaml", None)
    ledger, targets = Ledger(settings), FakeTargets(prepared.plan)
    ctx = engine.begin(ledger, prepared, "integrator", "run-1")
    for operation in prepared.method.cycle.order:
        step = ctx.for_operation(operation)
        engine.start_operation(ledger, step, prepared.batches[operation])
        results = [engine.run_batch(ledger, step, "run-1", b, targets) for b in prepared.batches[operation]]
        engine.finish_operation(ledger, step, prepared, results)
    return ledger, ctx


def test_attendance_anomaly_and_gate_commands_while_a_wave_runs_leave_the_run_alone(settings, running, tmp_path):
    ledger, ctx = running
    held_runs, held_wave = waves.runs(ledger, ledger.wave("pilot")), ledger.wave("pilot")
    sheet = sign_in_sheet(ledger, tmp_path / "sheet.csv")

    attended = cli(settings, "training", "attend", "pilot", str(sheet))
    assert attended.exit_code == 0, attended.output
    for _ in range(2):
        raised = cli(settings, "anomaly", "raise", "pilot", "--item", "jdupont", "--reason", "cannot log in")
        assert raised.exit_code == 0, raised.output
    decided = cli(settings, "gate", "pilot", "--record", "--no-go")
    assert decided.exit_code == 1 and "decision recorded: no-go" in decided.stdout, decided.output

    held_runs.renew(ctx.flow_run_id, "2099-01-01T00:00:00+00:00", ctx.as_dict())
    held_wave.reconcile("late", 1, 1, 0, ctx.as_dict())
    ledger.save(held_runs, held_wave)  # both read before the commands
    engine.complete(ledger, ctx, {})
    wave = waves.view(Ledger(settings), "pilot")
    assert wave.state == "completed" and wave.gate["decision"] == "no-go" and wave.gate["by"] == "trainer"
    decisions = [e for _, e in ledger.wave_events("pilot") if type(e).__name__ == "Decided"]
    assert decisions[-1].ctx["operation"] == "gate"
