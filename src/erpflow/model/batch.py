"""The Batch aggregate: one stream per wave x operation x batch key."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import batch_id
from erpflow.model.vocabulary import BatchState


class Batch(Aggregate):
    """A unit of work sent to a target in one call; done at most once."""

    @staticmethod
    def create_id(wave: str, operation: str, key: str, **_: Any):
        """The id when none is given, as a store made by this version names it (the ledger gives the one its
        store's `Naming` gives)."""
        return batch_id(wave, operation, key)

    class Opened(Aggregate.Created):
        """Version 2 names the items of the batch (their natural keys), so that an interrupted batch can be
        looked up from its events alone; version 1 did not, and reads back with no refs."""

        wave: str
        operation: str
        key: str
        items: int
        digest: str
        details: dict[str, Any]
        ctx: dict[str, str]
        refs: list[str]
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["refs"] = []

    @event(Opened)
    def __init__(
        self,
        wave: str,
        operation: str,
        key: str,
        items: int,
        digest: str,
        details: dict[str, Any],
        ctx: dict[str, str],
        refs: list[str] | None = None,
        id: UUID | None = None,  # the stream's id, given by the ledger; not part of the event
    ):
        self.wave, self.operation, self.key = wave, operation, key
        self.items, self.digest, self.details = items, digest, details
        self.refs = list(refs or [])
        self.status = BatchState.OPEN
        self.attempts = 0
        self.outcomes: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.failure = ""
        self.found_after_interruption: dict[str, str] = {}

    @property
    def done(self) -> bool:
        return self.status == BatchState.SUCCEEDED

    @property
    def in_doubt(self) -> bool:
        """Attempted with no recorded outcome: the target may or may not hold its writes."""
        return self.status == BatchState.ATTEMPTED

    def force(self, reason: str, ctx: dict[str, str]) -> None:
        """Reopen a done batch so that it runs again; who forced it and why are recorded."""
        if not self.done:
            raise CommandRefused(
                f"batch {self.operation}/{self.key} of wave {self.wave!r} is not done: "
                "only a batch that is done can be forced"
            )
        if not reason.strip():
            raise CommandRefused("forcing a batch that is done needs a reason")
        self._force(reason, ctx)

    class Forced(Aggregate.Event):
        reason: str
        ctx: dict[str, str]

    @event(Forced)
    def _force(self, reason: str, ctx: dict[str, str]) -> None:
        self.status = BatchState.OPEN

    def reconcile(self, found: dict[str, str], missing: list[str], ctx: dict[str, str]) -> None:
        """Record what the target holds of an interrupted attempt, before anything is written again."""
        if not self.in_doubt:
            raise CommandRefused(f"batch {self.operation}/{self.key} of wave {self.wave!r} is not in doubt")
        self._reconcile(found, missing, ctx)

    class Reconciled(Aggregate.Event):
        found: dict[str, str]
        missing: list[str]
        ctx: dict[str, str]

    @event(Reconciled)
    def _reconcile(self, found: dict[str, str], missing: list[str], ctx: dict[str, str]) -> None:
        self.status = BatchState.OPEN
        self.found_after_interruption = dict(found)

    def attempt(self, run_id: str, ctx: dict[str, str]) -> None:
        if self.done:
            raise CommandRefused(f"batch {self.operation}/{self.key} of wave {self.wave!r} is already done")
        if self.in_doubt:
            raise CommandRefused(
                f"batch {self.operation}/{self.key} of wave {self.wave!r} was interrupted: "
                "reconcile it with the target first"
            )
        self._attempt(run_id, ctx)

    class Attempted(Aggregate.Event):
        run_id: str
        ctx: dict[str, str]

    @event(Attempted)
    def _attempt(self, run_id: str, ctx: dict[str, str]) -> None:
        self.status = BatchState.ATTEMPTED
        self.attempts += 1

    def succeed(self, outcomes: list[dict[str, Any]], ctx: dict[str, str]) -> None:
        self.check_attempted()
        counts = dict(Counter(o["status"] for o in outcomes))
        self._succeed(outcomes, counts, ctx)

    class Succeeded(Aggregate.Event):
        outcomes: list[dict[str, Any]]
        counts: dict[str, int]
        ctx: dict[str, str]

    @event(Succeeded)
    def _succeed(self, outcomes: list[dict[str, Any]], counts: dict[str, int], ctx: dict[str, str]) -> None:
        self.status, self.outcomes, self.counts = BatchState.SUCCEEDED, list(outcomes), dict(counts)

    def fail(self, reason: str, retryable: bool, ctx: dict[str, str]) -> None:
        self.check_attempted()
        self._fail(reason, retryable, ctx)

    class Failed(Aggregate.Event):
        reason: str
        retryable: bool
        ctx: dict[str, str]

    @event(Failed)
    def _fail(self, reason: str, retryable: bool, ctx: dict[str, str]) -> None:
        self.status, self.failure = BatchState.FAILED, reason

    def check_attempted(self) -> None:
        if self.status != BatchState.ATTEMPTED:
            raise CommandRefused(f"batch {self.operation}/{self.key} of wave {self.wave!r} was not attempted")
