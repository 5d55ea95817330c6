"""The Batch aggregate: one stream per wave x operation x batch key."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eventsourcing.domain import Aggregate, event

from .errors import CommandRefused
from .ids import batch_id


class Batch(Aggregate):
    """A unit of work sent to a target in one call; done at most once."""

    @staticmethod
    def create_id(wave: str, operation: str, key: str, **_: Any):
        return batch_id(wave, operation, key)

    @event("Opened")
    def __init__(self, wave: str, operation: str, key: str, items: int, digest: str,
                 details: dict[str, Any], ctx: dict[str, str]):
        self.wave, self.operation, self.key = wave, operation, key
        self.items, self.digest, self.details = items, digest, details
        self.status = "open"
        self.attempts = 0
        self.outcomes: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.failure = ""

    @property
    def done(self) -> bool:
        return self.status == "succeeded"

    def attempt(self, run_id: str, ctx: dict[str, str]) -> None:
        if self.done:
            raise CommandRefused(f"batch {self.operation}/{self.key} of wave {self.wave!r} is already done")
        self._attempt(run_id, ctx)

    @event("Attempted")
    def _attempt(self, run_id: str, ctx: dict[str, str]) -> None:
        self.status = "attempted"
        self.attempts += 1

    def succeed(self, outcomes: list[dict[str, Any]], ctx: dict[str, str]) -> None:
        self.check_attempted()
        counts = dict(Counter(o["status"] for o in outcomes))
        self._succeed(outcomes, counts, ctx)

    @event("Succeeded")
    def _succeed(self, outcomes: list[dict[str, Any]], counts: dict[str, int], ctx: dict[str, str]) -> None:
        self.status, self.outcomes, self.counts = "succeeded", list(outcomes), dict(counts)

    def fail(self, reason: str, retryable: bool, ctx: dict[str, str]) -> None:
        self.check_attempted()
        self._fail(reason, retryable, ctx)

    @event("Failed")
    def _fail(self, reason: str, retryable: bool, ctx: dict[str, str]) -> None:
        self.status, self.failure = "failed", reason

    def check_attempted(self) -> None:
        if self.status != "attempted":
            raise CommandRefused(f"batch {self.operation}/{self.key} of wave {self.wave!r} was not attempted")
