"""The exit gate decided from the Prefect UI: the flow run pauses for the approver's answer, then records it.

The run is tagged like the wave's runs; its final state is named after the decision (Go, No-go): both are
Completed, as the run did its job (a decision recorded), and the name tells them apart in the UI and to
automations. A go refused on failed criteria fails the run.
"""

from __future__ import annotations

from typing import Any

import structlog
from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from prefect.states import Completed, State
from pydantic import Field

from erpflow.application.gates import GateEvaluation, evaluate_gate, record_decision, wave_method
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import run_tags
from erpflow.logging import configure
from erpflow.model.vocabulary import Decision
from erpflow.operations.batches import slug
from erpflow.orchestration.anchors import announce
from erpflow.orchestration.flows import mirror_events, tag_run
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


def gate_run_name(wave: str) -> str:
    """An approve-gate run's name in the Prefect UI."""
    return f"{wave}: exit gate"


def decision_markdown(evaluation: GateEvaluation, decision: str, approver: str, comment: str) -> str:
    said = f": {comment}" if comment else ""
    return f"**Decision: {decision}** by {approver}{said}\n\n" + criteria_markdown(evaluation)


@flow(name="approve-gate", flow_run_name="{wave}: exit gate", log_prints=False)
def approve_gate(
    wave: str, timeout_hours: float = 72.0, poll_seconds: int = 10
) -> dict[str, Any] | State[dict[str, Any]]:
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
    recorded = ledger.wave(wave)
    tag_run(run_tags(wave, recorded.kind, recorded.sites))
    evaluation = evaluate_gate(ledger, wave, method)
    table = criteria_markdown(evaluation)
    key, description = slug(f"{wave}-gate"), f"Wave {wave}: exit gate criteria"
    create_markdown_artifact(table, key=key, description=description)
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
    create_markdown_artifact(
        decision_markdown(evaluation, answer.decision, answer.approver, answer.comment),
        key=key,
        description=f"Wave {wave}: exit gate decided {answer.decision}",
    )
    log.info("gate decided", wave=wave, decision=answer.decision, approver=answer.approver)
    decided = {
        "wave": wave,
        "gate": evaluation.gate,
        "decision": answer.decision,
        "approver": answer.approver,
        "evidence": evaluation.evidence,
    }
    name = "Go" if answer.decision == Decision.GO else "No-go"
    return Completed(data=decided, name=name, message=f"decided {answer.decision}")
