"""Gate decisions and training attendance: one small stream each per wave, apart from the wave's runs."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import attendance_id, gate_id
from erpflow.model.vocabulary import Decision


class GateDecisions(Aggregate):
    """Every go or no-go recorded on a wave's exit gate; the latest stands."""

    @staticmethod
    def create_id(wave: str, **_: Any):
        return gate_id(wave)

    class Opened(Aggregate.Created):
        wave: str
        ctx: dict[str, str]

    @event(Opened)
    def __init__(self, wave: str, ctx: dict[str, str]):
        self.wave = wave
        self.latest: dict[str, Any] | None = None

    def decide(
        self,
        gate: str,
        decision: str,
        criteria: list[dict[str, Any]],
        evidence: str,
        ctx: dict[str, str],
        comment: str = "",
    ) -> None:
        """Record a go or no-go with the criteria as measured, their evidence and the decider's comment."""
        if decision not in set(Decision):
            raise CommandRefused(f"a gate decision is go or no-go, not {decision!r}")
        if decision == Decision.GO and not all(c["passed"] for c in criteria):
            failed = ", ".join(c["id"] for c in criteria if not c["passed"])
            raise CommandRefused(f"gate {gate} of wave {self.wave!r} cannot be go: {failed} failed")
        self._decide(gate, str(Decision(decision)), criteria, evidence, ctx, comment)

    class Decided(Aggregate.Event):
        gate: str
        decision: str
        criteria: list[dict[str, Any]]
        evidence: str
        ctx: dict[str, str]
        comment: str

    @event(Decided)
    def _decide(
        self,
        gate: str,
        decision: str,
        criteria: list[dict[str, Any]],
        evidence: str,
        ctx: dict[str, str],
        comment: str = "",
    ) -> None:
        self.latest = decided(gate, decision, criteria, evidence, ctx, comment)


def decided(
    gate: str, decision: str, criteria: list[dict[str, Any]], evidence: str, ctx: dict[str, str], comment: str
) -> dict[str, Any]:
    return {
        "gate": gate,
        "decision": decision,
        "criteria": criteria,
        "evidence": evidence,
        "by": ctx.get("actor", ""),
        "comment": comment,
    }


class Attendance(Aggregate):
    """The sign-in sheets of a wave's training sessions: per session, who came; a later sheet wins."""

    @staticmethod
    def create_id(wave: str, **_: Any):
        return attendance_id(wave)

    class Opened(Aggregate.Created):
        wave: str
        ctx: dict[str, str]

    @event(Opened)
    def __init__(self, wave: str, ctx: dict[str, str]):
        self.wave = wave
        self.present: dict[str, list[str]] = {}

    class Recorded(Aggregate.Event):
        sheet: str
        digest: str
        present: dict[str, list[str]]
        absent: dict[str, list[str]]
        ctx: dict[str, str]

    @event(Recorded)
    def record(
        self, sheet: str, digest: str, present: dict[str, list[str]], absent: dict[str, list[str]], ctx: dict[str, str]
    ) -> None:
        """Record a sign-in sheet: per session, who came and who did not."""
        self.present = {**self.present, **{session: list(logins) for session, logins in present.items()}}
