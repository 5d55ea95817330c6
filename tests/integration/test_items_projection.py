"""The items read model: updated from the tracked position, rebuilt from zero to the same rows."""

from __future__ import annotations

from erpflow.application.ledger import Ledger
from erpflow.model.batch import Batch
from erpflow.projections.items import items, rebuild, update
from erpflow.settings import Settings

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1.0"}


def succeeded(key: str, outcomes: list[dict]) -> Batch:
    batch = Batch(wave="pilot", operation="accounts", key=key, items=len(outcomes), digest="d", details={}, ctx=CTX)
    batch.attempt("run-1", CTX)
    batch.succeed(outcomes, CTX)
    return batch


def test_update_applies_only_what_came_after_and_rebuild_gives_the_same_rows(settings: Settings):
    ledger = Ledger(settings)
    ledger.save(
        succeeded(
            "b1",
            [
                {"ref": "alice", "status": "created", "erp_id": 7, "source": "hr.csv:2"},
                {"ref": "bob", "status": "rejected", "reason": "bad e-mail", "source": "hr.csv:3"},
            ],
        )
    )
    first = update(ledger)
    assert first == 3 and [r["status"] for r in items(ledger, "pilot")] == ["created", "rejected"]

    forced = ledger.batch("pilot", "accounts", "b1")
    forced.force("groups changed by hand", CTX)
    forced.attempt("run-2", CTX)
    forced.succeed(
        [
            {"ref": "alice", "status": "updated", "erp_id": 7, "source": "hr.csv:2"},
            {"ref": "bob", "status": "rejected", "reason": "bad e-mail", "source": "hr.csv:3"},
        ],
        CTX,
    )
    ledger.save(forced, succeeded("b2", [{"ref": "carol", "status": "created", "erp_id": 9, "source": "hr.csv:4"}]))
    assert update(ledger) == 9
    live = items(ledger, "pilot")
    assert {(r["ref"], r["status"]) for r in live} == {("alice", "updated"), ("bob", "rejected"), ("carol", "created")}
    assert [r["ref"] for r in items(ledger, "pilot", status="rejected")] == ["bob"]

    assert rebuild(ledger) == 9
    assert items(ledger, "pilot") == live
    assert update(ledger) == 9  # nothing new: nothing applied twice
    assert items(ledger, "pilot") == live
