"""The Anomaly aggregate: raised, commented, resolved."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import anomaly_id

SEVERITIES = ("blocking", "major", "minor")


class Anomaly(Aggregate):
    """Something wrong found during a wave, tracked until resolved."""

    @staticmethod
    def create_id(wave: str, operation: str, item: str, **_: Any):
        return anomaly_id(wave, operation, item)

    @event("Raised")
    def __init__(self, wave: str, operation: str, item: str, severity: str, reason: str, ctx: dict[str, str]):
        if severity not in SEVERITIES:
            raise CommandRefused(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        self.wave, self.operation, self.item = wave, operation, item
        self.severity, self.reason = severity, reason
        self.comments: list[str] = []
        self.resolution: str | None = None

    @property
    def open(self) -> bool:
        return self.resolution is None

    @event("Commented")
    def comment(self, text: str, ctx: dict[str, str]) -> None:
        self.comments.append(text)

    def resolve(self, resolution: str, ctx: dict[str, str]) -> None:
        if not self.open:
            raise CommandRefused(f"anomaly on {self.item!r} is already resolved")
        self._resolve(resolution, ctx)

    @event("Resolved")
    def _resolve(self, resolution: str, ctx: dict[str, str]) -> None:
        self.resolution = resolution

    def reopen(self, reason: str, ctx: dict[str, str]) -> None:
        if self.open:
            raise CommandRefused(f"anomaly on {self.item!r} is open already")
        self._reopen(reason, ctx)

    @event("Reopened")
    def _reopen(self, reason: str, ctx: dict[str, str]) -> None:
        self.resolution, self.reason = None, reason
