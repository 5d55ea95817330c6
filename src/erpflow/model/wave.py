"""The Wave aggregate: a wave's plan, its runs and the life of each operation."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from .errors import CommandRefused
from .ids import wave_id


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
        self.runs: list[str] = []
        self.operations: dict[str, dict[str, Any]] = {}
        self.reconciliations: dict[str, dict[str, int]] = {}
        self.state = "planned"

    def replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        """Record a changed plan or input; an unchanged one records nothing."""
        if plan_digest != self.plan_digest or inputs != self.inputs:
            self._replan(plan_digest, inputs, plan, ctx)

    @event("Replanned")
    def _replan(self, plan_digest: str, inputs: dict[str, str], plan: dict[str, Any], ctx: dict[str, str]) -> None:
        self.plan_digest, self.inputs, self.plan = plan_digest, dict(inputs), plan

    def start(self, run_id: str, ctx: dict[str, str]) -> None:
        if self.run_id is not None:
            raise CommandRefused(f"wave {self.name!r} is already being run by run {self.run_id}")
        self._start(run_id, ctx)

    @event("Started")
    def _start(self, run_id: str, ctx: dict[str, str]) -> None:
        self.run_id = run_id
        self.runs.append(run_id)
        self.state = "running"

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
        self.run_id, self.state = None, "completed"

    def abort(self, reason: str, ctx: dict[str, str]) -> None:
        self.check_running()
        self._abort(self.run_id, reason, ctx)

    @event("Aborted")
    def _abort(self, run_id: str, reason: str, ctx: dict[str, str]) -> None:
        self.run_id, self.state = None, "aborted"

    def check_running(self) -> None:
        if self.run_id is None:
            raise CommandRefused(f"wave {self.name!r} has no run in progress")
