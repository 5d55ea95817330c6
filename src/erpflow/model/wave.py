"""The Wave aggregate: a wave's plan, its runs and the life of each operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from erpflow.model.errors import CommandRefused
from erpflow.model.ids import wave_id


@dataclass(frozen=True)
class Lease:
    """Who holds a wave's run, until when, and with which plan file (to resume it by name)."""

    run_id: str
    holder: str  # host:pid of the process running the flow
    plan_path: str
    expires_at: str  # ISO 8601, UTC

    def expired(self, now: datetime) -> bool:
        return now >= datetime.fromisoformat(self.expires_at)


class Wave(Aggregate):
    """One roll-out wave. Its id is derived from its name."""

    @staticmethod
    def create_id(name: str, **_: Any):
        return wave_id(name)

    @event("Planned")
    def __init__(self, name: str, kind: str, sites: list[str], cycle: list[str], plan_digest: str,
                 inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]):
        self.name, self.kind, self.sites, self.cycle = name, kind, list(sites), list(cycle)
        self.plan_digest, self.inputs, self.plan = plan_digest, dict(inputs), plan
        self.run_id: str | None = None
        self.lease: Lease | None = None
        self.plan_path = ""
        self.runs: list[str] = []
        self.operations: dict[str, dict[str, Any]] = {}
        self.reconciliations: dict[str, dict[str, int]] = {}
        self.attendance: dict[str, list[str]] = {}  # session -> logins present
        self.gate: dict[str, Any] | None = None  # the latest gate decision
        self.state = "planned"

    def replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        """Record a changed plan or input; an unchanged one records nothing."""
        if plan_digest != self.plan_digest or inputs != self.inputs:
            self._replan(plan_digest, inputs, plan, ctx)

    @event("Replanned")
    def _replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        self.plan_digest, self.inputs, self.plan = plan_digest, dict(inputs), plan

    def start(self, run_id: str, ctx: dict[str, str], *, holder: str = "", plan_path: str = "",
              expires_at: str = "9999-12-31T00:00:00+00:00", now: datetime | None = None,
              holder_dead: bool = False) -> None:
        """Start a run holding the wave's lease. A live lease refuses; an expired one, or one whose
        holder is known to be dead, is taken over and its run recorded as abandoned."""
        if self.run_id is not None:
            if not self.lease_lapsed(now, holder_dead):
                raise CommandRefused(self.held_by())
            why = "its process is gone" if holder_dead else "its lease expired"
            self._abandon(self.run_id, why, ctx)
        self._start(run_id, ctx)
        self._lease(run_id, holder, plan_path, expires_at, ctx)

    def lease_lapsed(self, now: datetime | None, holder_dead: bool = False) -> bool:
        """Whether the current run's lease may be taken over (a run recorded without a lease may)."""
        if self.run_id is None or self.lease is None or holder_dead:
            return True
        return now is not None and self.lease.expired(now)

    def held_by(self) -> str:
        lease = self.lease
        where = f" ({lease.holder}, lease until {lease.expires_at[:19]} UTC)" if lease and lease.holder else ""
        return f"wave {self.name!r} is already being run by run {self.run_id}{where}"

    @event("Started")
    def _start(self, run_id: str, ctx: dict[str, str]) -> None:
        self.run_id = run_id
        self.runs.append(run_id)
        self.state = "running"

    @event("Leased")
    def _lease(self, run_id: str, holder: str, plan_path: str, expires_at: str, ctx: dict[str, str]) -> None:
        self.lease = Lease(run_id, holder, plan_path, expires_at)
        self.plan_path = plan_path or self.plan_path

    def renew(self, run_id: str, expires_at: str, ctx: dict[str, str]) -> None:
        """Extend the lease of the run that holds it; a run that lost it must stop."""
        if self.run_id != run_id:
            raise CommandRefused(f"run {run_id} no longer holds wave {self.name!r}: "
                                 f"{self.held_by() if self.run_id else 'its lease was released'}")
        self._renew(expires_at, ctx)

    @event("LeaseRenewed")
    def _renew(self, expires_at: str, ctx: dict[str, str]) -> None:
        if self.lease is not None:
            self.lease = Lease(self.lease.run_id, self.lease.holder, self.lease.plan_path, expires_at)

    @event("RunAbandoned")
    def _abandon(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.run_id, self.lease = None, None
        for operation in self.operations.values():
            if operation["state"] == "running":
                operation["state"] = "interrupted"

    def start_operation(self, operation: str, batches: list[str], ctx: dict[str, str]) -> None:
        self.check_running()
        self._start_operation(operation, batches, ctx)

    @event("OperationStarted")
    def _start_operation(self, operation: str, batches: list[str], ctx: dict[str, str]) -> None:
        self.operations[operation] = {"state": "running", "batches": list(batches), "summary": {}}

    def finish_operation(self, operation: str, summary: dict[str, int], ctx: dict[str, str]) -> None:
        self.check_running()
        if self.operations.get(operation, {}).get("state") != "running":
            raise CommandRefused(f"operation {operation!r} of wave {self.name!r} was not started")
        self._finish_operation(operation, summary, ctx)

    @event("OperationFinished")
    def _finish_operation(self, operation: str, summary: dict[str, int], ctx: dict[str, str]) -> None:
        failed = summary.get("batches_failed", 0)
        self.operations[operation].update(state="failed" if failed else "done", summary=dict(summary))

    def reconcile(self, dataset: str, read: int, loaded: int, rejected: int, ctx: dict[str, str]) -> None:
        """Record a dataset's counts; the same counts as last recorded record nothing."""
        self.check_running()
        balanced = read == loaded + rejected
        counts = {"read": read, "loaded": loaded, "rejected": rejected, "balanced": balanced}
        if self.reconciliations.get(dataset) != counts:
            self._reconcile(dataset, read, loaded, rejected, balanced, ctx)

    @event("Reconciled")
    def _reconcile(self, dataset: str, read: int, loaded: int, rejected: int, balanced: bool,
                   ctx: dict[str, str]) -> None:
        self.reconciliations[dataset] = {"read": read, "loaded": loaded, "rejected": rejected,
                                         "balanced": balanced}

    def complete(self, summary: dict[str, Any], ctx: dict[str, str]) -> None:
        self.check_running()
        self._complete(self.run_id, summary, ctx)

    @event("Completed")
    def _complete(self, run_id: str, summary: dict[str, Any], ctx: dict[str, str]) -> None:
        self.run_id, self.lease = None, None
        self.state = "completed" if all(self.operations.get(op, {}).get("state") == "done"
                                        for op in self.cycle) else "incomplete"

    def abort(self, reason: str, ctx: dict[str, str]) -> None:
        self.check_running()
        self._abort(self.run_id, reason, ctx)

    @event("Aborted")
    def _abort(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.run_id, self.lease, self.state = None, None, "aborted"
        for operation in self.operations.values():
            if operation["state"] == "running":
                operation["state"] = "interrupted"

    def record_attendance(self, sheet: str, digest: str, present: dict[str, list[str]],
                          absent: dict[str, list[str]], ctx: dict[str, str]) -> None:
        """Record a sign-in sheet: per session, who came and who did not; a later sheet for a session wins."""
        self._record_attendance(sheet, digest, present, absent, ctx)

    @event("AttendanceRecorded")
    def _record_attendance(self, sheet: str, digest: str, present: dict[str, list[str]],
                           absent: dict[str, list[str]], ctx: dict[str, str]) -> None:
        attendance = dict(getattr(self, "attendance", {}))
        attendance.update({session: list(logins) for session, logins in present.items()})
        self.attendance = attendance

    def decide_gate(self, gate: str, decision: str, criteria: list[dict[str, Any]], evidence: str,
                    ctx: dict[str, str], comment: str = "") -> None:
        """Record a go or no-go on the wave's exit gate, with the criteria as measured, their evidence and
        the decider's comment."""
        if decision not in ("go", "no-go"):
            raise CommandRefused(f"a gate decision is go or no-go, not {decision!r}")
        if decision == "go" and not all(c["passed"] for c in criteria):
            failed = ", ".join(c["id"] for c in criteria if not c["passed"])
            raise CommandRefused(f"gate {gate} of wave {self.name!r} cannot be go: {failed} failed")
        self._decide_gate(gate, decision, criteria, evidence, ctx, comment)

    @event("GateDecided")
    def _decide_gate(self, gate: str, decision: str, criteria: list[dict[str, Any]], evidence: str,
                     ctx: dict[str, str], comment: str = "") -> None:
        self.gate = {"gate": gate, "decision": decision, "criteria": criteria, "evidence": evidence,
                     "by": ctx.get("actor", ""), "comment": comment}

    @event("Sealed")
    def seal(self, position: int, head: str, ctx: dict[str, str]) -> None:
        """Record the head of the event log's hash chain: every record up to ``position`` is covered."""
        self.seals = [*getattr(self, "seals", []), {"position": position, "head": head}]

    def check_running(self) -> None:
        if self.run_id is None:
            raise CommandRefused(f"wave {self.name!r} has no run in progress")
