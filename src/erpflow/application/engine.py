"""Running a prepared wave against its targets, recording every outcome in the ledger.

Independent of Prefect: erpflow.orchestration.flows wraps these steps in a flow and tasks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from erpflow.application import anomalies, lease, waves
from erpflow.application.faults import crash_point
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import PreparedWave
from erpflow.inputs.method import AnomalyRules
from erpflow.model.batch import Batch
from erpflow.model.context import Context
from erpflow.model.errors import CommandRefused
from erpflow.model.items import ItemOutcome
from erpflow.model.run import Runs
from erpflow.model.selection import select_operations
from erpflow.model.vocabulary import BatchOutcome, Decision, OperationState, WaveState
from erpflow.model.wave import Wave
from erpflow.operations import registry
from erpflow.operations.batches import BatchPlan
from erpflow.projections import items
from erpflow.targets.bundle import Targets
from erpflow.targets.errors import TargetError, TargetUnavailable

log = structlog.stdlib.get_logger("erpflow.application.engine")


@dataclass(frozen=True)
class BatchResult:
    key: str
    status: BatchOutcome
    counts: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    retryable: bool = False


def check_predecessor(ledger: Ledger, prepared: PreparedWave) -> None:
    """A wave planned after another may start only once that one's exit gate has a recorded go."""
    after = prepared.plan.after
    if not after:
        return
    previous = waves.find(ledger, after)
    decided = previous.gate if previous is not None else None
    if decided is not None and decided["decision"] == Decision.GO:
        return
    why = f"{after} has no recorded go"
    if previous is None:
        why += " (it has never run)"
    elif decided is not None:
        failed = ", ".join(c["id"] for c in decided["criteria"] if not c["passed"])
        why += f": its gate {decided['gate']} was no-go ({failed} failed)" if failed else ": its gate was no-go"
    else:
        why += f"; see `erpflow gate {after}`, then record it with --record"
    raise CommandRefused(f"wave {prepared.name} may not start: {why}")


def begin(ledger: Ledger, prepared: PreparedWave, actor: str, run_id: str, lease_seconds: float = 600) -> Context:
    """Record the plan (or its change) and the start of a run holding the wave's lease; the run's context."""
    check_predecessor(ledger, prepared)
    ctx = waves.context(prepared.name, actor, flow_run_id=run_id)
    wave = ledger.find_wave(prepared.name)
    if wave is None:
        wave = Wave(
            name=prepared.name,
            kind=prepared.plan.kind,
            sites=prepared.plan.sites,
            cycle=prepared.method.cycle.order,
            plan_digest=prepared.digest,
            inputs=prepared.inputs,
            plan=prepared.snapshot(),
            ctx=ctx.as_dict(),
        )
    else:
        wave.replan(prepared.digest, prepared.inputs, prepared.snapshot(), ctx.as_dict())
    wave.leave_out(prepared.left_out, ctx.as_dict())
    runs = waves.runs(ledger, wave) or Runs(wave=wave.name, ctx=ctx.as_dict(), carried=wave.carried.as_runs())
    current = runs.current
    holder_dead = current.run_id is not None and current.lease is not None and lease.holder_gone(current.lease.holder)
    runs.start(
        run_id,
        ctx.as_dict(),
        holder=lease.this_holder(),
        plan_path=str(prepared.path.resolve()),
        expires_at=lease.expiry(lease_seconds),
        now=datetime.now(UTC),
        holder_dead=holder_dead,
    )
    try:
        ledger.save(wave, runs)
    except CommandRefused:  # another run started at the same moment and recorded first
        raise CommandRefused(waves.view(ledger, prepared.name).held_by()) from None
    return ctx


def _runs(ledger: Ledger, ctx: Context) -> Runs:
    found = waves.runs(ledger, ledger.wave(ctx.wave))
    if found is None:
        raise CommandRefused(f"wave {ctx.wave!r} has no run in progress")
    return found


def renew_lease(ledger: Ledger, ctx: Context, lease_seconds: float) -> None:
    """Extend the run's lease when less than half of it is left; raises if the run lost it."""
    runs = _runs(ledger, ctx)
    held = runs.current.lease
    left = (
        (datetime.fromisoformat(held.expires_at) - datetime.now(UTC)).total_seconds()
        if held is not None and runs.run_id == ctx.flow_run_id
        else 0
    )
    if left < lease_seconds / 2:
        runs.renew(ctx.flow_run_id, lease.expiry(lease_seconds), ctx.as_dict())
        ledger.save(runs)


def operations_to_run(
    ledger: Ledger, prepared: PreparedWave, start_from: str | None = None, only: str | None = None
) -> list[str]:
    """The operations of this run, their dependencies checked against what the wave has done."""
    wave = ledger.find_wave(prepared.name)
    done = {
        op for op, recorded in (wave.operations.items() if wave else ()) if recorded["state"] == OperationState.DONE
    }
    cycle = prepared.method.cycle
    depends = {op.id: op.depends_on for op in cycle.operations}
    return select_operations(cycle.order, depends, done, start_from, only)


def nothing_to_do(ledger: Ledger, prepared: PreparedWave, operations: list[str]) -> bool:
    """Whether a run of ``operations`` would change nothing: the wave's last run ended (not stopped) in the
    state a new one would end in, with this very plan and these inputs, and each operation is done with the
    very batches prepared now."""
    found = waves.find(ledger, prepared.name)
    if found is None or found.state not in (WaveState.COMPLETED, WaveState.INCOMPLETE):
        return False
    keys = {op: [b.key for b in prepared.batches[op]] for op in operations}
    wave = found.wave
    ends_the_same = (found.state == WaveState.COMPLETED) == wave.every_operation_done
    return ends_the_same and wave.settled(prepared.digest, prepared.inputs, prepared.left_out, keys)


def start_operation(ledger: Ledger, ctx: Context, batches: list[BatchPlan]) -> None:
    _runs(ledger, ctx).check_holds(ctx.flow_run_id)
    wave = ledger.wave(ctx.wave)
    wave.start_operation(ctx.operation, [b.key for b in batches], ctx.as_dict())
    ledger.save(wave)


def execute(operation: str, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
    """Send a batch's items to the operation's target; one outcome per item."""
    return registry.get(operation).send(batch, targets)


def lookup(operation: str, batch: BatchPlan, targets: Targets) -> dict[str, str]:
    """What the target already holds of a batch's items, by natural key: ref -> target id."""
    return registry.get(operation).lookup(batch, targets)


def concurrency(operation: str, wanted: int, targets: Targets) -> int:
    """How many batches of an operation may run at once against the wave's targets."""
    return registry.get(operation).concurrency(wanted, targets)


def skipped(ledger: Ledger, ctx: Context, batches: list[BatchPlan], force: str = "") -> dict[str, BatchResult]:
    """The batches of an operation already done, as skipped results by key (none when forced): a run skips them
    without sending them anywhere."""
    if force:
        return {}
    found = {}
    for batch in batches:
        recorded = ledger.batch(ctx.wave, ctx.operation, batch.key)
        if recorded is not None and recorded.done:
            found[batch.key] = BatchResult(batch.key, BatchOutcome.SKIPPED, dict(recorded.counts))
    if found:
        log.info("batches already done, skipped", batches=len(found))
    return found


def run_batch(
    ledger: Ledger,
    ctx: Context,
    run_id: str,
    batch: BatchPlan,
    targets: Targets,
    force: str = "",
    rules: AnomalyRules | None = None,
) -> BatchResult:
    """Skip a batch already done (unless forced, with a reason); reconcile an interrupted attempt with
    the target; record the attempt, run it, record the outcome."""
    operation = ctx.operation
    recorded = ledger.batch(ctx.wave, operation, batch.key)
    if recorded is not None and recorded.done and not force:
        log.debug("batch already done, skipped", batch=batch.key)  # counted in the operation's summary
        return BatchResult(batch.key, BatchOutcome.SKIPPED, dict(recorded.counts))
    if recorded is None:
        recorded = Batch(
            id=ledger.naming.batch(ctx.wave, operation, batch.key),
            wave=ctx.wave,
            operation=operation,
            key=batch.key,
            items=batch.size,
            digest=batch.key.rsplit("-", 1)[-1],
            details=batch.details,
            ctx=ctx.as_dict(),
            refs=[item.ref for item in batch.items] + [outcome.ref for outcome in batch.rejected],
        )
    elif recorded.done:
        recorded.force(force, ctx.as_dict())
    elif recorded.in_doubt:
        found = lookup(operation, batch, targets) if batch.items else {}
        recorded.reconcile(found, [i.ref for i in batch.items if i.ref not in found], ctx.as_dict())
        log.warning("interrupted batch reconciled with the target", batch=batch.key, found=len(found))
    recorded.attempt(run_id, ctx.as_dict())
    ledger.save(recorded)
    crash_point(operation, "before-write")
    try:
        outcomes = execute(operation, batch, targets) if batch.items else []
    except TargetError as exc:
        crash_point(operation, "after-write")
        recorded.fail(str(exc), isinstance(exc, TargetUnavailable), ctx.as_dict())
        ledger.save(recorded, *anomalies.for_failure(ledger, ctx, batch.key, str(exc), rules or AnomalyRules()))
        log.error("batch failed", batch=batch.key, reason=str(exc))
        transient = isinstance(exc, TargetUnavailable)
        return BatchResult(batch.key, BatchOutcome.FAILED, reason=str(exc), retryable=transient)
    crash_point(operation, "after-write")
    recorded.succeed([o.to_dict() for o in [*outcomes, *batch.rejected]], ctx.as_dict())
    ledger.save(
        recorded,
        *anomalies.for_rejections(ledger, ctx, recorded.outcomes, rules or AnomalyRules()),
        *anomalies.resolve_failure(ledger, ctx, batch.key),
    )
    crash_point(operation, "after-event")
    log.info("batch done", batch=batch.key, **recorded.counts)
    return BatchResult(batch.key, BatchOutcome.DONE, dict(recorded.counts))


def finish_operation(
    ledger: Ledger, ctx: Context, prepared: PreparedWave, results: list[BatchResult]
) -> dict[str, int]:
    """Record the operation's after-step (e.g. migration's reconciliation) and its summary."""
    summary: Counter[str] = Counter()
    for result in results:
        summary[f"batches_{result.status}"] += 1
        summary.update(result.counts)
    _runs(ledger, ctx).check_holds(ctx.flow_run_id)
    wave = ledger.wave(ctx.wave)
    registry.get(ctx.operation).after(
        wave,
        prepared.batches[ctx.operation],
        prepared.rows,
        lambda key: ledger.batch(ctx.wave, ctx.operation, key),
        ctx.as_dict(),
    )
    wave.finish_operation(ctx.operation, dict(summary), ctx.as_dict())
    ledger.save(wave)
    return dict(summary)


def complete(ledger: Ledger, ctx: Context, summary: dict[str, Any]) -> None:
    runs = _runs(ledger, ctx)
    runs.complete(ctx.flow_run_id, summary, ledger.wave(ctx.wave).every_operation_done, ctx.as_dict())
    ledger.save(runs)
    items.update(ledger)


def abort(ledger: Ledger, ctx: Context, reason: str) -> None:
    """Record that this run stopped; a run that lost its lease to another leaves that one alone."""
    runs = waves.runs(ledger, ledger.wave(ctx.wave)) if ledger.find_wave(ctx.wave) else None
    if runs is not None and runs.run_id == ctx.flow_run_id:
        runs.abort(ctx.flow_run_id, reason, ctx.as_dict())
        ledger.save(runs)
