"""The demo pilot wave through the Prefect flow, on a real Tryton database and a Prefect test server."""

from __future__ import annotations

import email
import gc
import json
import time
from email import policy
from pathlib import Path

import pytest
from icalendar import Calendar

from erpflow.application.ledger import Ledger
from erpflow.application.preparation import prepare
from erpflow.inputs.plan import load_plan
from erpflow.model.items import PartySpec
from erpflow.projections.history import history
from erpflow.targets.bundle import Targets
from tests.plans import edit_plan

from .conftest import WaveRun, copy_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
MODELS = (
    "res.user",
    "company.company",
    "account.fiscalyear",
    "account.period",
    "account.account",
    "party.party",
    "party.address",
    "party.contact_mechanism",
    "party.identifier",
    "product.template",
    "product.product",
)


def erp(run: WaveRun):
    return Targets(load_plan(run.plan)[0], run.settings).erp


def expected(run: WaveRun):
    return prepare(run.plan, None)


def test_the_pilot_runs_every_operation_and_tryton_holds_the_outcome(pilot: WaveRun):
    assert pilot.state.is_completed(), pilot.state.message
    prepared = expected(pilot)
    status = pilot.counts
    assert status["accounts"] == {"state": "done", "done": 1, "batches": 1, "skipped": 0, "created": 97, "rejected": 3}
    assert status["configuration"]["state"] == "done" and status["configuration"]["created"] >= 3
    assert status["migration"] == {
        "state": "done",
        "done": 3,
        "batches": 3,
        "skipped": 0,
        "created": 213,
        "rejected": 7,
    }
    assert status["training"] == {"state": "done", "done": 15, "batches": 15, "skipped": 0, "sent": 97}

    tryton = erp(pilot)
    users = [u for b in prepared.batches["accounts"] for u in b.items]
    found = tryton.find_users([u.login for u in users])
    assert len(found) == 97
    assert all(set(u.groups) <= set(found[u.login]["groups"]) and found[u.login]["email"] == u.email for u in users)
    rejected_logins = [o.ref for b in prepared.batches["accounts"] for o in b.rejected]
    assert "jmartin" in rejected_logins and not tryton.find_users(["jmartin"])

    assert tryton.count("company.company") == 1
    assert tryton.count("account.fiscalyear", [("name", "=", "2027")]) == 1
    assert tryton.count("account.account") > 50

    parties = {p.code: p for b in prepared.batches["migration"] for p in b.items if isinstance(p, PartySpec)}
    assert len(parties) == 154
    loaded = tryton.find_parties(list(parties))
    assert set(loaded) == set(parties)
    assert loaded["C10001"]["city"] == "Rennes" and loaded["C10001"]["vat"] == "FR86676682339"
    assert loaded["C10001"]["categories"] == ["Customer"]
    assert not tryton.find_parties(["C10017", "C10033", "F2024"])
    assert len(tryton.find_products([f"ART{n}" for n in range(1001, 1061)])) == 59


def test_every_row_ends_loaded_or_rejected_and_each_dataset_balances(pilot: WaveRun):
    ledger = Ledger(pilot.settings)
    wave = ledger.wave("pilot")
    assert wave.reconciliations == {
        "customers": {"read": 120, "loaded": 115, "rejected": 5, "balanced": True},
        "suppliers": {"read": 40, "loaded": 39, "rejected": 1, "balanced": True},
        "products": {"read": 60, "loaded": 59, "rejected": 1, "balanced": True},
    }
    outcomes = [
        o for b in expected(pilot).batches["migration"] for o in ledger.batch("pilot", "migration", b.key).outcomes
    ]
    assert len(outcomes) == 220
    assert all(o["erp_id"] for o in outcomes if o["status"] == "created")
    rejected = {o["ref"]: o for o in outcomes if o["status"] == "rejected"}
    assert rejected["C10033"]["source"] == "legacy_customers.csv:34" and "Atlantis" in rejected["C10033"]["reason"]
    assert rejected["F2024"]["source"] == "legacy_suppliers.xlsx:25"


def test_each_rejected_row_raised_one_anomaly_with_the_severity_of_the_method_rules(pilot: WaveRun):
    from erpflow.projections.anomalies import anomalies

    found = {(a.operation, a.item): a for a in anomalies(Ledger(pilot.settings), "pilot")}
    assert len(found) == 10  # 3 HR rows and 7 legacy rows; reruns raise none again
    assert (
        found[("accounts", "eandre")].severity == "major" and "duplicate login" in found[("accounts", "eandre")].reason
    )
    assert (
        found[("migration", "C10033")].severity == "major"
        and "legacy_customers.csv:34" in found[("migration", "C10033")].reason
    )
    assert found[("migration", "ART1042")].severity == "minor"
    assert all(a.open for a in found.values())


def test_each_participant_gets_an_invitation_with_a_calendar_request(pilot: WaveRun):
    files = sorted((pilot.settings.home / "outbox" / "pilot").glob("*/*.eml"))
    assert len(files) == 97
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["LOCATION"]).startswith("Salle") and event["DTSTART"].dt.year == 2027
    sessions = [b.details for b in expected(pilot).batches["training"]]
    assert sessions[0]["key_users"] and not sessions[-1]["key_users"]  # key users first
    assert all(len(s["participants"]) <= 8 for s in sessions)


def test_events_carry_wave_operation_actor_run_and_code_version(pilot: WaveRun):
    records = list(history(Ledger(pilot.settings), "pilot"))
    assert records[0]["type"] == "Wave.Planned" and records[-1]["type"] == "Runs.Completed"
    batch_events = [r for r in records if r["type"].startswith("Batch.")]
    assert batch_events and all(
        r["operation"]
        and r["wave"] == "pilot"
        and r["actor"] == "integrator"
        and r["flow_run_id"] == str(pilot.flow_run_id)
        and r["code_version"]
        for r in batch_events
    )


def test_a_second_run_changes_nothing_and_records_every_batch_as_already_done(pilot_copy: WaveRun, wave_env):
    pilot = pilot_copy
    tryton = erp(pilot)
    before = tryton.fingerprint(MODELS)
    ledger = Ledger(pilot.settings)
    last = max(position for position, _ in ledger.wave_events("pilot"))

    from erpflow.orchestration import flows

    frozen: list[int] = []  # the objects kept out of full collections as each operation starts

    class Collections:
        def started(self, operation, batches):
            frozen.append(gc.get_freeze_count())

        def finished(self, operation, batch, result):
            pass

    flows.watchers.append(watcher := Collections())
    try:
        again = wave_env(pilot.plan, pilot.settings.home)
    finally:
        flows.watchers.remove(watcher)

    assert again.state.is_completed(), again.state.message
    assert len(frozen) == 5 and min(frozen) > 0 and gc.get_freeze_count() == 0  # given back at the run's end
    assert tryton.fingerprint(MODELS) == before
    new = [r for r in history(Ledger(pilot.settings), "pilot") if r["position"] > last]
    assert [r["type"] for r in new if r["type"] != "Wave.OperationFinished"] == [
        "Runs.Started",
        "Runs.Leased",
        *["Wave.OperationStarted"] * 5,
        "Runs.Completed",
    ]
    assert [r["type"] for r in new].count("Wave.OperationFinished") == 5  # each event is chained as it is stored
    finished = {r["operation"]: r["data"]["summary"] for r in new if r["type"] == "Wave.OperationFinished"}
    assert finished["accounts"]["batches_skipped"] == 1 and finished["training"]["batches_skipped"] == 15
    assert all("batches_done" not in summary for summary in finished.values())
    assert all(op["skipped"] == op["batches"] for op in again.counts.values())
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[again.flow_run_id])))
    # one task run per operation for the batches the ledger says are done, its state Skipped: not a real run
    assert sorted(t.name for t in tasks) == sorted(
        f"{op}[{c['batches']} done before]" for op, c in again.counts.items()
    )
    assert {(t.state.type.value, t.state.name) for t in tasks} == {("COMPLETED", "Skipped")}


def test_a_fresh_ledger_on_postgresql_finds_everything_in_tryton_unchanged(
    pilot_copy: WaveRun, wave_env, postgres_url: str
):
    pilot = pilot_copy
    tryton = erp(pilot)
    before = tryton.fingerprint(MODELS)

    rerun = wave_env(pilot.plan, pilot.settings.home, ERPFLOW_EVENT_STORE=postgres_url)

    assert rerun.state.is_completed(), rerun.state.message
    status = rerun.counts
    assert status["accounts"]["unchanged"] == 97 and "created" not in status["accounts"]
    assert status["configuration"]["unchanged"] == 4 and status["migration"]["unchanged"] == 213
    after = tryton.fingerprint(MODELS)
    assert {m: c[0] for m, c in after.items()} == {m: c[0] for m, c in before.items()}
    assert after["res.user"] == before["res.user"] and after["party.party"] == before["party.party"]


def test_logs_reach_prefect_with_context_and_the_run_is_named_and_tagged(pilot: WaveRun):
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(pilot.flow_run_id)
        for _ in range(50):  # log lines reach the API in the background, a moment after the run
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[pilot.flow_run_id])), limit=200)
            if sum(log.message.startswith("batch done") for log in logs) >= 24:
                break
            time.sleep(0.2)
        artifacts = {
            a.key: a
            for a in client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[pilot.flow_run_id])))
        }
    assert run.name == "pilot: full cycle"
    assert {"wave:pilot", "kind:pilot", "site:Lyon"} <= set(run.tags)
    done = [log.message for log in logs if log.message.startswith("batch done")]
    assert any("operation=accounts" in m and "wave=pilot" in m and "batch=lyon-1-" in m for m in done)
    assert len(done) == 24  # 20 batches and 4 business steps
    summary = artifacts["pilot-summary"].data
    assert f"**{sum(r['loaded'] for r in pilot_reconciliations(pilot))}** rows loaded" in summary
    assert "## Gate pilot-exit: fail" in summary and "| Migration rejects | 3.2% | <= 2% | **fail** |" in summary
    assert artifacts["pilot-training"].type == "progress" and artifacts["pilot-training"].data == 100.0


def test_invitations_go_through_an_smtp_login_and_no_secret_reaches_events_or_logs(
    prefect_api, wave_env, smtp_login_server, tmp_path: Path
):
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    mail = {
        "sender": "formation@acme.example",
        "smtp": {"host": "127.0.0.1", "port": smtp_login_server.port, "username": smtp_login_server.user},
    }
    plan = copy_pilot(tmp_path, wave="pilot-smtp", mail=mail)

    run = wave_env(plan, tmp_path / "home", ERPFLOW_SMTP_PASSWORD=smtp_login_server.password)

    assert run.state.is_completed(), run.state.message
    assert len(smtp_login_server.envelopes) == 97
    message = email.message_from_bytes(smtp_login_server.envelopes[0].original_content, policy=policy.default)
    assert message["Subject"].startswith("Training: ") and message.get_content_type() == "multipart/mixed"
    events = json.dumps(list(history(Ledger(run.settings), "pilot-smtp")))
    assert "smtp" in events and smtp_login_server.password not in events
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.flow_run_id])))
    assert logs and not any(smtp_login_server.password in log.message for log in logs)


def test_a_malformed_plan_fails_the_flow_and_records_nothing(prefect_api, wave_env, tmp_path: Path):
    plan = copy_pilot(tmp_path)
    edit_plan(plan, {"kind": "rehearsal"})

    run = wave_env(plan, tmp_path / "home")

    assert run.state.is_failed()
    assert "pilot.yaml:3: kind: Input should be 'pilot'" in run.state.message
    assert Ledger(run.settings).find_wave("pilot") is None


def pilot_reconciliations(pilot: WaveRun) -> list[dict]:
    return list(Ledger(pilot.settings).wave("pilot").reconciliations.values())
