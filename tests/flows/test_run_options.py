"""Rerunning part of a wave: --only, --from, and --force with a recorded reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def test_only_from_and_force_rerun_what_they_name_and_record_who_forced_and_why(cli, tmp_path: Path):
    plan = str(small_pilot(tmp_path))

    refused = cli("run", plan, "--only", "migration")
    assert refused.exit_code == 2 and "migration needs configuration, which is not done" in refused.stderr

    first = cli("run", plan, "--only", "accounts")
    assert first.exit_code == 0, first.output
    ledger = Ledger(cli.settings)
    wave = view(ledger, "pilot")
    assert wave.state == "incomplete" and set(wave.operations) == {"accounts"}

    rest = cli("resume", "pilot", "--from", "configuration")
    assert rest.exit_code == 0, rest.output
    assert view(ledger, "pilot").state == "completed"

    assert cli("resume", "pilot").stdout.startswith("Wave pilot is complete: nothing to resume.")
    no_reason = cli("resume", "pilot", "--only", "accounts", "--force")
    assert no_reason.exit_code == 2 and "--force needs --reason" in no_reason.stderr

    forced = cli("resume", "pilot", "--only", "accounts", "--force", "--reason", "groups changed by hand in Tryton")
    assert forced.exit_code == 0, forced.output
    events = [e for _, e in ledger.wave_events("pilot") if e.ctx.get("operation") == "accounts"]
    (force,) = [e for e in events if type(e).__qualname__ == "Batch.Forced"]
    assert force.reason == "groups changed by hand in Tryton" and force.ctx["actor"] == "integrator"
    last = [e for e in events if type(e).__qualname__ == "Batch.Succeeded"][-1]
    assert {o["status"] for o in last.outcomes} == {"unchanged"}
    assert view(ledger, "pilot").state == "completed"

    from prefect import get_client

    with get_client(sync_client=True) as client:  # the runs in the Prefect UI say which part of the cycle they ran
        names = [client.read_flow_run(run).name for run in view(ledger, "pilot").runs]
    assert names == ["pilot: accounts only", "pilot: from configuration", "pilot: accounts only (forced)"]
