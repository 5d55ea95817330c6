"""The exit gate of a wave: evaluated from its events, decided by someone, recorded with its evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import find_method
from erpflow.audit.anchors import Anchor, publish
from erpflow.inputs.method import Method, file_digest, load_method
from erpflow.model.decisions import GateDecisions
from erpflow.model.errors import CommandRefused
from erpflow.model.gate import Facts, Result, evaluate, evidence_digest
from erpflow.projections.gate import gate_facts

GATE = "gate"  # the operation a decision's events name
JUDGING_FILES = ("roles.yaml", "gates.yaml", "anomalies.yaml")  # roles, gate criteria, anomaly severities


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


def pinned_method(inputs: dict[str, str]) -> tuple[Path, dict[str, str]] | None:
    """The folder of the method a wave ran with and the sha256 of each file that judges it, from its recorded
    inputs."""
    folders: dict[Path, dict[str, str]] = {}
    for path, digest in inputs.items():
        if Path(path).name in JUDGING_FILES:
            folders.setdefault(Path(path).parent, {})[Path(path).name] = digest
    return next(((folder, files) for folder, files in folders.items() if len(files) == len(JUDGING_FILES)), None)


def _check_same(folder: Path, pinned: dict[str, str], why: str) -> None:
    for name, digest in pinned.items():
        path = folder / name
        if not path.is_file():
            raise CommandRefused(
                f"{path}, of the method the wave ran with, is missing; set ERPFLOW_METHOD to a "
                "folder holding the same files"
            )
        if file_digest(path) != digest:
            raise CommandRefused(f"{path} {why}")


def wave_method(ledger: Ledger, wave: str, configured: Path | None) -> Method:
    """The method the wave ran with, pinned by the digests of the files that judge it (roles, gates, anomalies):
    the configured folder is used only if those files are the same, the recorded one only if none changed since."""
    recorded = waves.view(ledger, wave)
    pinned = pinned_method(recorded.inputs)
    if pinned is None:
        if not recorded.plan_path and configured is None:
            raise CommandRefused(f"wave {wave!r} has no recorded plan file; run it first")
        return load_method(find_method(Path(recorded.plan_path), configured))
    folder, files = pinned
    if configured is not None:
        _check_same(
            configured,
            files,
            f"differs from the method wave {wave!r} ran with ({folder}); unset ERPFLOW_METHOD to judge it by its own",
        )
        return load_method(configured)
    _check_same(
        folder,
        files,
        f"changed since wave {wave!r} ran with it: a wave is judged by the method it ran "
        "with; restore the file or run the wave again",
    )
    return load_method(folder)


def evaluate_gate(ledger: Ledger, wave: str, method: Method) -> GateEvaluation:
    """The wave's exit gate (the first in gates.yaml that applies to its kind), each criterion measured."""
    kind = ledger.wave(wave).kind
    names = [name for name, g in method.gates.gates.items() if kind in g.applies_to]
    if not names:
        raise CommandRefused(f"no gate in domain/gates.yaml applies to a {kind} wave")
    facts = gate_facts(ledger, wave)
    return GateEvaluation(wave, names[0], facts, evaluate(method.gates.gates[names[0]].criteria, facts))


def record_decision(
    ledger: Ledger, evaluation: GateEvaluation, decision: str, actor: str, comment: str = "", flow_run_id: str = ""
) -> Anchor | None:
    """Record go or no-go with the criteria as measured, in the wave's gate stream; a go on a failed criterion
    is refused. The chain head after it is anchored under the home."""
    ctx = waves.context(evaluation.wave, actor, GATE, flow_run_id).as_dict()
    decisions = waves.gate_decisions(ledger, evaluation.wave) or GateDecisions(wave=evaluation.wave, ctx=ctx)
    decisions.decide(
        evaluation.gate, decision, [asdict(r) for r in evaluation.results], evaluation.evidence, ctx, comment
    )
    ledger.save(decisions)
    return publish(ledger, evaluation.wave, "gate decision")
