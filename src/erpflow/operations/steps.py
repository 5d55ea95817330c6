"""Business steps: the non-technical side of the cycle (freeze the legacy tool, validate opening balances...).

domain/steps.yaml declares each step with its RACI. A step is one batch of one item, done when the person
accountable confirms it with a comment and an evidence file (``erpflow step confirm``, or the form of a paused
run); a plan may confirm steps in advance (``steps.confirmations``). Until then its batch fails, naming how to
confirm it, and the wave resumes from there once it is confirmed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from erpflow.inputs.method import Raci, file_digest
from erpflow.inputs.yamlfile import line_of, load, read_yaml, validate
from erpflow.model.errors import InputError
from erpflow.model.items import ItemOutcome, StepSpec
from erpflow.model.steps import Confirmation
from erpflow.operations.base import Defaults, Preparing
from erpflow.operations.batches import BatchPlan, keyed, slug
from erpflow.targets.errors import TargetError

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets

STEP_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(Strict):
    id: str = Field(pattern=STEP_ID)
    title: str = Field(min_length=1)
    raci: Raci


class Steps(Strict):
    """domain/steps.yaml"""

    steps: list[Step] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def unique(cls, steps: list[Step]) -> list[Step]:
        ids = [s.id for s in steps]
        if twice := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"step {twice[0]!r} is listed twice")
        return steps


class Given(Strict):
    """A confirmation a plan gives in advance: a comment and an evidence file (beside the confirmations file)."""

    comment: str = Field(min_length=1)
    evidence: Path

    @field_validator("evidence")
    @classmethod
    def exists(cls, path: Path, info: ValidationInfo) -> Path:
        path = (info.context or {})["base"] / path
        if not path.is_file():
            raise ValueError(f"evidence file {path} not found")
        return path.resolve()


class Confirmations(Strict):
    confirmations: dict[str, Given] = {}


def load_steps(folder: Path) -> Steps:
    return load(Steps, folder / "steps.yaml")


def given(path: Path, steps: Steps) -> dict[str, Given]:
    """The plan's confirmations file, each step one of the method's (an unknown one names its line)."""
    data, lines = read_yaml(path)
    confirmations = validate(Confirmations, data, path, lines, context={"base": path.parent}).confirmations
    known = {s.id for s in steps.steps}
    for step in confirmations:
        if step not in known:
            raise InputError(
                str(path),
                f"step {step!r} is not in steps.yaml ({', '.join(sorted(known))})",
                line=line_of(lines, ("confirmations", step)),
                field=f"confirmations.{step}",
            )
    return confirmations


def spec(step: Step, confirmed: Given | None) -> StepSpec:
    if confirmed is None:
        return StepSpec(step.id, step.title, step.raci.accountable, tuple(step.raci.responsible))
    return StepSpec(
        step.id,
        step.title,
        step.raci.accountable,
        tuple(step.raci.responsible),
        confirmed.comment,
        confirmed.evidence.name,
        file_digest(confirmed.evidence),
    )


def _confirmation(item: StepSpec, recorded: dict[str, Confirmation]) -> Confirmation | None:
    if item.step in recorded:
        return recorded[item.step]
    return Confirmation(item.step, "plan", item.comment, item.evidence, item.sha256) if item.sha256 else None


class BusinessSteps(Defaults):
    id = "steps"

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        path = preparing.folder / "steps.yaml"
        steps = load_steps(preparing.folder)
        preparing.inputs[str(path)] = file_digest(path)
        confirmed: dict[str, Given] = {}
        if (source := preparing.plan.steps.confirmations) is not None:
            confirmed = given(source, steps)
            preparing.inputs[str(source)] = file_digest(source)
            preparing.inputs.update({str(g.evidence): file_digest(g.evidence) for g in confirmed.values()})
        return [
            keyed(
                slug(step.id),
                [spec(step, confirmed.get(step.id))],
                [],
                details={"step": step.id, "title": step.title, "accountable": step.raci.accountable},
            )
            for step in steps.steps
        ]

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        recorded = targets.confirmations.find(targets.plan.wave, [i.step for i in batch.items])
        outcomes = []
        for item in batch.items:
            confirmation = _confirmation(item, recorded)
            if confirmation is None:
                raise TargetError(
                    f"step {item.step!r} ({item.title}) waits for the confirmation of "
                    f"{item.accountable}: erpflow step confirm {targets.plan.wave} {item.step} "
                    "--comment TEXT --evidence FILE"
                )
            outcomes.append(ItemOutcome(item.step, "confirmed", confirmation.sha256, changes=confirmation.changes()))
        return outcomes

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        found = targets.confirmations.find(targets.plan.wave, [i.step for i in batch.items])
        return {step: c.sha256 for step, c in found.items()}

    def concurrency(self, wanted: int, targets: Targets) -> int:
        return wanted

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        items = [item for b in batches for item in b.items]
        ahead = sum(1 for item in items if item.sha256)
        return f"{len(items)} steps ({ahead} confirmed by the plan): " + ", ".join(
            f"{i.step} ({i.accountable})" for i in items
        )


OPERATION = BusinessSteps()
