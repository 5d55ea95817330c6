"""Business steps: a wave waits for each step's confirmation, recorded with its evidence, then goes on."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from erpflow.application.ledger import Ledger
from erpflow.model.steps import step_id

from .conftest import operation_counts, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
STEPS = ["freeze-legacy", "opening-balances", "work-processes", "inform-services"]


def test_the_demo_pilot_confirms_its_steps_with_the_evidence_it_ships(pilot):
    assert pilot.counts["steps"] == {"state": "done", "done": 4, "batches": 4, "skipped": 0, "confirmed": 4}
    ledger = Ledger(pilot.settings)
    key = ledger.wave("pilot").operations["steps"]["batches"][1]
    [outcome] = ledger.batch("pilot", "steps", key).outcomes
    evidence = pilot.plan.parent.parent / "demo" / "steps" / "opening-balances.csv"
    assert outcome["ref"] == "opening-balances" and outcome["status"] == "confirmed"
    assert outcome["erp_id"] == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert outcome["changes"]["confirmed_by"] == [None, "plan"]


def test_a_wave_waits_for_its_steps_then_resumes_once_they_are_confirmed(cli, tmp_path):
    plan = small_pilot(tmp_path)
    data = yaml.safe_load(plan.read_text())
    del data["steps"]  # nothing confirmed in advance
    plan.write_text(yaml.safe_dump(data, allow_unicode=True))

    first = cli("run", str(plan))
    assert first.exit_code == 1, first.output
    assert "erpflow step confirm pilot freeze-legacy --comment TEXT --evidence FILE" in " ".join(first.output.split())
    assert operation_counts(cli.settings, "pilot")["steps"]["state"] == "failed"
    listed = cli("step", "list", "pilot")
    assert listed.exit_code == 0 and listed.stdout.count("waiting") == 4 and "Finance director" in listed.stdout

    evidence = tmp_path / "evidence.txt"
    evidence.write_text("signed minutes of the steering committee\n")
    refused = cli("step", "confirm", "pilot", "freeze", "--comment", "done", "--evidence", str(evidence))
    assert refused.exit_code == 2 and "'freeze' is not a business step of wave pilot" in refused.stderr
    refused = cli("step", "confirm", "pilot", STEPS[0], "--comment", " ", "--evidence", str(evidence))
    assert refused.exit_code == 2 and "needs a comment" in refused.stderr
    refused = cli("step", "confirm", "pilot", STEPS[0], "--comment", "done", "--evidence", str(tmp_path / "none"))
    assert refused.exit_code == 2 and "evidence file not found" in refused.stderr
    for step in STEPS:
        confirmed = cli(
            "step",
            "confirm",
            "pilot",
            step,
            "--comment",
            f"{step} done",
            "--evidence",
            str(evidence),
            "--actor",
            "finance.director",
        )
        assert confirmed.exit_code == 0 and "erpflow resume pilot" in confirmed.stdout, confirmed.output
    again = cli("step", "confirm", "pilot", STEPS[0], "--comment", "again", "--evidence", str(evidence))
    assert again.exit_code == 2 and "already confirmed by finance.director" in again.stderr

    resumed = cli("resume", "pilot")
    assert resumed.exit_code == 0, resumed.output
    assert "Wave pilot (pilot, Lyon): completed" in resumed.stdout
    counts = operation_counts(cli.settings, "pilot")
    assert counts["steps"]["confirmed"] == 4 and counts["accounts"]["skipped"] == 1
    ledger = Ledger(cli.settings)
    recorded = ledger._get(step_id("pilot", "opening-balances"))
    assert recorded.sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert recorded.ctx["actor"] == "finance.director" and recorded.ctx["wave"] == "pilot"
    history = cli("history", "pilot", "--operation", "steps")
    assert history.stdout.count("StepConfirmation.Confirmed") == 4 and "Batch.Failed" in history.stdout
    listed = cli("step", "list", "pilot")
    assert listed.stdout.count("confirmed by finance.director") == 4


def test_a_run_asked_to_pauses_for_each_step_and_records_what_the_form_answers(
    prefect_api, wave_env, tmp_path, monkeypatch
):
    import threading

    from prefect.flow_runs import resume_flow_run

    from erpflow.orchestration import steps
    from erpflow.orchestration.flows import run_wave

    from .test_approval import paused_run

    monkeypatch.setattr(steps, "POLL_SECONDS", 1)
    plan = small_pilot(tmp_path, wave="asked")
    data = yaml.safe_load(plan.read_text())
    del data["steps"]
    plan.write_text(yaml.safe_dump(data, allow_unicode=True))
    evidence = tmp_path / "minutes.txt"
    evidence.write_text("go-live minutes\n")
    home = tmp_path / "home"
    monkeypatch.setenv("ERPFLOW_HOME", str(home))
    states = []
    runner = threading.Thread(target=lambda: states.append(run_wave(str(plan), ask_steps=True, return_state=True)))
    runner.start()
    try:
        answer = {"confirmed_by": "marie.dupont", "comment": "done as planned", "evidence": str(tmp_path / "none")}
        resume_flow_run(paused_run("asked: full cycle").id, run_input=answer)  # no such file: asked again
        for _ in STEPS:
            resume_flow_run(paused_run("asked: full cycle").id, run_input={**answer, "evidence": str(evidence)})
    finally:
        runner.join(timeout=180)
    assert states and states[0].is_completed(), states
    from erpflow.settings import Settings

    ledger = Ledger(Settings())
    recorded = ledger._get(step_id("asked", "work-processes"))
    assert recorded.ctx["actor"] == "marie.dupont" and recorded.comment == "done as planned"
    assert recorded.sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert operation_counts(Settings(), "asked")["steps"]["confirmed"] == 4
