"""A run that lost its wave's lease to another stops without touching the other's run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erpflow.application import engine
from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.model.context import Context
from erpflow.model.errors import CommandRefused
from erpflow.model.run import Runs
from erpflow.model.wave import Wave
from erpflow.settings import Settings


def test_a_run_that_lost_its_lease_cannot_renew_it_and_its_abort_leaves_the_new_run_alone(home):
    ledger = Ledger(Settings(home=home))
    first, second = Context("pilot", "alice", "run-1"), Context("pilot", "bob", "run-2")
    wave = Wave(
        name="pilot",
        kind="pilot",
        sites=["Lyon"],
        cycle=["accounts"],
        plan_digest="d",
        inputs={},
        plan={},
        ctx=first.as_dict(),
    )
    runs = Runs(wave="pilot", ctx=first.as_dict())
    past = datetime.now(UTC) - timedelta(minutes=1)
    runs.start("run-1", first.as_dict(), holder="elsewhere:1", expires_at=past.isoformat())
    runs.start(
        "run-2",
        second.as_dict(),
        holder="elsewhere:2",
        now=datetime.now(UTC),
        expires_at=(datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
    )
    ledger.save(wave, runs)

    with pytest.raises(CommandRefused, match="run-1 no longer holds wave 'pilot'"):
        engine.renew_lease(ledger, first, 600)
    engine.abort(ledger, first, "CommandRefused: lease lost")
    assert view(ledger, "pilot").run_id == "run-2" and view(ledger, "pilot").state == "running"
    engine.abort(ledger, second, "KeyboardInterrupt")
    assert view(ledger, "pilot").state == "aborted"
