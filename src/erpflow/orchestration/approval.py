"""The exit gate decided from the Prefect UI: the flow run pauses for the approver's answer, then records it."""

from __future__ import annotations

from typing import Any

import structlog
from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from erpflow.application.gates import GateEvaluation, evaluate_gate, record_decision, wave_method
from erpflow.application.ledger import Ledger
from erpflow.logging import configure
from erpflow.model.vocabulary import Decision
from erpflow.operations.batches import slug
from erpflow.orchestration.anchors import announce
from erpflow.orchestration.flows import mirror_events
from erpflow.reports.markdown import criteria_table
from erpflow.settings import load_settings

log = structlog.stdlib.get_logger("erpflow.gate")


class GateApproval(RunInput):
    """The approver's answer, typed into the form Prefect shows on the paused run."""

    decision: Decision = Field(description="go lets the next wave start; no-go holds it")
    approver: str = Field(min_length=1, description="who decides: recorded in the ledger as the decision's actor")
    comment: str = Field("", description="why, in the approver's words")


def criteria_markdown(evaluation: GateEvaluation) -> str:
    lines = [
        f"**Gate {evaluation.gate}** of wave **{evaluation.wave}**: "
        f"{'every criterion passes' if evaluation.passed else 'failing: ' + ', '.join(evaluation.failed)}",
        "",
        criteria_table(evaluation.results),
    ]
    return "\n".join(lines)


@flow(name="approve-gate", flow_run_name="{wave}: exit gate", log_prints=False)
def approve_gate(wave: str, timeout_hours: float = 72.0, poll_seconds: int = 10) -> dict[str, Any]:
    """Measure the wave's exit gate, pause until an approver answers go or no-go from the Prefect UI, and
    record the answer with the criteria as measured at that moment. A go on a failed criterion is refused.

    Args:
        wave: the wave whose exit gate is decided
        timeout_hours: how long the run waits for an answer before it fails
        poll_seconds: how often the paused run checks for the answer
    """
    configure()
    settings = load_settings()
    ledger = Ledger(settings)
    method = wave_method(ledger, wave, settings.method)
    evaluation = evaluate_gate(ledger, wave, method)
    table = criteria_markdown(evaluation)
    create_markdown_artifact(table, key=slug(f"{wave}-gate"), description=f"Wave {wave}: exit gate criteria")
    log.info("waiting for the approver's decision", wave=wave, failing=",".join(evaluation.failed) or "none")
    answer = pause_flow_run(
        wait_for_input=GateApproval.with_initial_data(
            description=table, decision=Decision.GO if evaluation.passed else Decision.NO_GO
        ),
        timeout=int(timeout_hours * 3600),
        poll_interval=poll_seconds,
    )
    evaluation = evaluate_gate(ledger, wave, method)  # the facts when the answer came
    announce(
        record_decision(
            ledger, evaluation, answer.decision, answer.approver, answer.comment, str(flow_run.get_id() or "")
        )
    )
    mirror_events(ledger)
    log.info("gate decided", wave=wave, decision=answer.decision, approver=answer.approver)
    return {
        "wave": wave,
        "gate": evaluation.gate,
        "decision": answer.decision,
        "approver": answer.approver,
        "evidence": evaluation.evidence,
    }
