"""Business steps: declared in the method, confirmed by the plan or by a person, otherwise waited for."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from erpflow.application.preparation import prepare
from erpflow.model.errors import CommandRefused, InputError
from erpflow.model.steps import Confirmation, StepConfirmation
from erpflow.operations.registry import get
from erpflow.targets.errors import TargetError
from erpflow.targets.ports import NoConfirmations

REPO = Path(__file__).resolve().parents[2]
STEPS = get("steps")


class Recorded:
    def __init__(self, **found: Confirmation):
        self.found = found

    def find(self, wave: str, steps):
        return {s: self.found[s] for s in steps if s in self.found}


def targets(confirmations) -> SimpleNamespace:
    return SimpleNamespace(plan=SimpleNamespace(wave="pilot"), confirmations=confirmations)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "deployments", tmp_path / "deployments")
    shutil.copytree(REPO / "domain", tmp_path / "domain")
    return tmp_path


def test_the_demo_plan_confirms_each_step_with_the_digest_of_its_evidence():
    prepared = prepare(REPO / "deployments/plans/pilot.yaml")
    batches = prepared.batches["steps"]
    assert [b.items[0].step for b in batches] == [
        "freeze-legacy",
        "opening-balances",
        "work-processes",
        "inform-services",
    ]
    evidence = REPO / "deployments/demo/steps/opening-balances.csv"
    item = batches[1].items[0]
    assert item.accountable == "Finance director" and item.evidence == "opening-balances.csv"
    assert item.sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert (
        prepared.inputs[str(evidence.resolve())] == item.sha256 and str(REPO / "domain/steps.yaml") in prepared.inputs
    )
    [outcome] = STEPS.send(batches[1], targets(NoConfirmations()))
    assert (outcome.ref, outcome.status, outcome.erp_id) == ("opening-balances", "confirmed", item.sha256)
    assert outcome.changes["confirmed_by"] == [None, "plan"]


def test_a_step_nobody_confirmed_waits_naming_who_confirms_it_and_how(demo: Path):
    plan = demo / "deployments/plans/pilot.yaml"
    plan.write_text(plan.read_text().replace("steps:\n  confirmations: ../demo/steps/confirmations.yaml\n", ""))
    batch = prepare(plan).batches["steps"][0]
    with pytest.raises(
        TargetError,
        match=r"step 'freeze-legacy' \(Freeze the legacy tool.*\) waits for the "
        r"confirmation of Data owner: erpflow step confirm pilot freeze-legacy",
    ):
        STEPS.send(batch, targets(NoConfirmations()))
    assert STEPS.lookup(batch, targets(NoConfirmations())) == {}
    person = Confirmation("freeze-legacy", "data.owner", "frozen", "ticket.pdf", "a" * 64)
    [outcome] = STEPS.send(batch, targets(Recorded(**{"freeze-legacy": person})))
    assert outcome.status == "confirmed" and outcome.changes["confirmed_by"] == [None, "data.owner"]
    assert STEPS.lookup(batch, targets(Recorded(**{"freeze-legacy": person}))) == {"freeze-legacy": "a" * 64}


def test_a_confirmation_of_an_unknown_step_names_its_file_and_line(demo: Path):
    confirmations = demo / "deployments/demo/steps/confirmations.yaml"
    text = confirmations.read_text().replace("  work-processes:", "  work-process:")
    confirmations.write_text(text)
    with pytest.raises(InputError) as caught:
        prepare(demo / "deployments/plans/pilot.yaml")
    assert caught.value.line == text.splitlines().index("  work-process:") + 1
    assert "step 'work-process' is not in steps.yaml" in str(caught.value)


def test_a_missing_evidence_file_is_an_input_error(demo: Path):
    (demo / "deployments/demo/steps/freeze-legacy.txt").unlink()
    with pytest.raises(
        InputError,
        match=r"confirmations.yaml:\d+: confirmations.freeze-legacy.evidence: "
        r"evidence file .*freeze-legacy.txt not found",
    ):
        prepare(demo / "deployments/plans/pilot.yaml")


def test_a_confirmation_needs_a_comment_and_an_evidence_digest():
    ctx = {"wave": "pilot", "actor": "pm"}
    with pytest.raises(CommandRefused, match="needs a comment"):
        StepConfirmation.confirm("pilot", "inform-services", "  ", "mail.eml", "b" * 64, ctx)
    with pytest.raises(CommandRefused, match="needs the sha256"):
        StepConfirmation.confirm("pilot", "inform-services", "sent", "mail.eml", "", ctx)
    done = StepConfirmation.confirm("pilot", "inform-services", " sent ", "mail.eml", "b" * 64, ctx)
    assert done.confirmation == Confirmation("inform-services", "pm", "sent", "mail.eml", "b" * 64)
