"""Business steps confirmed from the Prefect UI: the run pauses on each step nobody has confirmed yet."""

from __future__ import annotations

from pathlib import Path

import structlog
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from erpflow.application.ledger import Ledger
from erpflow.application.steps import confirm
from erpflow.model.context import Context
from erpflow.model.errors import ErpflowError
from erpflow.model.items import StepSpec
from erpflow.operations.batches import BatchPlan
from erpflow.targets.bundle import Targets

log = structlog.stdlib.get_logger("erpflow.steps")
TIMEOUT_HOURS = 72.0
POLL_SECONDS = 5


class StepConfirmationInput(RunInput):
    """The confirmation typed into the form Prefect shows on the paused run."""

    confirmed_by: str = Field(min_length=1, description="who confirms: recorded as the confirmation's actor")
    comment: str = Field(min_length=1, description="what was done, in the confirmer's words")
    evidence: str = Field(min_length=1, description="path of the evidence file on the worker; its sha256 is recorded")


def pending(ctx: Context, batches: list[BatchPlan], targets: Targets) -> list[StepSpec]:
    """The business steps of these batches confirmed neither by the plan nor by anyone yet."""
    steps = [item for batch in batches for item in batch.items if isinstance(item, StepSpec) and not item.sha256]
    recorded = targets.confirmations.find(ctx.wave, [s.step for s in steps])
    return [s for s in steps if s.step not in recorded]


def ask_for_confirmations(ledger: Ledger, ctx: Context, batches: list[BatchPlan], targets: Targets) -> None:
    """Pause the run for each pending step until someone confirms it in the form; a refused answer asks again."""
    for step in pending(ctx, batches, targets):
        log.info("waiting for a business step's confirmation", step=step.step, accountable=step.accountable)
        while True:
            answer = pause_flow_run(
                wait_for_input=StepConfirmationInput.with_initial_data(
                    description=f"**{step.title}** (`{step.step}`): confirmed by {step.accountable}, "
                    "with a comment and an evidence file"
                ),
                timeout=int(TIMEOUT_HOURS * 3600),
                poll_interval=POLL_SECONDS,
            )
            try:
                confirm(
                    ledger,
                    ctx.wave,
                    answer.confirmed_by,
                    step.step,
                    answer.comment,
                    Path(answer.evidence),
                    flow_run_id=ctx.flow_run_id,
                )
                break
            except ErpflowError as exc:
                log.warning("confirmation refused; asking again", step=step.step, reason=str(exc))
