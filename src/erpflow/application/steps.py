"""Business steps confirmed by people: recorded in the ledger, read back by the steps operation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import find_method
from erpflow.inputs.method import file_digest
from erpflow.model.errors import CommandRefused, InputError
from erpflow.model.steps import Confirmation, StepConfirmation
from erpflow.operations.steps import OPERATION, Step, load_steps


class LedgerConfirmations:
    """The Confirmations port on the ledger: one small stream per wave x step."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def find(self, wave: str, steps: Sequence[str]) -> dict[str, Confirmation]:
        found = {}
        for step in steps:
            recorded = self.ledger.step_confirmation(wave, step)
            if recorded is not None:
                found[step] = recorded.confirmation
        return found


def wave_steps(ledger: Ledger, wave: str, configured: Path | None = None) -> list[Step]:
    """The business steps of the method beside the wave's recorded plan (or the configured method)."""
    recorded = waves.view(ledger, wave)
    if not recorded.plan_path and configured is None:
        raise CommandRefused(f"wave {wave!r} has no recorded plan file; run it first")
    return load_steps(find_method(Path(recorded.plan_path), configured)).steps


def confirm(
    ledger: Ledger,
    wave: str,
    actor: str,
    step: str,
    comment: str,
    evidence: Path,
    configured: Path | None = None,
    flow_run_id: str = "",
) -> Confirmation:
    """Record that a step of the wave is done, with a comment and the sha256 of an evidence file; once only."""
    ctx = waves.context(wave, actor, OPERATION.id, flow_run_id)
    known = [s.id for s in wave_steps(ledger, ctx.wave, configured)]
    if step not in known:
        raise CommandRefused(f"{step!r} is not a business step of wave {ctx.wave} ({', '.join(known)})")
    if done := LedgerConfirmations(ledger).find(ctx.wave, [step]):
        raise CommandRefused(f"step {step!r} of wave {ctx.wave} is already confirmed by {done[step].by}")
    if not evidence.is_file():
        raise InputError(str(evidence), "evidence file not found")
    recorded = StepConfirmation.confirm(ctx.wave, step, comment, evidence.name, file_digest(evidence), ctx.as_dict())
    ledger.save(recorded)
    return recorded.confirmation


def confirmed_in_batches(ledger: Ledger, wave: str) -> dict[str, Confirmation]:
    """Steps the wave's runs recorded as confirmed (by the plan or by a person), from their batches."""
    found = {}
    for key in ledger.wave(wave).operations.get(OPERATION.id, {}).get("batches", []):
        batch = ledger.batch(wave, OPERATION.id, key)
        for outcome in batch.outcomes if batch is not None else []:
            if outcome.get("status") == "confirmed":
                changes = outcome.get("changes", {})
                evidence, _, sha256 = changes["evidence"][1].rpartition(" sha256:")
                found[outcome["ref"]] = Confirmation(
                    outcome["ref"], changes["confirmed_by"][1], changes["comment"][1], evidence, sha256
                )
    return found
