"""The items read model: updated from the tracked position, rebuilt from zero to the same rows; one wave brought up
to date from its own events, whatever the others wrote."""

from __future__ import annotations

from erpflow.application.ledger import Ledger
from erpflow.model.batch import Batch
from erpflow.projections import items as model
from erpflow.projections.items import items, rebuild, update, update_wave
from erpflow.settings import Settings

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1.0"}


def succeeded(key: str, outcomes: list[dict], wave: str = "pilot") -> Batch:
    ctx = {**CTX, "wave": wave}
    batch = Batch(wave=wave, operation="accounts", key=key, items=len(outcomes), digest="d", details={}, ctx=ctx)
    batch.attempt("run-1", ctx)
    batch.succeed(outcomes, ctx)
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
    twice = [  # one item twice in one batch: the later outcome is kept
        {"ref": "carol", "status": "rejected", "reason": "first try", "source": "hr.csv:4"},
        {"ref": "carol", "status": "created", "erp_id": 9, "source": "hr.csv:4"},
    ]
    ledger.save(forced, succeeded("b2", twice))
    assert update(ledger) == 9
    live = items(ledger, "pilot")
    assert {(r["ref"], r["status"]) for r in live} == {("alice", "updated"), ("bob", "rejected"), ("carol", "created")}
    assert [(r["erp_id"], r["reason"]) for r in live if r["ref"] == "carol"] == [("9", "")]
    assert [r["ref"] for r in items(ledger, "pilot", status="rejected")] == ["bob"]

    assert rebuild(ledger) == 9
    assert items(ledger, "pilot") == live
    assert update(ledger) == 9  # nothing new: nothing applied twice
    assert items(ledger, "pilot") == live


def test_one_wave_is_brought_up_to_date_from_its_own_events_alone(settings: Settings, monkeypatch):
    ledger = Ledger(settings)
    ledger.save(
        succeeded("b1", [{"ref": "alice", "status": "created", "erp_id": 7, "source": "hr.csv:2"}]),
        succeeded("o1", [{"ref": "zoe", "status": "created", "erp_id": 1, "source": "hr.csv:2"}], "other"),
    )
    assert update_wave(ledger, "pilot") == 3
    assert [(r["ref"], r["status"]) for r in items(ledger, "pilot")] == [("alice", "created")]
    assert items(ledger, "other") == []  # another wave's events are not read

    forced = ledger.batch("pilot", "accounts", "b1")
    forced.force("groups changed by hand", CTX)
    forced.attempt("run-2", CTX)
    forced.succeed([{"ref": "alice", "status": "updated", "erp_id": 7, "source": "hr.csv:2"}], CTX)
    ledger.save(forced)
    ledger.save(succeeded("o2", [{"ref": "yves", "status": "created", "erp_id": 2, "source": "hr.csv:3"}], "other"))
    with monkeypatch.context() as patched:  # never the whole log's pages
        patched.setattr(model, "states", lambda *a, **k: (_ for _ in ()).throw(AssertionError("the whole log read")))
        wave_only = update_wave(ledger, "pilot")
    assert wave_only == 9 and [(r["ref"], r["status"]) for r in items(ledger, "pilot")] == [("alice", "updated")]

    # the whole log applied after the wave's own update, from an earlier position: a row keeps its latest outcome
    assert update(ledger) == 12
    live = items(ledger, "pilot")
    assert [(r["ref"], r["status"], r["position"]) for r in live] == [("alice", "updated", 9)]
    assert {r["ref"] for r in items(ledger, "other")} == {"zoe", "yves"}
    assert update_wave(ledger, "pilot") == 9  # nothing new for the wave: nothing applied again
    assert items(ledger, "pilot") == live
    assert rebuild(ledger) == 12 and update_wave(ledger, "pilot") == 9
    assert items(ledger, "pilot") == live


def test_rebuild_makes_a_table_of_an_older_layout_anew_with_the_same_rows(settings: Settings):
    """A store made before keeps its rowid table until a rebuild, which makes it as today's schema has it (rows
    kept in key order on SQLite) from the log alone: a stale row goes, an item met twice keeps its latest."""
    from erpflow.store.tables import StoreTables

    ledger = Ledger(settings)
    tables = StoreTables(ledger.store_env)
    tables.query(
        "CREATE TABLE erpflow_items (wave TEXT NOT NULL, operation TEXT NOT NULL, ref TEXT NOT NULL, source TEXT NOT "
        "NULL, status TEXT NOT NULL, erp_id TEXT NOT NULL, reason TEXT NOT NULL, position BIGINT NOT NULL, "
        "PRIMARY KEY (wave, operation, ref, source))"
    )
    tables.query("INSERT INTO erpflow_items VALUES ('pilot', 'accounts', 'ghost', '', 'created', '9', '', 99)")
    ledger.save(succeeded("a1", [{"ref": "alice", "status": "created", "erp_id": 7, "source": "hr.csv:2"}]))
    forced = succeeded("a2", [{"ref": "alice", "status": "updated", "erp_id": 7, "source": "hr.csv:2"}])
    ledger.save(forced, succeeded("b1", [{"ref": "bob", "status": "rejected", "reason": "no e-mail"}]))

    rebuild(ledger)
    assert [(r["ref"], r["status"], r["erp_id"]) for r in items(ledger, "pilot")] == [
        ("alice", "updated", "7"),
        ("bob", "rejected", ""),
    ]
    if not tables.postgres:
        (sql,) = tables.query("SELECT sql FROM sqlite_master WHERE name = 'erpflow_items'")[0]
        assert sql.endswith("WITHOUT ROWID")
