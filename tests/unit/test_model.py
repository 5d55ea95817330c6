"""The pure model: aggregates, guards, ids. No I/O."""

import pytest

from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused
from erpflow.model.ids import batch_id, wave_id
from erpflow.model.wave import Wave

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "", "code_version": "0.1.0"}


def new_wave(name: str = "pilot") -> Wave:
    return Wave(name=name, kind="pilot", sites=["Lyon"], cycle=["accounts", "training"], plan_digest="d1",
                inputs={"plan.yaml": "a"}, plan={"wave": name}, ctx=CTX)


def new_batch(key: str = "lyon-1-abc") -> Batch:
    return Batch(wave="pilot", operation="accounts", key=key, items=3, digest="abc", details={}, ctx=CTX)


def test_ids_are_derived_from_names():
    assert new_wave().id == wave_id("pilot") != wave_id("wave-2")
    assert new_batch().id == batch_id("pilot", "accounts", "lyon-1-abc") != batch_id("pilot", "training", "lyon-1-abc")


def test_a_run_goes_through_its_operations_and_completes():
    wave = new_wave()
    wave.start("run-1", CTX)
    wave.start_operation("accounts", ["b1", "b2"], CTX)
    wave.finish_operation("accounts", {"batches_done": 2, "created": 10}, CTX)
    wave.complete({"accounts": {}}, CTX)
    assert wave.state == "completed" and wave.run_id is None and wave.runs == ["run-1"]
    assert wave.operations["accounts"] == {"state": "done", "batches": ["b1", "b2"],
                                           "summary": {"batches_done": 2, "created": 10}}
    names = [type(e).__name__ for e in wave.collect_events()]
    assert names == ["Planned", "Started", "OperationStarted", "OperationFinished", "Completed"]


def test_a_second_run_is_refused_while_one_is_in_progress_and_records_nothing():
    wave = new_wave()
    wave.start("run-1", CTX)
    wave.collect_events()
    with pytest.raises(CommandRefused, match="already being run by run run-1"):
        wave.start("run-2", CTX)
    assert wave.collect_events() == []


def test_an_operation_cannot_finish_without_a_run_or_a_start():
    wave = new_wave()
    with pytest.raises(CommandRefused, match="no run in progress"):
        wave.start_operation("accounts", [], CTX)
    wave.start("run-1", CTX)
    with pytest.raises(CommandRefused, match="was not started"):
        wave.finish_operation("accounts", {}, CTX)


def test_failed_batches_mark_the_operation_failed():
    wave = new_wave()
    wave.start("run-1", CTX)
    wave.start_operation("accounts", ["b1"], CTX)
    wave.finish_operation("accounts", {"batches_failed": 1}, CTX)
    assert wave.operations["accounts"]["state"] == "failed"


def test_replanning_with_the_same_digest_records_nothing():
    wave = new_wave()
    wave.collect_events()
    wave.replan("d1", {"plan.yaml": "a"}, {}, CTX)
    assert wave.collect_events() == []
    wave.replan("d2", {"plan.yaml": "b"}, {"wave": "pilot"}, CTX)
    assert [type(e).__name__ for e in wave.collect_events()] == ["Replanned"]
    assert wave.plan_digest == "d2"


def test_reconciliation_tells_whether_read_equals_loaded_plus_rejected():
    wave = new_wave()
    wave.start("run-1", CTX)
    wave.reconcile("customers", 10, 8, 2, CTX)
    wave.reconcile("products", 10, 8, 1, CTX)
    assert wave.reconciliations["customers"]["balanced"] is True
    assert wave.reconciliations["products"]["balanced"] is False


def test_the_same_reconciliation_again_records_nothing_a_new_one_does():
    wave = new_wave()
    wave.start("run-1", CTX)
    wave.reconcile("customers", 10, 8, 2, CTX)
    wave.collect_events()
    wave.reconcile("customers", 10, 8, 2, CTX)
    assert wave.collect_events() == []
    wave.reconcile("customers", 11, 9, 2, CTX)
    assert [type(e).__name__ for e in wave.collect_events()] == ["Reconciled"]


def test_a_batch_succeeds_once_and_counts_its_outcomes():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    batch.succeed([{"ref": "a", "status": "created"}, {"ref": "b", "status": "created"},
                   {"ref": "c", "status": "rejected", "reason": "bad e-mail"}], CTX)
    assert batch.done and batch.counts == {"created": 2, "rejected": 1}
    with pytest.raises(CommandRefused, match="already done"):
        batch.attempt("run-2", CTX)


def test_a_failed_batch_can_be_attempted_again():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    batch.fail("connection refused", True, CTX)
    assert batch.status == "failed" and batch.failure == "connection refused"
    batch.attempt("run-2", CTX)
    assert batch.attempts == 2 and batch.status == "attempted"


def test_an_outcome_needs_an_attempt():
    batch = new_batch()
    with pytest.raises(CommandRefused, match="was not attempted"):
        batch.succeed([], CTX)
    with pytest.raises(CommandRefused, match="was not attempted"):
        batch.fail("x", False, CTX)


def test_an_anomaly_is_resolved_once():
    anomaly = Anomaly(wave="pilot", operation="migration", item="C1", severity="major", reason="bad VAT", ctx=CTX)
    anomaly.comment("asked the data owner", CTX)
    anomaly.resolve("fixed in the source", CTX)
    assert not anomaly.open and anomaly.comments == ["asked the data owner"]
    with pytest.raises(CommandRefused, match="already resolved"):
        anomaly.resolve("again", CTX)


def test_an_anomaly_needs_a_known_severity():
    with pytest.raises(CommandRefused, match="severity must be one of"):
        Anomaly(wave="pilot", operation="migration", item="C1", severity="urgent", reason="x", ctx=CTX)
