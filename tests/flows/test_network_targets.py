"""Whole waves against targets over the network, started by the tests: a real trytond server (XML-RPC) and a
real SCIM 2.0 server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from erpflow.application.ledger import Ledger
from erpflow.targets.tryton import TrytonTarget
from erpflow.targets.tryton_remote import RemoteTryton
from tests.plans import edit_plan

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


@pytest.fixture
def tryton_password_block(prefect_api, tryton_server):
    """The trytond server's password in a Prefect Secret block, the way a deployment would keep it."""
    from prefect.blocks.system import Secret

    Secret(value=tryton_server.password).save("erpflow-tryton-password", overwrite=True)
    yield
    Secret.delete("erpflow-tryton-password")


def test_a_wave_runs_against_a_trytond_server_its_password_from_a_prefect_block(
    prefect_api, wave_env, tryton_server, tryton_password_block, tmp_path: Path, monkeypatch
):
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    monkeypatch.delenv("ERPFLOW_TRYTON_PASSWORD", raising=False)

    plan = small_pilot(tmp_path)
    edit_plan(
        plan, {"target.database": tryton_server.database, "target.url": tryton_server.url, "target.user": "admin"}
    )
    server = TrytonTarget(
        RemoteTryton(tryton_server.url, tryton_server.database, "admin", SecretStr(tryton_server.password))
    )
    users_before = server.count("res.user")
    run = wave_env(plan, tmp_path / "home")
    assert run.state.is_completed(), run.state
    created = run.counts["accounts"]["created"]
    assert created > 10 and run.counts["migration"]["created"] > 10
    assert not list((tmp_path / "home").glob("tryton/*.sqlite"))  # no embedded database was made

    assert server.count("res.user") == users_before + created
    assert server.count("party.party", [("code", "=", "C10001")]) == 1

    again = wave_env(plan, tmp_path / "home")
    assert again.counts["accounts"]["skipped"] == 1 and server.count("res.user") == users_before + created

    recorded = "\n".join(json.dumps(event.__dict__, default=str) for _, event in Ledger(run.settings).read_log())
    assert tryton_server.url in recorded and tryton_server.password not in recorded
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.flow_run_id])), limit=200)
    assert logs and not any(tryton_server.password in log.message for log in logs)


def test_accounts_go_to_a_scim_server_through_bulk_and_its_token_stays_secret(
    prefect_api, wave_env, scim_server, tmp_path: Path
):
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from erpflow.targets.scim import ScimTarget

    server = scim_server()
    plan = small_pilot(tmp_path)
    edit_plan(plan, {"accounts.scim": {"url": server.url}})
    run = wave_env(plan, tmp_path / "home", ERPFLOW_SCIM_TOKEN=server.token)
    assert run.state.is_completed(), run.state
    created = run.counts["accounts"]["created"]
    assert created > 10
    assert server.log.read_text().count("POST /v2/Bulk") == 1  # one batch, one request

    scim = ScimTarget(server.url, SecretStr(server.token))
    recorded = Ledger(run.settings)
    logins = [
        o["ref"]
        for o in recorded.batch(
            "pilot", "accounts", recorded.wave("pilot").operations["accounts"]["batches"][0]
        ).outcomes
        if o["status"] == "created"
    ]
    assert len(scim.find_users(logins)) == created
    assert sum(len(g["members"]) for g in scim._groups().values()) >= created  # everyone in a role group

    again = wave_env(plan, tmp_path / "home", ERPFLOW_SCIM_TOKEN=server.token)
    assert again.counts["accounts"]["skipped"] == 1

    text = "\n".join(json.dumps(event.__dict__, default=str) for _, event in recorded.read_log())
    assert server.token not in text
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.flow_run_id])), limit=200)
    assert logs and not any(server.token in log.message for log in logs)
