"""The Anomaly aggregate: raised, commented, resolved."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import anomaly_id, manual_anomaly_id
from erpflow.model.vocabulary import Severity

SEVERITIES = tuple(Severity)
MANUAL, RUN = "manual", "run"  # who raised it: a person, or a run (a rejected item, a failed batch)


class Anomaly(Aggregate):
    """Something wrong found during a wave, tracked until resolved."""

    @staticmethod
    def create_id(wave: str, operation: str, item: str, origin: str = RUN, number: int = 1, **_: Any) -> UUID:
        if origin == MANUAL:
            return manual_anomaly_id(wave, operation, item, number)
        return anomaly_id(wave, operation, item)

    class Raised(Aggregate.Created):
        """Version 2 says who raised it (``origin``), so that each anomaly raised by hand gets a stream of its
        own; version 1 did not, and reads back as raised by hand when no flow run recorded it."""

        wave: str
        operation: str
        item: str
        severity: str
        reason: str
        ctx: dict[str, str]
        origin: str
        number: int
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["origin"] = RUN if state["ctx"].get("flow_run_id") else MANUAL
            state["number"] = 0

    @event(Raised)
    def __init__(
        self,
        wave: str,
        operation: str,
        item: str,
        severity: str,
        reason: str,
        ctx: dict[str, str],
        origin: str = RUN,
        number: int = 1,
    ):
        if severity not in SEVERITIES:
            raise CommandRefused(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        if not reason.strip():
            raise CommandRefused("an anomaly needs a reason")
        self.wave, self.operation, self.item = wave, operation, item
        self.severity, self.reason = Severity(severity), reason
        self.origin, self.number = origin, number
        self.comments: list[str] = []
        self.resolution: str | None = None

    @property
    def open(self) -> bool:
        return self.resolution is None

    class Commented(Aggregate.Event):
        text: str
        ctx: dict[str, str]

    @event(Commented)
    def comment(self, text: str, ctx: dict[str, str]) -> None:
        self.comments.append(text)

    def resolve(self, resolution: str, ctx: dict[str, str]) -> None:
        if not resolution.strip():
            raise CommandRefused("resolving an anomaly needs a reason: say how it was treated")
        if not self.open:
            raise CommandRefused(f"anomaly on {self.item!r} is already resolved")
        self._resolve(resolution, ctx)

    class Resolved(Aggregate.Event):
        resolution: str
        ctx: dict[str, str]

    @event(Resolved)
    def _resolve(self, resolution: str, ctx: dict[str, str]) -> None:
        self.resolution = resolution

    def reopen(self, reason: str, ctx: dict[str, str]) -> None:
        if self.open:
            raise CommandRefused(f"anomaly on {self.item!r} is open already")
        self._reopen(reason, ctx)

    class Reopened(Aggregate.Event):
        reason: str
        ctx: dict[str, str]

    @event(Reopened)
    def _reopen(self, reason: str, ctx: dict[str, str]) -> None:
        self.resolution, self.reason = None, reason
