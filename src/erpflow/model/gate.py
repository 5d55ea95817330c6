"""Gate evaluation: each criterion of a gate measured against the facts of a wave. Pure."""

from __future__ import annotations

import hashlib
import json
import operator
from dataclasses import asdict, dataclass

from erpflow.model.vocabulary import RATES, Metric

COMPARE = {"==": operator.eq, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Facts:
    """What a wave's events say, as the gates' metrics need it."""

    open_anomalies: dict[str, int]  # severity -> open anomalies
    invited: int
    attended: int
    rows_read: int
    rows_rejected: int
    operations_done: int
    operations: int

    def metric(self, name: str, severity: str | None = None) -> float:
        if name == Metric.OPEN_ANOMALIES:
            return float(self.open_anomalies.get(severity, 0) if severity else sum(self.open_anomalies.values()))
        if name == Metric.TRAINING_COMPLETION:
            return self.attended / self.invited if self.invited else 0.0
        if name == Metric.MIGRATION_REJECT_RATE:
            return self.rows_rejected / self.rows_read if self.rows_read else 0.0
        if name == Metric.OPERATIONS_COMPLETED:
            return 1.0 if self.operations and self.operations_done == self.operations else 0.0
        raise ValueError(f"unknown metric {name!r}")


@dataclass(frozen=True)
class Result:
    id: str
    title: str
    measured: float
    op: str
    value: float
    passed: bool
    metric: str = ""

    def shown(self, number: float) -> str:
        """A measured or target value as people read it: rates in percent."""
        return f"{round(number * 100, 1):g}%" if self.metric in RATES else f"{number:g}"

    @property
    def target(self) -> str:
        return f"{self.op} {self.shown(self.value)}"


def evaluate(criteria: list, facts: Facts) -> list[Result]:
    """Each criterion (id, title, metric, severity, op, value) measured and compared."""
    results = []
    for c in criteria:
        measured = round(facts.metric(c.metric, c.severity), 4)
        results.append(Result(c.id, c.title, measured, c.op, c.value, COMPARE[c.op](measured, c.value), c.metric))
    return results


def evidence_digest(facts: Facts, results: list[Result]) -> str:
    """A digest of the facts and results a decision rests on."""
    payload = json.dumps({"facts": asdict(facts), "results": [asdict(r) for r in results]}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
