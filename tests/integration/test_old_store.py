"""A store written by erpflow at 7d85eb3 (runs, attendance and gate decisions on the wave's own stream) reads
with today's code: status, history, gate, report, anomalies; and takes new commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.cli import app
from erpflow.model.anomaly import MANUAL
from erpflow.projections.anomalies import anomalies
from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "store-7d85eb3" / "events.sqlite"


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURE, home / "events.sqlite")
    return home


def cli(home: Path, *args: str):
    env = {"ERPFLOW_HOME": str(home), "ERPFLOW_METHOD": str(REPO / "domain"), "ERPFLOW_ACTOR": "auditor"}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_wave_of_an_old_store_reads_with_its_runs_attendance_and_decision(old_home: Path):
    wave = view(Ledger(Settings(home=old_home)), "pilot")
    assert wave.state == "completed" and len(wave.runs) == 1 and wave.run_id is None
    assert wave.plan_path.endswith("plans/pilot.yaml")
    assert sum(map(len, wave.attendance.values())) == 3
    assert wave.gate["decision"] == "no-go" and wave.gate["by"] == "integrator"
    assert {op: s["state"] for op, s in wave.operations.items()} == dict.fromkeys(wave.cycle, "done")


def test_old_anomalies_are_upcast_and_say_who_raised_them(old_home: Path):
    found = {a.item: a for a in anomalies(Ledger(Settings(home=old_home)), "pilot")}
    assert found["jdupont"].origin == MANUAL and found["jdupont"].severity == "blocking"
    assert found["F2024"].origin == "run" and found["F2024"].open


def test_status_history_gate_and_report_work_on_an_old_store(old_home: Path, tmp_path: Path):
    status = cli(old_home, "status", "pilot")
    assert status.exit_code == 0, status.output
    assert "Wave pilot (pilot, Lyon): completed, 1 run(s)" in status.stdout

    history = cli(old_home, "history", "pilot")
    assert history.exit_code == 0, history.output
    for kind in ("Wave.Started", "Wave.Leased", "Wave.Completed", "Wave.AttendanceRecorded", "Wave.GateDecided"):
        assert kind in history.stdout

    gate = cli(old_home, "gate", "pilot")
    assert gate.exit_code == 1 and "last decision: no-go by integrator" in gate.stdout

    report = cli(old_home, "report", "pilot", "--markdown", str(tmp_path / "report.md"))
    assert report.exit_code == 0, report.output
    assert "no-go" in (tmp_path / "report.md").read_text()


def test_new_commands_on_an_old_store_use_the_new_streams(old_home: Path):
    raised = cli(old_home, "anomaly", "raise", "pilot", "--item", "jdupont", "--reason", "still cannot log in")
    assert raised.exit_code == 0, raised.output
    recorded = cli(old_home, "gate", "pilot", "--record", "--no-go", "--comment", "after the upgrade")
    assert recorded.exit_code == 1 and "decision recorded: no-go" in recorded.stdout
    ledger = Ledger(Settings(home=old_home))
    assert [a.item for a in anomalies(ledger, "pilot")].count("jdupont") == 2
    assert view(ledger, "pilot").gate["by"] == "auditor"


def test_a_new_run_on_an_old_store_opens_the_wave_s_run_stream_from_what_it_carried(old_home: Path):
    from erpflow.application import engine
    from erpflow.application.preparation import prepare

    ledger = Ledger(Settings(home=old_home))
    prepared = prepare(REPO / "deployments" / "plans" / "pilot.yaml", None)
    ctx = engine.begin(ledger, prepared, "integrator", "run-2")
    wave = view(ledger, "pilot")
    assert len(wave.runs) == 2 and wave.runs[-1] == "run-2" and wave.state == "running"
    engine.abort(ledger, ctx, "stopped")
    assert view(ledger, "pilot").state == "aborted"


def test_an_old_store_keeps_naming_its_batches_as_it_did_and_a_rerun_skips_them(old_home: Path):
    from erpflow.application import engine
    from erpflow.application.preparation import prepare
    from erpflow.model.batch import Batch
    from erpflow.model.ids import Naming, named_batch_id
    from erpflow.operations.batches import BatchPlan

    ledger = Ledger(Settings(home=old_home))
    assert ledger.naming is Naming.NAMES
    opened = [e for _, e in ledger.wave_events("pilot") if isinstance(e, Batch.Opened)]
    assert len(opened) >= 4
    for event in opened:
        assert ledger.batch("pilot", event.operation, event.key).id == event.originator_id

    ctx = engine.begin(ledger, prepare(REPO / "deployments" / "plans" / "pilot.yaml", None), "integrator", "run-2")
    step = ctx.for_operation("accounts")
    late = BatchPlan("late", ())
    assert engine.run_batch(ledger, step, "run-2", late, None).status == "done"  # type: ignore[arg-type]
    assert ledger.batch("pilot", "accounts", late.key).id == named_batch_id("pilot", "accounts", late.key)
    assert engine.run_batch(ledger, step, "run-2", late, None).status == "skipped"  # type: ignore[arg-type]
    assert Ledger(Settings(home=old_home)).naming is Naming.NAMES
