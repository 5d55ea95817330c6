"""The Wave aggregate: a wave's plan and the life of each operation.

Runs, gate decisions and attendance have streams of their own (model.run, model.decisions). A store written
before that split holds them in the wave's stream: those events still read, into ``carried``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import Aggregate, event

from erpflow.model.decisions import decided
from erpflow.model.errors import CommandRefused
from erpflow.model.ids import wave_id
from erpflow.model.run import Lease, RunState, interrupted
from erpflow.model.vocabulary import OperationState, WaveState

__all__ = ["Carried", "Lease", "Wave"]


@dataclass
class Carried:
    """What a store written before the split recorded on the wave: runs, attendance, the latest decision."""

    runs: RunState = field(default_factory=RunState)
    attendance: dict[str, list[str]] = field(default_factory=dict)
    gate: dict[str, Any] | None = None

    def as_runs(self) -> dict[str, Any] | None:
        """The run state to open a wave's own run stream with, if any run was recorded here."""
        r = self.runs
        if not r.runs:
            return None
        lease = vars(r.lease) if r.lease else None
        return {
            "run_id": r.run_id,
            "lease": lease,
            "runs": list(r.runs),
            "state": str(r.state),
            "plan_path": r.plan_path,
        }


class Wave(Aggregate):
    """One roll-out wave. Its id is derived from its name."""

    @staticmethod
    def create_id(name: str, **_: Any):
        return wave_id(name)

    class Planned(Aggregate.Created):
        name: str
        kind: str
        sites: list[str]
        cycle: list[str]
        plan_digest: str
        inputs: dict[str, str]
        plan: dict[str, Any]
        ctx: dict[str, str]

    @event(Planned)
    def __init__(
        self,
        name: str,
        kind: str,
        sites: list[str],
        cycle: list[str],
        plan_digest: str,
        inputs: dict[str, str],
        plan: dict[str, Any],
        ctx: dict[str, str],
    ):
        self.name, self.kind, self.sites, self.cycle = name, kind, list(sites), list(cycle)
        self.plan_digest, self.inputs, self.plan = plan_digest, dict(inputs), plan
        self.operations: dict[str, dict[str, Any]] = {}
        self.reconciliations: dict[str, dict[str, int]] = {}
        self.started_by: dict[str, str] = {}  # operation -> the run that last started it
        self.carried = Carried()

    def replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        """Record a changed plan or input; an unchanged one records nothing."""
        if plan_digest != self.plan_digest or inputs != self.inputs:
            self._replan(plan_digest, inputs, plan, ctx)

    class Replanned(Aggregate.Event):
        plan_digest: str
        inputs: dict[str, str]
        plan: dict[str, Any]
        ctx: dict[str, str]

    @event(Replanned)
    def _replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        self.plan_digest, self.inputs, self.plan = plan_digest, dict(inputs), plan

    class OperationStarted(Aggregate.Event):
        operation: str
        batches: list[str]
        ctx: dict[str, str]

    @event(OperationStarted)
    def start_operation(self, operation: str, batches: list[str], ctx: dict[str, str]) -> None:
        self.operations[operation] = {"state": OperationState.RUNNING, "batches": list(batches), "summary": {}}
        self.started_by[operation] = ctx.get("flow_run_id", "")

    def finish_operation(self, operation: str, summary: dict[str, int], ctx: dict[str, str]) -> None:
        if self.operations.get(operation, {}).get("state") != OperationState.RUNNING:
            raise CommandRefused(f"operation {operation!r} of wave {self.name!r} was not started")
        self._finish_operation(operation, summary, ctx)

    class OperationFinished(Aggregate.Event):
        operation: str
        summary: dict[str, int]
        ctx: dict[str, str]

    @event(OperationFinished)
    def _finish_operation(self, operation: str, summary: dict[str, int], ctx: dict[str, str]) -> None:
        failed = summary.get("batches_failed", 0)
        self.operations[operation].update(
            state=OperationState.FAILED if failed else OperationState.DONE, summary=dict(summary)
        )

    def settled(
        self,
        plan_digest: str,
        inputs: dict[str, str],
        left_out: dict[str, dict[str, int]],
        batches: dict[str, list[str]],
    ) -> bool:
        """Whether a run would change nothing: the same plan, inputs and rows left out, and each operation of
        ``batches`` (operation -> batch keys, in order) done with those very batches."""
        return (
            plan_digest == self.plan_digest
            and inputs == self.inputs
            and _counted(left_out) == self.rows_left_out
            and all(
                self.operations.get(op, {}).get("state") == OperationState.DONE
                and self.operations[op]["batches"] == keys
                for op, keys in batches.items()
            )
        )

    def interrupt(self, live_run: str | None) -> None:
        """Operations left running by a run other than the live one read as interrupted (not an event: the
        runs' stream says the run stopped)."""
        interrupted(
            {
                op: state
                for op, state in self.operations.items()
                if live_run is None or self.started_by.get(op) != live_run
            }
        )

    @property
    def every_operation_done(self) -> bool:
        return all(self.operations.get(op, {}).get("state") == OperationState.DONE for op in self.cycle)

    def reconcile(
        self, dataset: str, read: int, loaded: int, rejected: int, ctx: dict[str, str], left_out: int = 0
    ) -> None:
        """Record a dataset's counts (rows read = loaded + rejected + left out by the plan's leave_out rules);
        the same counts as last recorded record nothing."""
        balanced = read == loaded + rejected + left_out
        counts = {"read": read, "loaded": loaded, "rejected": rejected, "balanced": balanced}
        if left_out:
            counts["left_out"] = left_out
        if self.reconciliations.get(dataset) != counts:
            self._reconcile(dataset, read, loaded, rejected, balanced, ctx, left_out)

    class Reconciled(Aggregate.Event):
        dataset: str
        read: int
        loaded: int
        rejected: int
        balanced: bool
        ctx: dict[str, str]
        left_out: int = 0

    @event(Reconciled)
    def _reconcile(
        self,
        dataset: str,
        read: int,
        loaded: int,
        rejected: int,
        balanced: bool,
        ctx: dict[str, str],
        left_out: int = 0,
    ) -> None:
        counts = {"read": read, "loaded": loaded, "rejected": rejected, "balanced": balanced}
        self.reconciliations[dataset] = {**counts, "left_out": left_out} if left_out else counts

    @property
    def rows_left_out(self) -> dict[str, dict[str, int]]:
        """Rows the plan's leave_out rules dropped, as last recorded: section -> rule -> rows."""
        return dict(getattr(self, "_left_out", {}))

    def leave_out(self, counts: dict[str, dict[str, int]], ctx: dict[str, str]) -> None:
        """Record the rows each leave_out rule drops (counts only, no row); the same counts record nothing."""
        counts = _counted(counts)
        if counts != self.rows_left_out:
            self._leave_out(counts, ctx)

    class RowsLeftOut(Aggregate.Event):
        counts: dict[str, dict[str, int]]
        ctx: dict[str, str]

    @event(RowsLeftOut)
    def _leave_out(self, counts: dict[str, dict[str, int]], ctx: dict[str, str]) -> None:
        self._left_out = counts

    class Sealed(Aggregate.Event):
        position: int
        head: str
        ctx: dict[str, str]

    @event(Sealed)
    def seal(self, position: int, head: str, ctx: dict[str, str]) -> None:
        """Record the head of the event log's hash chain: every record up to ``position`` is covered."""
        self.seals = [*getattr(self, "seals", []), {"position": position, "head": head}]

    # Events a store written before runs, decisions and attendance had streams of their own holds here.

    class Started(Aggregate.Event):
        run_id: str
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.started(self.run_id)

    class Leased(Aggregate.Event):
        run_id: str
        holder: str
        plan_path: str
        expires_at: str
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.leased(self.run_id, self.holder, self.plan_path, self.expires_at)

    class LeaseRenewed(Aggregate.Event):
        expires_at: str
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.renewed(self.expires_at)

    class RunAbandoned(Aggregate.Event):
        run_id: str
        reason: str
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.ended()
            interrupted(wave.operations)

    class Completed(Aggregate.Event):
        run_id: str
        summary: dict[str, Any]
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.ended(WaveState.COMPLETED if wave.every_operation_done else WaveState.INCOMPLETE)

    class Aborted(Aggregate.Event):
        run_id: str
        reason: str
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.runs.ended(WaveState.ABORTED)
            interrupted(wave.operations)

    class AttendanceRecorded(Aggregate.Event):
        sheet: str
        digest: str
        present: dict[str, list[str]]
        absent: dict[str, list[str]]
        ctx: dict[str, str]

        def apply(self, wave: Wave) -> None:
            wave.carried.attendance.update({s: list(logins) for s, logins in self.present.items()})

    class GateDecided(Aggregate.Event):
        gate: str
        decision: str
        criteria: list[dict[str, Any]]
        evidence: str
        ctx: dict[str, str]
        comment: str = ""

        def apply(self, wave: Wave) -> None:
            wave.carried.gate = decided(self.gate, self.decision, self.criteria, self.evidence, self.ctx, self.comment)


def _counted(left_out: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Rows left out per section and rule, as recorded: the sections no rule dropped a row of left out."""
    return {section: dict(rules) for section, rules in left_out.items() if rules}
