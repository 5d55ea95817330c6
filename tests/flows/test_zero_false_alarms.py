"""Zero false alarms: after every legitimate command and flow, in sequence, `verify` passes.

Runs once per event store (SQLite, PostgreSQL): runs killed at each crash point and resumed, anomalies raised,
commented and resolved, attendance, gate --record, the approve-gate flow, a forced rerun.
"""

from __future__ import annotations

import threading
import time

import pytest
from typer.testing import CliRunner

from erpflow.application.faults import POINTS
from erpflow.application.ledger import Ledger
from erpflow.cli import app
from erpflow.projections.anomalies import anomalies
from erpflow.projections.gate import invitations
from erpflow.settings import Settings

from .conftest import small_pilot
from .test_crash_resume import erpflow, prefect_url  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def paused_run(name: str, deadline: float = 90.0):
    """The paused run of that name (the session's server may hold finished runs of the same name)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        for _ in range(int(deadline / 0.5)):
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
            paused = [run for run in runs if run.state is not None and run.state.is_paused()]
            if paused:
                return paused[0]
            time.sleep(0.5)
    pytest.fail(f"no paused run named {name!r}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request) -> str:
    return "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_verify_passes_after_every_writing_command_and_flow(erpflow, store: str, tmp_path, monkeypatch):  # noqa: F811
    plan = small_pilot(tmp_path)
    env = {"ERPFLOW_HOME": str(erpflow.home), "ERPFLOW_EVENT_STORE": store, "ERPFLOW_ACTOR": "integrator"}
    settings = Settings(home=erpflow.home, event_store=store)
    counts = []

    def verified(after: str) -> None:
        result = CliRunner().invoke(app, ["verify"], env=env)
        assert result.exit_code == 0 and result.stdout.startswith("verified: "), (after, result.output)
        counts.append(int(result.stdout.split()[1]))
        assert counts == sorted(counts), (after, counts)

    def cli(*args: str) -> None:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, (args, result.output)
        verified(" ".join(args))

    operations = ("accounts", "configuration", "migration")
    killed = erpflow("run", str(plan), fault=f"{operations[0]}:{POINTS[0]}", store=store)
    assert killed.returncode < 0, killed.stderr[-2000:]
    verified("a run killed " + POINTS[0])
    for operation, point in zip(operations[1:], POINTS[1:], strict=True):
        killed = erpflow("resume", "pilot", fault=f"{operation}:{point}", store=store)
        assert killed.returncode < 0, killed.stderr[-2000:]
        verified(f"a resume killed at {operation}:{point}")
    done = erpflow("resume", "pilot", store=store)
    assert done.returncode == 0, done.stderr[-3000:]
    verified("the resumed run")

    cli("anomaly", "raise", "pilot", "--item", "jdupont", "--reason", "cannot log in", "--severity", "blocking")
    raised = next(a for a in anomalies(Ledger(settings), "pilot") if a.open and a.item == "jdupont")
    cli("anomaly", "comment", "pilot", str(raised.id)[:8], "password reset sent")
    cli("anomaly", "resolve", "pilot", str(raised.id)[:8], "--resolution", "logged in after the reset")

    sessions = invitations(Ledger(settings), "pilot")
    sheet = tmp_path / "sign-in.csv"
    sheet.write_text(
        "session,login,present\n"
        + "".join(f"{name},{login},yes\n" for name, s in sessions.items() for login in sorted(s["invited"]))
    )
    cli("training", "attend", "pilot", str(sheet))
    decided = CliRunner().invoke(app, ["gate", "pilot", "--record"], env=env)
    assert decided.exit_code in (0, 1) and "decision recorded" in decided.stdout, decided.output
    verified("gate --record")

    from prefect.flow_runs import resume_flow_run

    from erpflow.orchestration.approval import approve_gate

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    states = []
    runner = threading.Thread(target=lambda: states.append(approve_gate("pilot", poll_seconds=1, return_state=True)))
    runner.start()
    try:
        resume_flow_run(
            paused_run("pilot: exit gate").id,
            run_input={"decision": "no-go", "approver": "marie.dupont", "comment": "not yet"},
        )
    finally:
        runner.join(timeout=120)
    assert states and states[0].is_completed(), states
    verified("the approve-gate flow")

    forced = erpflow("resume", "pilot", "--only", "accounts", "--force", "--reason", "groups changed", store=store)
    assert forced.returncode == 0, forced.stderr[-3000:]
    verified("a forced rerun")
    assert counts[-1] > counts[0]
