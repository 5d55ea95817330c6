"""A business step's confirmation: one small stream per wave x step, written once.

Business steps are the non-technical side of the cycle (freeze the legacy tool, validate opening balances...);
the method names each with its RACI. A step is done when the person accountable confirms it, with a comment
and the sha256 of an evidence file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import NAMESPACE

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def step_id(wave: str, step: str) -> UUID:
    return uuid5(NAMESPACE, f"step/{wave}/{step}")


@dataclass(frozen=True)
class Confirmation:
    """Who confirmed a step, in their words, and the digest of the evidence they gave."""

    step: str
    by: str
    comment: str
    evidence: str  # the evidence file's name
    sha256: str

    def changes(self) -> dict[str, list[Any]]:
        return {
            "confirmed_by": [None, self.by],
            "comment": [None, self.comment],
            "evidence": [None, f"{self.evidence} sha256:{self.sha256}"],
        }


def check_confirmation(step: str, comment: str, sha256: str) -> None:
    if not comment.strip():
        raise CommandRefused(f"confirming step {step!r} needs a comment")
    if not SHA256.match(sha256):
        raise CommandRefused(f"confirming step {step!r} needs the sha256 of an evidence file")


class StepConfirmation(Aggregate):
    """The confirmation of one business step of one wave."""

    @staticmethod
    def create_id(wave: str, step: str, **_: Any) -> UUID:
        return step_id(wave, step)

    class Confirmed(Aggregate.Created):
        wave: str
        step: str
        comment: str
        evidence: str
        sha256: str
        ctx: dict[str, str]

    @event(Confirmed)
    def __init__(self, wave: str, step: str, comment: str, evidence: str, sha256: str, ctx: dict[str, str]):
        self.wave, self.step, self.comment, self.evidence, self.sha256 = wave, step, comment, evidence, sha256
        self.ctx = ctx

    @classmethod
    def confirm(
        cls, wave: str, step: str, comment: str, evidence: str, sha256: str, ctx: dict[str, str]
    ) -> StepConfirmation:
        check_confirmation(step, comment, sha256)
        return cls(wave=wave, step=step, comment=comment.strip(), evidence=evidence, sha256=sha256, ctx=ctx)

    @property
    def confirmation(self) -> Confirmation:
        return Confirmation(self.step, self.ctx.get("actor", ""), self.comment, self.evidence, self.sha256)
