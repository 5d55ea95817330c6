"""The exit gate decided from Prefect: the run pauses for a form, the approver's answer becomes the event."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.settings import Settings

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def paused_run(name: str, deadline: float = 60.0):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        for _ in range(int(deadline / 0.5)):
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
            if runs and runs[0].state.is_paused():
                return runs[0]
            time.sleep(0.5)
    pytest.fail(f"no paused run named {name!r}")


def test_the_run_pauses_for_the_approver_whose_answer_is_recorded_as_the_decision(
    prefect_api, wave_env, tmp_path: Path, monkeypatch
):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId
    from prefect.flow_runs import resume_flow_run

    from erpflow.orchestration.approval import approve_gate

    home = tmp_path / "home"
    assert wave_env(small_pilot(tmp_path), home).state.is_completed()
    monkeypatch.setenv("ERPFLOW_HOME", str(home))
    states = []
    runner = threading.Thread(target=lambda: states.append(approve_gate("pilot", poll_seconds=1, return_state=True)))
    runner.start()
    try:
        run = paused_run("pilot: exit gate")
        assert view(Ledger(Settings()), "pilot").gate is None  # nothing is decided while it waits
        with pytest.raises(RuntimeError, match=r"(?i)validation"):  # the form's rules hold through the API too
            resume_flow_run(run.id, run_input={"decision": "maybe", "approver": "marie.dupont"})
        resume_flow_run(
            run.id, run_input={"decision": "no-go", "approver": "marie.dupont", "comment": "training is not done"}
        )
    finally:
        runner.join(timeout=120)
    assert states and states[0].is_completed(), states
    assert states[0].name == "No-go" and states[0].result()["decision"] == "no-go"  # named after the decision
    with get_client(sync_client=True) as client:
        tags = set(client.read_flow_run(run.id).tags)
        gate = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pilot-gate"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
        )
    gate.sort(key=lambda artifact: artifact.created)
    assert {"wave:pilot", "kind:pilot", "site:Lyon"} <= tags  # tagged like the wave's runs
    assert len(gate) == 2 and gate[-1].data.startswith("**Decision: no-go** by marie.dupont: training is not done")
    assert "**Gate pilot-exit** of wave **pilot**" in gate[0].data and "Decision" not in gate[0].data
    decided = view(Ledger(Settings()), "pilot").gate
    assert decided["decision"] == "no-go" and decided["by"] == "marie.dupont"
    assert decided["comment"] == "training is not done" and {c["id"] for c in decided["criteria"]} >= {
        "training-completion",
        "migration-rejects",
    }


def test_a_go_on_failed_criteria_fails_the_run_and_records_nothing(prefect_api, wave_env, tmp_path: Path, monkeypatch):
    from prefect.flow_runs import resume_flow_run

    from erpflow.orchestration.approval import approve_gate

    home = tmp_path / "home"
    assert wave_env(small_pilot(tmp_path, wave="rushed"), home).state.is_completed()
    monkeypatch.setenv("ERPFLOW_HOME", str(home))
    states = []
    runner = threading.Thread(target=lambda: states.append(approve_gate("rushed", poll_seconds=1, return_state=True)))
    runner.start()
    try:
        resume_flow_run(paused_run("rushed: exit gate").id, run_input={"decision": "go", "approver": "hasty"})
    finally:
        runner.join(timeout=120)
    assert states and states[0].is_failed()
    assert "cannot be go: training-completion, migration-rejects failed" in str(states[0].message) + str(
        states[0].result(raise_on_failure=False)
    )
    assert view(Ledger(Settings()), "rushed").gate is None
