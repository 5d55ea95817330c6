"""The gateway to Prefect events: pages sent in log order, the position recorded after each page, nothing skipped."""

from __future__ import annotations

import pytest

from erpflow.application.ledger import Ledger
from erpflow.model.anomaly import Anomaly
from erpflow.model.wave import Wave
from erpflow.orchestration import mirror


def ctx(wave: str, operation: str = "") -> dict[str, str]:
    return {
        "wave": wave,
        "actor": "tester",
        "flow_run_id": "3c2a2b88-240e-44c1-9565-c8f75271e2ae",
        "operation": operation,
        "code_version": "0",
    }


def recorded(settings) -> Ledger:
    """A wave planned with a large plan snapshot, and 24 anomalies raised on it: 25 events."""
    ledger = Ledger(settings)
    ledger.save(
        Wave(
            name="north",
            kind="pilot",
            sites=["Lille"],
            cycle=["migration"],
            plan_digest="d" * 64,
            inputs={},
            plan={"rows": ["x" * 100] * 50},
            ctx=ctx("north"),
        )
    )
    for n in range(24):
        ledger.save(
            Anomaly(
                wave="north",
                operation="migration",
                item=f"C{n:05d}",
                severity="major",
                reason=f"row {n} rejected",
                ctx=ctx("north", "migration"),
            )
        )
    return ledger


def test_a_failed_page_is_sent_again_and_nothing_after_it_is_skipped(settings):
    ledger = recorded(settings)
    pages: list[list[dict]] = []

    def flaky(page: list[dict]) -> None:
        if len(pages) == 1:
            raise ConnectionError("Prefect is down")
        pages.append(page)

    with pytest.raises(ConnectionError):
        mirror.publish(ledger, flaky, page=10)
    assert [len(p) for p in pages] == [10] and mirror.position(ledger) == 10
    assert mirror.publish(ledger, pages.append, page=10) == 15
    sent = [event for page in pages for event in page]
    assert [e["payload"]["position"] for e in sent] == list(range(1, 26))  # in log order, each once
    assert mirror.publish(ledger, pages.append) == 0 and len(pages) == 3


def test_events_are_named_after_their_aggregate_with_the_wave_as_resource(settings):
    ledger = recorded(settings)
    sent: list[dict] = []
    mirror.publish(ledger, sent.extend)
    planned, raised = sent[0], sent[1]
    assert planned["event"] == "erpflow.wave.planned" and raised["event"] == "erpflow.anomaly.raised"
    assert raised["resource"] == {"prefect.resource.id": "erpflow.wave.north", "prefect.resource.name": "north"}
    roles = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in raised["related"]}
    assert roles["flow-run"] == "prefect.flow-run.3c2a2b88-240e-44c1-9565-c8f75271e2ae"
    assert roles["operation"] == "erpflow.operation.north.migration" and roles["anomaly"].startswith("erpflow.anomaly.")
    assert raised["payload"]["severity"] == "major" and raised["payload"]["item"] == "C00000"
    assert "plan" not in planned["payload"] and planned["payload"]["kind"] == "pilot"  # large values stay out
    again: list[dict] = []
    mirror._tables(ledger).query("DELETE FROM erpflow_tracking")
    mirror.publish(ledger, again.extend)
    assert [e["id"] for e in again] == [e["id"] for e in sent]  # the same record, the same Prefect event id


def test_the_anomalies_table_follows_the_events_the_mirror_reads(settings):
    from erpflow.orchestration.live import AnomalyRows

    ledger = recorded(settings)
    rows = AnomalyRows(ledger, "north")
    mirror.publish(ledger, lambda page: None, observe=rows.observe)
    assert rows.changed() and len(rows.table()) == 24 and not rows.changed()
    first = next(a for a in (ledger.anomaly(i) for i in rows.rows or {}) if a is not None and a.item == "C00000")
    first.resolve("corrected in the source", ctx("north", "migration"))
    late = Anomaly(
        wave="north",
        operation="migration",
        item="C00099",
        severity="minor",
        reason="postcode missing (legacy_customers.csv:101)",
        ctx=ctx("north", "migration"),
    )
    elsewhere = Anomaly(
        wave="south", operation="migration", item="C1", severity="minor", reason="other wave", ctx=ctx("south")
    )
    ledger.save(first, late, elsewhere)
    mirror.publish(ledger, lambda page: None, observe=rows.observe)
    table = rows.table()
    assert (
        len(table) == 25 and table[0]["item"] == "C00000" and table[0]["state"] == "resolved: corrected in the source"
    )
    assert table[-1] == {
        "severity": "minor",
        "operation": "migration",
        "item": "C00099",
        "source": "legacy_customers.csv:101",
        "reason": "postcode missing",
        "state": "open",
        "see more": "erpflow trace C00099",
    }
    assert mirror.publish(ledger, lambda page: None, observe=rows.observe) == 0 and not rows.changed()


def test_prefect_away_never_fails_the_run_and_is_reported_once(settings, monkeypatch):
    from erpflow.orchestration import live

    ledger = recorded(settings)
    view = live.LiveView(ledger, "north")  # its thread not started: nothing is told but what is asked here

    def unreachable(*args, **kwargs):
        raise ConnectionError("Prefect is down")

    monkeypatch.setattr(live.mirror, "publish", unreachable)
    warnings: list[str] = []
    monkeypatch.setattr(live.log, "warning", lambda event, **kw: warnings.append(event))
    assert view.mirror() == 0 and view.mirror() == 0
    assert warnings == ["Prefect events not brought up to date"] and mirror.position(ledger) == 0
