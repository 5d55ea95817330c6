"""The exit gate of a wave: evaluated from its events, decided by someone, recorded with its evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import find_method
from erpflow.audit.anchors import Anchor, publish
from erpflow.inputs.method import Method, load_method
from erpflow.model.decisions import GateDecisions
from erpflow.model.errors import CommandRefused
from erpflow.model.gate import Facts, Result, evaluate, evidence_digest
from erpflow.projections.gate import gate_facts

GATE = "gate"  # the operation a decision's events name


@dataclass(frozen=True)
class GateEvaluation:
    wave: str
    gate: str
    facts: Facts
    results: list[Result]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[str]:
        return [r.id for r in self.results if not r.passed]

    @property
    def evidence(self) -> str:
        return evidence_digest(self.facts, self.results)


def wave_method(ledger: Ledger, wave: str, configured: Path | None) -> Method:
    """The method beside the wave's recorded plan (or the configured one)."""
    recorded = waves.view(ledger, wave)
    if not recorded.plan_path and configured is None:
        raise CommandRefused(f"wave {wave!r} has no recorded plan file; run it first")
    return load_method(find_method(Path(recorded.plan_path), configured))


def evaluate_gate(ledger: Ledger, wave: str, method: Method) -> GateEvaluation:
    """The wave's exit gate (the first in gates.yaml that applies to its kind), each criterion measured."""
    kind = ledger.wave(wave).kind
    names = [name for name, g in method.gates.gates.items() if kind in g.applies_to]
    if not names:
        raise CommandRefused(f"no gate in domain/gates.yaml applies to a {kind} wave")
    facts = gate_facts(ledger, wave)
    return GateEvaluation(wave, names[0], facts, evaluate(method.gates.gates[names[0]].criteria, facts))


def record_decision(ledger: Ledger, evaluation: GateEvaluation, decision: str, actor: str, comment: str = "",
                    flow_run_id: str = "") -> Anchor | None:
    """Record go or no-go with the criteria as measured, in the wave's gate stream; a go on a failed criterion
    is refused. The chain head after it is anchored under the home."""
    ctx = waves.context(evaluation.wave, actor, GATE, flow_run_id).as_dict()
    decisions = waves.gate_decisions(ledger, evaluation.wave) or GateDecisions(wave=evaluation.wave, ctx=ctx)
    decisions.decide(evaluation.gate, decision, [asdict(r) for r in evaluation.results], evaluation.evidence, ctx,
                     comment)
    ledger.save(decisions)
    return publish(ledger, evaluation.wave, "gate decision")
