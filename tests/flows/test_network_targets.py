"""A whole wave against targets over the network, started by the test: a real trytond server (XML-RPC)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from erpflow.ledger import Ledger
from erpflow.targets.tryton import TrytonTarget
from erpflow.targets.tryton_remote import RemoteTryton

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def test_a_wave_runs_against_a_trytond_server_and_its_password_stays_secret(prefect_api, wave_env, tryton_server,
                                                                              tmp_path: Path):
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    plan = small_pilot(tmp_path)
    plan.write_text(re.sub(r"  database: \w+\n", f"  database: {tryton_server.database}\n"
                                                 f"  url: {tryton_server.url}\n  user: admin\n", plan.read_text(), 1))
    server = TrytonTarget(RemoteTryton(tryton_server.url, tryton_server.database, "admin",
                                       SecretStr(tryton_server.password)))
    users_before = server.count("res.user")
    run = wave_env(plan, tmp_path / "home", ERPFLOW_TRYTON_PASSWORD=tryton_server.password)
    assert run.state.is_completed(), run.state
    created = run.counts["accounts"]["created"]
    assert created > 10 and run.counts["migration"]["created"] > 10
    assert not list((tmp_path / "home").glob("tryton/*.sqlite"))  # no embedded database was made

    assert server.count("res.user") == users_before + created
    assert server.count("party.party", [("code", "=", "C10001")]) == 1

    again = wave_env(plan, tmp_path / "home", ERPFLOW_TRYTON_PASSWORD=tryton_server.password)
    assert again.counts["accounts"]["skipped"] == 1 and server.count("res.user") == users_before + created

    recorded = "\n".join(json.dumps(event.__dict__, default=str) for _, event in Ledger(run.settings).read_log())
    assert tryton_server.url in recorded and tryton_server.password not in recorded
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.flow_run_id])), limit=200)
    assert logs and not any(tryton_server.password in log.message for log in logs)
