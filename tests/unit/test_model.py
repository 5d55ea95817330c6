"""The pure model: aggregates, guards, ids. No I/O."""

from datetime import UTC, datetime, timedelta

import pytest

from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused
from erpflow.model.ids import NAMESPACE, Naming, batch_id, wave_id
from erpflow.model.run import Runs
from erpflow.model.selection import select_operations
from erpflow.model.wave import Wave

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "", "code_version": "0.1.0"}


def new_wave(name: str = "pilot") -> Wave:
    return Wave(
        name=name,
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts", "training"],
        plan_digest="d1",
        inputs={"plan.yaml": "a"},
        plan={"wave": name},
        ctx=CTX,
    )


def new_batch(key: str = "lyon-1-abc") -> Batch:
    return Batch(wave="pilot", operation="accounts", key=key, items=3, digest="abc", details={}, ctx=CTX)


def test_ids_are_derived_from_names():
    assert new_wave().id == wave_id("pilot") != wave_id("wave-2")
    assert new_batch().id == batch_id("pilot", "accounts", "lyon-1-abc") != batch_id("pilot", "training", "lyon-1-abc")


def test_a_wave_s_batches_are_named_behind_the_wave_s_prefix_and_an_older_store_keeps_the_names_uuid5():
    """A store's index is sorted by id: one wave's batches sort together, so appending them touches a few pages
    of it however large the store; a store written before keeps the ids it gave."""
    from uuid import RFC_4122, uuid5

    ids = [batch_id("pilot", op, f"lyon-{n}-d") for op in ("accounts", "migration") for n in range(200)]
    assert len(set(ids)) == 400
    assert all(i.version == 8 and i.variant == RFC_4122 for i in ids)
    head = bytearray(wave_id("pilot").bytes[:8])
    head[6] = 0x80 | head[6] & 0x0F
    assert {i.bytes[:8] for i in ids} == {bytes(head)}
    others = [batch_id(f"wave-{n}", "accounts", "lyon-0-d") for n in range(50)]
    in_order = sorted([*ids, *others])
    first = in_order.index(min(ids))
    assert in_order[first : first + len(ids)] == sorted(ids)  # no other wave's batch between two of the pilot's

    assert Naming.WAVE.batch("pilot", "accounts", "k") == batch_id("pilot", "accounts", "k")
    assert Naming.NAMES.batch("pilot", "accounts", "k") == uuid5(NAMESPACE, "batch/pilot/accounts/k")
    assert Naming.NAMES.batch("pilot", "accounts", "k").bytes[8:] == batch_id("pilot", "accounts", "k").bytes[8:]


def new_runs(name: str = "pilot") -> Runs:
    return Runs(wave=name, ctx=CTX)


def test_a_run_goes_through_its_operations_and_completes():
    wave, runs = new_wave(), new_runs()
    runs.start("run-1", CTX)
    for operation in wave.cycle:
        wave.start_operation(operation, ["b1", "b2"], CTX)
        wave.finish_operation(operation, {"batches_done": 2, "created": 10}, CTX)
    runs.complete("run-1", {"accounts": {}}, wave.every_operation_done, CTX)
    assert runs.current.state == "completed" and runs.run_id is None and runs.current.runs == ["run-1"]
    assert wave.operations["accounts"] == {
        "state": "done",
        "batches": ["b1", "b2"],
        "summary": {"batches_done": 2, "created": 10},
    }
    names = [type(e).__name__ for e in wave.collect_events()]
    assert names == ["Planned", *["OperationStarted", "OperationFinished"] * 2]
    assert [type(e).__name__ for e in runs.collect_events()] == ["Opened", "Started", "Leased", "Completed"]


def test_a_run_of_part_of_the_cycle_leaves_the_wave_incomplete():
    wave, runs = new_wave(), new_runs()
    runs.start("run-1", CTX)
    wave.start_operation("accounts", ["b1"], CTX)
    wave.finish_operation("accounts", {"batches_done": 1}, CTX)
    runs.complete("run-1", {}, wave.every_operation_done, CTX)
    assert runs.current.state == "incomplete" and runs.run_id is None


def test_a_second_run_is_refused_while_one_is_in_progress_and_records_nothing():
    runs = new_runs()
    runs.start("run-1", CTX)
    runs.collect_events()
    with pytest.raises(CommandRefused, match="already being run by run run-1"):
        runs.start("run-2", CTX)
    assert runs.collect_events() == []


def test_an_operation_cannot_finish_without_a_run_or_a_start():
    wave, runs = new_wave(), new_runs()
    with pytest.raises(CommandRefused, match="no longer holds wave"):
        runs.check_holds("run-1")
    runs.start("run-1", CTX)
    with pytest.raises(CommandRefused, match="was not started"):
        wave.finish_operation("accounts", {}, CTX)


def test_failed_batches_mark_the_operation_failed():
    wave = new_wave()
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
    wave.reconcile("customers", 10, 8, 2, CTX)
    wave.reconcile("products", 10, 8, 1, CTX)
    assert wave.reconciliations["customers"]["balanced"] is True
    assert wave.reconciliations["products"]["balanced"] is False


def test_the_same_reconciliation_again_records_nothing_a_new_one_does():
    wave = new_wave()
    wave.reconcile("customers", 10, 8, 2, CTX)
    wave.collect_events()
    wave.reconcile("customers", 10, 8, 2, CTX)
    assert wave.collect_events() == []
    wave.reconcile("customers", 11, 9, 2, CTX)
    assert [type(e).__name__ for e in wave.collect_events()] == ["Reconciled"]


def test_rows_left_out_by_the_plan_balance_a_reconciliation_and_are_recorded_once():
    wave = new_wave()
    wave.reconcile("customers", 10, 7, 2, CTX, left_out=1)
    assert wave.reconciliations["customers"] == {
        "read": 10,
        "loaded": 7,
        "rejected": 2,
        "balanced": True,
        "left_out": 1,
    }
    wave.collect_events()
    wave.leave_out({"accounts": {"'Sortie' before today": 3}, "migration.products": {}}, CTX)
    wave.leave_out({"accounts": {"'Sortie' before today": 3}}, CTX)
    assert [type(e).__name__ for e in wave.collect_events()] == ["RowsLeftOut"]
    assert wave.rows_left_out == {"accounts": {"'Sortie' before today": 3}}


def test_a_batch_succeeds_once_and_counts_its_outcomes():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    batch.succeed(
        [
            {"ref": "a", "status": "created"},
            {"ref": "b", "status": "created"},
            {"ref": "c", "status": "rejected", "reason": "bad e-mail"},
        ],
        CTX,
    )
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


NOW = datetime(2027, 1, 11, 9, tzinfo=UTC)


def leased(runs: Runs, run_id: str = "run-1", holder: str = "host-a:41") -> Runs:
    runs.start(
        run_id,
        CTX,
        holder=holder,
        plan_path="/plans/pilot.yaml",
        expires_at=(NOW + timedelta(minutes=10)).isoformat(),
        now=NOW,
    )
    return runs


def test_a_live_lease_refuses_a_second_run_and_names_the_holder():
    runs = leased(new_runs())
    with pytest.raises(
        CommandRefused, match=r"already being run by run run-1 \(host-a:41, lease until 2027-01-11T09:10"
    ):
        runs.start("run-2", CTX, holder="host-b:7", now=NOW + timedelta(minutes=5))
    assert runs.run_id == "run-1" and runs.current.plan_path == "/plans/pilot.yaml"


def test_an_expired_or_orphaned_lease_is_taken_over_and_the_old_run_recorded_abandoned():
    wave, runs = new_wave(), leased(new_runs())
    wave.start_operation("accounts", ["b1"], CTX)
    runs.collect_events()
    runs.start("run-2", CTX, holder="host-b:7", now=NOW + timedelta(minutes=11))
    assert [type(e).__name__ for e in runs.collect_events()] == ["RunAbandoned", "Started", "Leased"]
    wave.interrupt(runs.run_id)
    assert runs.run_id == "run-2" and wave.operations["accounts"]["state"] == "interrupted"

    other = leased(new_runs())
    other.start("run-3", CTX, holder="host-a:42", now=NOW, holder_dead=True)
    assert other.run_id == "run-3"


def test_only_the_holder_renews_its_lease():
    runs = leased(new_runs())
    later = (NOW + timedelta(minutes=30)).isoformat()
    runs.renew("run-1", later, CTX)
    assert runs.current.lease.expires_at == later
    with pytest.raises(CommandRefused, match="run-9 no longer holds wave 'pilot'"):
        runs.renew("run-9", later, CTX)


def test_an_interrupted_batch_is_reconciled_before_it_is_attempted_again():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    assert batch.in_doubt
    with pytest.raises(CommandRefused, match="reconcile it with the target first"):
        batch.attempt("run-2", CTX)
    batch.reconcile({"alice": "12"}, ["bob", "carol"], CTX)
    batch.attempt("run-2", CTX)
    batch.succeed([{"ref": r, "status": "created"} for r in ("alice", "bob", "carol")], CTX)
    assert batch.done and batch.attempts == 2 and batch.found_after_interruption == {"alice": "12"}


def test_forcing_a_done_batch_needs_a_reason_and_reopens_it():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    batch.succeed([{"ref": "alice", "status": "created"}], CTX)
    with pytest.raises(CommandRefused, match="needs a reason"):
        batch.force("  ", CTX)
    batch.force("groups changed in Tryton by hand", CTX)
    batch.attempt("run-2", CTX)
    assert [type(e).__name__ for e in batch.collect_events()][-2:] == ["Forced", "Attempted"]


def test_a_batch_in_doubt_cannot_be_forced_it_is_reconciled_first():
    batch = new_batch()
    batch.attempt("run-1", CTX)
    with pytest.raises(CommandRefused, match="is not done: only a batch that is done can be forced"):
        batch.force("rerun it", CTX)
    assert batch.in_doubt and [type(e).__name__ for e in batch.collect_events()][-1] == "Attempted"


def test_a_resolution_needs_a_reason():
    anomaly = Anomaly(wave="pilot", operation="", item="jdupont", severity="major", reason="x", ctx=CTX)
    with pytest.raises(CommandRefused, match="needs a reason"):
        anomaly.resolve("  ", CTX)
    assert anomaly.open


ORDER = ["accounts", "configuration", "migration", "training"]
DEPENDS = {"migration": ["configuration"], "training": ["accounts"]}


def test_operations_are_selected_from_one_on_or_one_alone_with_dependencies_checked():
    assert select_operations(ORDER, DEPENDS, set()) == ORDER
    assert select_operations(ORDER, DEPENDS, {"accounts", "configuration"}, start_from="migration") == [
        "migration",
        "training",
    ]
    assert select_operations(ORDER, DEPENDS, {"configuration"}, only="migration") == ["migration"]
    with pytest.raises(
        CommandRefused, match="migration needs configuration, which is not done: run with --from configuration"
    ):
        select_operations(ORDER, DEPENDS, set(), only="migration")
    with pytest.raises(CommandRefused, match="unknown operation 'payroll'"):
        select_operations(ORDER, DEPENDS, set(), start_from="payroll")
    with pytest.raises(CommandRefused, match="not both"):
        select_operations(ORDER, DEPENDS, set(), start_from="accounts", only="training")
