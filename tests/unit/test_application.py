"""The use cases on an in-memory event store and in-memory targets: get, command, save."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from erpflow.application import anomalies, attendance, engine, gates, waves
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import PreparedWave, prepare
from erpflow.inputs.method import load_method
from erpflow.model.context import Context
from erpflow.model.errors import CommandRefused
from erpflow.projections.anomalies import anomalies as listed
from erpflow.projections.gate import invitations
from erpflow.settings import Settings

from .fakes import FakeTargets, in_memory_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prepared() -> PreparedWave:
    return prepare(REPO / "deployments" / "plans" / "pilot.yaml", None)


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Ledger:
    with in_memory_store(monkeypatch):
        yield Ledger(Settings(home=tmp_path))


def run(
    ledger: Ledger,
    prepared: PreparedWave,
    targets: FakeTargets,
    run_id: str = "run-1",
    operations: list[str] | None = None,
    force: str = "",
) -> Context:
    """A run through the engine's use cases, the way the flow calls them; its context."""
    todo = engine.operations_to_run(ledger, prepared)
    ctx = engine.begin(ledger, prepared, "integrator", run_id)
    for operation in operations or todo:
        step = ctx.for_operation(operation)
        engine.start_operation(ledger, step, prepared.batches[operation])
        results = [engine.run_batch(ledger, step, run_id, b, targets, force) for b in prepared.batches[operation]]
        engine.finish_operation(ledger, step, prepared, results)
    return ctx


def test_a_wave_runs_through_its_use_cases_and_completes(ledger, prepared):
    targets = FakeTargets(prepared.plan)
    engine.complete(ledger, run(ledger, prepared, targets), {})
    wave = waves.view(ledger, "pilot")
    assert wave.state == "completed" and wave.runs == ["run-1"] and wave.run_id is None
    assert len(targets.erp.users) == 97 and len(targets.mailer.sent) == 97
    assert all(wave.operations[op]["state"] == "done" for op in wave.cycle)


def test_a_second_run_skips_what_is_done_and_a_forced_one_runs_it_again(ledger, prepared):
    targets = FakeTargets(prepared.plan)
    engine.complete(ledger, run(ledger, prepared, targets), {})
    ctx = engine.begin(ledger, prepared, "integrator", "run-2").for_operation("accounts")
    batch = prepared.batches["accounts"][0]
    assert engine.run_batch(ledger, ctx, "run-2", batch, targets).status == "skipped"
    assert engine.run_batch(ledger, ctx, "run-2", batch, targets, force="groups changed").status == "done"


def test_a_run_has_nothing_to_do_only_once_its_wave_completed_with_the_same_inputs_and_batches(ledger, prepared):
    from dataclasses import replace

    every = engine.operations_to_run(ledger, prepared)
    assert not engine.nothing_to_do(ledger, prepared, every)  # never run
    targets = FakeTargets(prepared.plan)
    ctx = run(ledger, prepared, targets, operations=["accounts"])
    assert not engine.nothing_to_do(ledger, prepared, ["accounts"])  # its run is still in progress
    engine.complete(ledger, ctx, {})
    assert engine.nothing_to_do(ledger, prepared, ["accounts"])  # the wave is incomplete, accounts done
    assert not engine.nothing_to_do(ledger, prepared, every)  # the other operations never ran
    engine.complete(ledger, run(ledger, prepared, targets, "run-2"), {})
    assert engine.nothing_to_do(ledger, prepared, every)

    one_more = replace(prepared, batches={**prepared.batches, "accounts": prepared.batches["accounts"][:-1]})
    assert not engine.nothing_to_do(ledger, one_more, every)  # other batches: the HR export changed
    edited = replace(prepared, inputs={**prepared.inputs, "plan.yaml": "0" * 64})
    assert not engine.nothing_to_do(ledger, edited, ["accounts"])
    fewer = replace(prepared, left_out={"accounts": {"contract == 'Stage'": 3}})
    assert not engine.nothing_to_do(ledger, fewer, ["accounts"])

    engine.begin(ledger, prepared, "integrator", "run-3")  # a run started again, not finished
    assert not engine.nothing_to_do(ledger, prepared, every)


def test_a_run_that_lost_its_lease_cannot_start_an_operation(ledger, prepared):
    ctx = engine.begin(ledger, prepared, "integrator", "run-1")
    with pytest.raises(CommandRefused, match="run-9 no longer holds wave 'pilot'"):
        engine.start_operation(ledger, Context("pilot", "x", "run-9", "accounts"), prepared.batches["accounts"])
    engine.abort(ledger, ctx, "stopped")
    assert waves.view(ledger, "pilot").state == "aborted"


def test_a_second_manual_anomaly_on_the_same_item_gets_its_own(ledger, prepared):
    engine.begin(ledger, prepared, "integrator", "run-1")
    first = anomalies.raise_by_hand(ledger, "pilot", "jdupont", "cannot log in", "alice", severity="blocking")
    second = anomalies.raise_by_hand(ledger, "pilot", "jdupont", "wrong groups", "bob")
    assert first.id != second.id
    assert [(a.item, a.reason) for a in listed(ledger, "pilot")] == [
        ("jdupont", "cannot log in"),
        ("jdupont", "wrong groups"),
    ]


def test_an_anomaly_is_commented_and_resolved_only_with_a_reason(ledger, prepared):
    engine.begin(ledger, prepared, "integrator", "run-1")
    raised = anomalies.raise_by_hand(ledger, "pilot", "jdupont", "cannot log in", "alice")
    anomalies.comment(ledger, "pilot", str(raised.id)[:8], "password reset sent", "bob")
    with pytest.raises(CommandRefused, match="needs a reason"):
        anomalies.resolve(ledger, "pilot", str(raised.id)[:8], " ", "bob")
    done = anomalies.resolve(ledger, "pilot", str(raised.id)[:8], "reset", "bob")
    assert done.comments == ["password reset sent"] and not done.open


def test_a_gate_decision_is_recorded_as_the_gate_s_not_the_training_s(ledger, prepared):
    engine.complete(ledger, run(ledger, prepared, FakeTargets(prepared.plan)), {})
    evaluation = gates.evaluate_gate(ledger, "pilot", load_method(REPO / "domain"))
    gates.record_decision(ledger, evaluation, "no-go", "committee", "training not done")
    decided = [e for _, e in ledger.wave_events("pilot") if type(e).__name__ == "Decided"]
    assert decided[-1].ctx["operation"] == "gate" and decided[-1].ctx["actor"] == "committee"
    assert waves.view(ledger, "pilot").gate["decision"] == "no-go"


def sign_in_sheet(ledger: Ledger, path: Path) -> Path:
    with path.open("w", newline="") as sheet:
        rows = csv.writer(sheet)
        rows.writerow(["session", "login", "present"])
        for name, session in invitations(ledger, "pilot").items():
            rows.writerows([name, login, "yes"] for login in sorted(session["invited"]))
    return path


def test_commands_typed_while_a_run_holds_the_wave_never_abort_it(ledger, prepared, tmp_path):
    targets = FakeTargets(prepared.plan)
    ctx = run(ledger, prepared, targets)
    held = waves.runs(ledger, ledger.wave("pilot"))
    attendance.record(ledger, "pilot", sign_in_sheet(ledger, tmp_path / "sheet.csv"), "trainer")
    anomalies.raise_by_hand(ledger, "pilot", "jdupont", "cannot log in", "alice")
    evaluation = gates.evaluate_gate(ledger, "pilot", load_method(REPO / "domain"))
    gates.record_decision(ledger, evaluation, "no-go", "committee")
    held.renew(ctx.flow_run_id, "2099-01-01T00:00:00+00:00", ctx.as_dict())
    ledger.save(held)  # read before the commands, saved after them: no conflict
    engine.complete(ledger, ctx, {})
    wave = waves.view(ledger, "pilot")
    assert wave.state == "completed" and sum(map(len, wave.attendance.values())) == 97


def test_an_operation_cannot_start_without_a_run(ledger, prepared):
    from erpflow.model.wave import Wave

    ledger.save(
        Wave(
            name="pilot",
            kind="pilot",
            sites=["Lyon"],
            cycle=["accounts"],
            plan_digest="d",
            inputs={},
            plan={},
            ctx=Context("pilot", "x").as_dict(),
        )
    )
    with pytest.raises(CommandRefused, match="no run in progress"):
        engine.start_operation(ledger, Context("pilot", "x", "run-1", "accounts"), prepared.batches["accounts"])
