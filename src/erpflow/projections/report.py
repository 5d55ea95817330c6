"""The steering committee's view of a wave, from its events: KPIs, durations, timeline, anomalies, gate, RACI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from erpflow.application import waves
from erpflow.application.gates import GateEvaluation, evaluate_gate
from erpflow.application.ledger import Ledger
from erpflow.inputs.method import Method
from erpflow.model.anomaly import Anomaly
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused
from erpflow.model.run import Runs
from erpflow.model.vocabulary import OperationState, Severity
from erpflow.model.wave import Wave
from erpflow.projections.gate import completion
from erpflow.projections.status import WaveStatus, wave_status

RUN_ENDS = (Runs.Aborted, Runs.RunAbandoned, Runs.Completed, Wave.Aborted, Wave.RunAbandoned, Wave.Completed)


@dataclass
class Span:
    """Something that ran from ``start`` to ``end``: an operation in one run, or one attempt of a batch."""

    operation: str
    label: str
    start: datetime
    end: datetime | None = None
    outcome: str = "running"  # done | failed | interrupted | running

    @property
    def seconds(self) -> float:
        return ((self.end or self.start) - self.start).total_seconds()


@dataclass
class Report:
    status: WaveStatus
    kpis: dict[str, float]
    operations: list[Span]
    batches: list[Span]
    burndown: list[tuple[datetime, int, int]]  # after each anomaly event: open, of which blocking
    anomalies: dict[str, dict[str, int]]  # severity -> {"raised": n, "open": n}
    completion: dict[str, tuple[int, int]]  # role title -> (attended, invited)
    gate: GateEvaluation | None
    decision: dict | None
    raci: list[dict[str, str]]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def durations(self) -> dict[str, float]:
        """Seconds spent in each operation, over every run."""
        spent = {op.operation: 0.0 for op in self.status.operations}
        for span in self.operations:
            spent[span.operation] = spent.get(span.operation, 0.0) + span.seconds
        return spent


def build_report(ledger: Ledger, wave: str, method: Method) -> Report:
    """Everything the report shows, read from the wave's events."""
    status = wave_status(ledger, wave)
    operations, batches, burndown = _timeline(ledger, wave)
    facts_gate = _gate(ledger, wave, method)
    rates = completion(ledger, wave)
    titles = {name: role.title for name, role in method.roles.roles.items()}
    by_role: dict[str, tuple[int, int]] = {}
    for (role, _site), (done, invited) in sorted(rates.items()):
        title = titles.get(role, role)
        previous = by_role.get(title, (0, 0))
        by_role[title] = (previous[0] + done, previous[1] + invited)
    return Report(
        status,
        _kpis(status, by_role),
        operations,
        batches,
        burndown,
        _anomaly_counts(ledger, wave),
        by_role,
        facts_gate,
        waves.view(ledger, wave).gate,
        _raci(method),
    )


def _kpis(status: WaveStatus, by_role: dict[str, tuple[int, int]]) -> dict[str, float]:
    items = {op.operation: op.items for op in status.operations}
    accounts, config, training = (items.get(op, Counter()) for op in ("accounts", "configuration", "training"))
    rows = status.reconciliations.values()
    attended, invited = sum(a for a, _ in by_role.values()), sum(i for _, i in by_role.values())
    return {
        "accounts": sum(accounts.get(s, 0) for s in ("created", "updated", "unchanged")),
        "accounts rejected": accounts.get("rejected", 0),
        "configuration items": sum(config.values()),
        "configuration changed": config.get("created", 0) + config.get("updated", 0),
        "rows read": sum(r["read"] for r in rows),
        "rows loaded": sum(r["loaded"] for r in rows),
        "rows rejected": sum(r["rejected"] for r in rows),
        "sessions": {op.operation: op.batches for op in status.operations}.get("training", 0),
        "invitations sent": training.get("sent", 0),
        "attended": attended,
        "training completion": attended / invited if invited else 0.0,
    }


def _timeline(ledger: Ledger, wave: str) -> tuple[list[Span], list[Span], list[tuple[datetime, int, int]]]:
    operations: list[Span] = []
    running: dict[str, Span] = {}
    batches: list[Span] = []
    attempts: dict[UUID, Span] = {}
    names: dict[UUID, tuple[str, str]] = {}
    severity: dict[UUID, str] = {}
    open_now: set[UUID] = set()
    burndown: list[tuple[datetime, int, int]] = []
    for _, event in ledger.wave_events(wave):
        assert isinstance(event, Aggregate.Event)  # a wave's stream holds aggregate events only
        at, who = event.timestamp, event.originator_id
        if isinstance(event, Wave.OperationStarted):
            running[event.operation] = Span(event.operation, event.operation, at)
            operations.append(running[event.operation])
        elif isinstance(event, Wave.OperationFinished) and event.operation in running:
            span = running.pop(event.operation)
            span.end = at
            span.outcome = OperationState.FAILED if event.summary.get("batches_failed") else OperationState.DONE
        elif isinstance(event, RUN_ENDS):
            for span in [*running.values(), *attempts.values()]:
                span.end, span.outcome = at, OperationState.INTERRUPTED
            running.clear()
            attempts.clear()
        elif isinstance(event, Batch.Opened):
            names[who] = (event.operation, event.key)
        elif isinstance(event, Batch.Attempted) and who in names:
            attempts[who] = Span(names[who][0], names[who][1], at)
            batches.append(attempts[who])
        elif isinstance(event, (Batch.Succeeded, Batch.Failed)) and who in attempts:
            span = attempts.pop(who)
            span.end = at
            span.outcome = OperationState.DONE if isinstance(event, Batch.Succeeded) else OperationState.FAILED
        elif isinstance(event, (Anomaly.Raised, Anomaly.Resolved, Anomaly.Reopened)):
            if isinstance(event, Anomaly.Raised):
                severity[who] = event.severity
            (open_now.discard if isinstance(event, Anomaly.Resolved) else open_now.add)(who)
            blocking = sum(1 for a in open_now if severity.get(a) == Severity.BLOCKING)
            burndown.append((at, len(open_now), blocking))
    return operations, batches, burndown


def _anomaly_counts(ledger: Ledger, wave: str) -> dict[str, dict[str, int]]:
    from erpflow.projections.anomalies import anomalies

    counts: dict[str, dict[str, int]] = {s: {"raised": 0, "open": 0} for s in Severity}
    for anomaly in anomalies(ledger, wave):
        counts[anomaly.severity]["raised"] += 1
        counts[anomaly.severity]["open"] += anomaly.open
    return counts


def _gate(ledger: Ledger, wave: str, method: Method) -> GateEvaluation | None:
    try:
        return evaluate_gate(ledger, wave, method)
    except CommandRefused:  # no gate applies to this kind of wave
        return None


def _raci(method: Method) -> list[dict[str, str]]:
    return [
        {
            "operation": op.id,
            "title": op.title,
            "responsible": ", ".join(op.raci.responsible),
            "accountable": op.raci.accountable,
            "consulted": ", ".join(op.raci.consulted),
            "informed": ", ".join(op.raci.informed),
        }
        for op in method.cycle.operations
    ]
