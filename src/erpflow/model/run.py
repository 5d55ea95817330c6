"""The runs of a wave, one stream per wave: start, lease, renewal, abandon, completion, abort.

Only a run writes here, so a command typed while the wave runs never contends with its lease renewal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import runs_id
from erpflow.model.vocabulary import OperationState, WaveState

FOREVER = "9999-12-31T00:00:00+00:00"


@dataclass(frozen=True)
class Lease:
    """Who holds a wave's run, until when, and with which plan file (to resume it by name)."""

    run_id: str
    holder: str  # host:pid of the process running the flow
    plan_path: str
    expires_at: str  # ISO 8601, UTC

    def expired(self, now: datetime) -> bool:
        return now >= datetime.fromisoformat(self.expires_at)


@dataclass
class RunState:
    """The run in progress (if any), its lease, every run so far and how the last one ended."""

    run_id: str | None = None
    lease: Lease | None = None
    runs: list[str] = field(default_factory=list)
    state: str = WaveState.PLANNED
    plan_path: str = ""

    def started(self, run_id: str) -> None:
        self.run_id, self.state = run_id, WaveState.RUNNING
        self.runs.append(run_id)

    def leased(self, run_id: str, holder: str, plan_path: str, expires_at: str) -> None:
        self.lease = Lease(run_id, holder, plan_path, expires_at)
        self.plan_path = plan_path or self.plan_path

    def renewed(self, expires_at: str) -> None:
        if self.lease is not None:
            self.lease = Lease(self.lease.run_id, self.lease.holder, self.lease.plan_path, expires_at)

    def ended(self, state: str | None = None) -> None:
        self.run_id, self.lease = None, None
        self.state = state or self.state

    def lapsed(self, now: datetime | None, holder_dead: bool = False) -> bool:
        """Whether the current run's lease may be taken over (a run recorded without a lease may)."""
        if self.run_id is None or self.lease is None or holder_dead:
            return True
        return now is not None and self.lease.expired(now)

    def held_by(self, wave: str) -> str:
        lease = self.lease
        where = f" ({lease.holder}, lease until {lease.expires_at[:19]} UTC)" if lease and lease.holder else ""
        return f"wave {wave!r} is already being run by run {self.run_id}{where}"


def interrupted(operations: dict[str, dict[str, Any]]) -> None:
    """Operations left running by a run that stopped."""
    for operation in operations.values():
        if operation["state"] == OperationState.RUNNING:
            operation["state"] = OperationState.INTERRUPTED


class Runs(Aggregate):
    """The runs of one wave. ``carried`` is the run state an older store recorded on the wave itself."""

    @staticmethod
    def create_id(wave: str, **_: Any):
        return runs_id(wave)

    class Opened(Aggregate.Created):
        wave: str
        ctx: dict[str, str]
        carried: dict[str, Any] | None

    @event(Opened)
    def __init__(self, wave: str, ctx: dict[str, str], carried: dict[str, Any] | None = None):
        self.wave = wave
        self.current = RunState()
        if carried:
            self.current = RunState(
                carried["run_id"],
                Lease(**carried["lease"]) if carried["lease"] else None,
                list(carried["runs"]),
                carried["state"],
                carried["plan_path"],
            )

    def start(
        self,
        run_id: str,
        ctx: dict[str, str],
        *,
        holder: str = "",
        plan_path: str = "",
        expires_at: str = FOREVER,
        now: datetime | None = None,
        holder_dead: bool = False,
    ) -> None:
        """Start a run holding the wave's lease. A live lease refuses; an expired one, or one whose
        holder is known to be dead, is taken over and its run recorded as abandoned."""
        if self.current.run_id is not None:
            if not self.current.lapsed(now, holder_dead):
                raise CommandRefused(self.held_by())
            why = "its process is gone" if holder_dead else "its lease expired"
            self._abandon(self.current.run_id, why, ctx)
        self._start(run_id, ctx)
        self._lease(run_id, holder, plan_path, expires_at, ctx)

    @property
    def run_id(self) -> str | None:
        return self.current.run_id

    def held_by(self) -> str:
        return self.current.held_by(self.wave)

    class Started(Aggregate.Event):
        run_id: str
        ctx: dict[str, str]

    @event(Started)
    def _start(self, run_id: str, ctx: dict[str, str]) -> None:
        self.current.started(run_id)

    class Leased(Aggregate.Event):
        run_id: str
        holder: str
        plan_path: str
        expires_at: str
        ctx: dict[str, str]

    @event(Leased)
    def _lease(self, run_id: str, holder: str, plan_path: str, expires_at: str, ctx: dict[str, str]) -> None:
        self.current.leased(run_id, holder, plan_path, expires_at)

    def renew(self, run_id: str, expires_at: str, ctx: dict[str, str]) -> None:
        """Extend the lease of the run that holds it; a run that lost it must stop."""
        self.check_holds(run_id)
        self._renew(expires_at, ctx)

    class LeaseRenewed(Aggregate.Event):
        expires_at: str
        ctx: dict[str, str]

    @event(LeaseRenewed)
    def _renew(self, expires_at: str, ctx: dict[str, str]) -> None:
        self.current.renewed(expires_at)

    class RunAbandoned(Aggregate.Event):
        run_id: str
        reason: str
        ctx: dict[str, str]

    @event(RunAbandoned)
    def _abandon(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.current.ended()

    def complete(self, run_id: str, summary: dict[str, Any], every_operation_done: bool, ctx: dict[str, str]) -> None:
        self.check_holds(run_id)
        state = WaveState.COMPLETED if every_operation_done else WaveState.INCOMPLETE
        self._complete(run_id, summary, str(state), ctx)

    class Completed(Aggregate.Event):
        run_id: str
        summary: dict[str, Any]
        state: str
        ctx: dict[str, str]

    @event(Completed)
    def _complete(self, run_id: str, summary: dict[str, Any], state: str, ctx: dict[str, str]) -> None:
        self.current.ended(state)

    def abort(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.check_holds(run_id)
        self._abort(run_id, reason, ctx)

    class Aborted(Aggregate.Event):
        run_id: str
        reason: str
        ctx: dict[str, str]

    @event(Aborted)
    def _abort(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.current.ended(WaveState.ABORTED)

    def check_holds(self, run_id: str) -> None:
        if self.current.run_id != run_id:
            raise CommandRefused(
                f"run {run_id} no longer holds wave {self.wave!r}: "
                f"{self.held_by() if self.current.run_id else 'its lease was released'}"
            )
