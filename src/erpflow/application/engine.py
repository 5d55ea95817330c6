"""Running a prepared wave against its targets, recording every outcome in the ledger.

Independent of Prefect: erpflow.orchestration.flows wraps these steps in a flow and tasks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from erpflow.application import anomalies, lease
from erpflow.application.faults import crash_point
from erpflow.application.ledger import Ledger
from erpflow.inputs.method import AnomalyRules
from erpflow.model.batch import Batch
from erpflow.model.context import Context
from erpflow.model.errors import CommandRefused
from erpflow.model.items import ItemOutcome
from erpflow.model.selection import select_operations
from erpflow.model.wave import Wave
from erpflow.operations.batches import BatchPlan
from erpflow.application.preparation import PreparedWave
from erpflow.projections import items
from erpflow.targets.bundle import Targets
from erpflow.targets.errors import TargetError, TargetUnavailable

log = structlog.stdlib.get_logger("erpflow.application.engine")
LOADED = ("created", "updated", "unchanged", "sent")


@dataclass(frozen=True)
class BatchResult:
    key: str
    status: str  # done | skipped | failed
    counts: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    retryable: bool = False


def check_predecessor(ledger: Ledger, prepared: PreparedWave) -> None:
    """A wave planned after another may start only once that one's exit gate has a recorded go."""
    after = prepared.plan.after
    if not after:
        return
    previous = ledger.find_wave(after)
    decided = previous.gate if previous is not None else None
    if decided is not None and decided["decision"] == "go":
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


def begin(ledger: Ledger, prepared: PreparedWave, ctx: Context, run_id: str, lease_seconds: float = 600) -> Wave:
    """Record the plan (or its change) and the start of a run holding the wave's lease."""
    check_predecessor(ledger, prepared)
    wave = ledger.find_wave(prepared.name)
    if wave is None:
        wave = Wave(name=prepared.name, kind=prepared.plan.kind, sites=prepared.plan.sites,
                    cycle=prepared.method.cycle.order, plan_digest=prepared.digest, inputs=prepared.inputs, plan=prepared.snapshot(),
                    ctx=ctx.as_dict())
    else:
        wave.replan(prepared.digest, prepared.inputs, prepared.snapshot(), ctx.as_dict())
    holder_dead = wave.run_id is not None and wave.lease is not None and lease.holder_gone(wave.lease.holder)
    wave.start(run_id, ctx.as_dict(), holder=lease.this_holder(), plan_path=str(prepared.path.resolve()),
               expires_at=lease.expiry(lease_seconds), now=datetime.now(UTC), holder_dead=holder_dead)
    try:
        ledger.save(wave)
    except CommandRefused:  # another run started at the same moment and recorded first
        raise CommandRefused(ledger.wave(prepared.name).held_by()) from None
    return wave


def renew_lease(ledger: Ledger, ctx: Context, lease_seconds: float) -> None:
    """Extend the run's lease when less than half of it is left; raises if the run lost it."""
    wave = ledger.wave(ctx.wave)
    left = (datetime.fromisoformat(wave.lease.expires_at) - datetime.now(UTC)).total_seconds() \
        if wave.lease is not None and wave.run_id == ctx.flow_run_id else 0
    if left < lease_seconds / 2:
        wave.renew(ctx.flow_run_id, lease.expiry(lease_seconds), ctx.as_dict())
        ledger.save(wave)


def operations_to_run(ledger: Ledger, prepared: PreparedWave, start_from: str | None = None,
                      only: str | None = None) -> list[str]:
    """The operations of this run, their dependencies checked against what the wave has done."""
    wave = ledger.find_wave(prepared.name)
    done = {op for op, recorded in (wave.operations.items() if wave else ()) if recorded["state"] == "done"}
    cycle = prepared.method.cycle
    depends = {op.id: op.depends_on for op in cycle.operations}
    return select_operations(cycle.order, depends, done, start_from, only)


def start_operation(ledger: Ledger, ctx: Context, batches: list[BatchPlan]) -> None:
    wave = ledger.wave(ctx.wave)
    wave.start_operation(ctx.operation, [b.key for b in batches], ctx.as_dict())
    ledger.save(wave)


def execute(operation: str, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
    """Send a batch's items to the operation's target; one outcome per item."""
    if operation == "accounts":
        return targets.accounts.upsert_users(batch.items)
    if operation == "configuration":
        return targets.erp.apply_config(batch.items)
    if operation == "migration":
        if batch.details.get("into") == "product":
            return targets.erp.upsert_products(batch.items)
        return targets.erp.upsert_parties(batch.items)
    if operation == "training":
        return targets.send_invitations(batch.items)
    raise ValueError(f"unknown operation {operation!r}")


def lookup(operation: str, batch: BatchPlan, targets: Targets) -> dict[str, str]:
    """What the target already holds of a batch's items, by natural key: ref -> target id."""
    if operation == "accounts":
        found = targets.accounts.find_users([u.login for u in batch.items])
    elif operation == "migration":
        find = targets.erp.find_products if batch.details.get("into") == "product" else targets.erp.find_parties
        found = find([item.code for item in batch.items])
    elif operation == "training":
        return targets.find_invitations(batch.items)
    else:  # configuration is desired state: applying it again compares each item first
        return {}
    return {ref: str(record["id"]) for ref, record in found.items()}


def run_batch(ledger: Ledger, ctx: Context, run_id: str, batch: BatchPlan, targets: Targets,
              force: str = "", rules: AnomalyRules | None = None) -> BatchResult:
    """Skip a batch already done (unless forced, with a reason); reconcile an interrupted attempt with
    the target; record the attempt, run it, record the outcome."""
    operation = ctx.operation
    recorded = ledger.batch(ctx.wave, operation, batch.key)
    if recorded is not None and recorded.done and not force:
        log.info("batch already done, skipped", batch=batch.key)
        return BatchResult(batch.key, "skipped", dict(recorded.counts))
    if recorded is None:
        recorded = Batch(wave=ctx.wave, operation=operation, key=batch.key, items=batch.size,
                         digest=batch.key.rsplit("-", 1)[-1], details=batch.details, ctx=ctx.as_dict(),
                         refs=[item.ref for item in batch.items] + [outcome.ref for outcome in batch.rejected])
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
        return BatchResult(batch.key, "failed", reason=str(exc), retryable=isinstance(exc, TargetUnavailable))
    crash_point(operation, "after-write")
    recorded.succeed([o.to_dict() for o in [*outcomes, *batch.rejected]], ctx.as_dict())
    ledger.save(recorded, *anomalies.for_rejections(ledger, ctx, recorded.outcomes, rules or AnomalyRules()),
                *anomalies.resolve_failure(ledger, ctx, batch.key))
    crash_point(operation, "after-event")
    log.info("batch done", batch=batch.key, **recorded.counts)
    return BatchResult(batch.key, "done", dict(recorded.counts))


def finish_operation(ledger: Ledger, ctx: Context, prepared: PreparedWave,
                     results: list[BatchResult]) -> dict[str, int]:
    """Record the operation's summary, and for migration the reconciliation of each dataset."""
    summary: Counter[str] = Counter()
    for result in results:
        summary[f"batches_{result.status}"] += 1
        summary.update(result.counts)
    wave = ledger.wave(ctx.wave)
    if ctx.operation == "migration":
        for dataset, counts in reconciliation(ledger, ctx, prepared).items():
            wave.reconcile(dataset, counts["read"], counts["loaded"], counts["rejected"], ctx.as_dict())
    wave.finish_operation(ctx.operation, dict(summary), ctx.as_dict())
    ledger.save(wave)
    return dict(summary)


def reconciliation(ledger: Ledger, ctx: Context, prepared: PreparedWave) -> dict[str, dict[str, int]]:
    """Per dataset: rows read from the source, and rows loaded or rejected according to the ledger."""
    result = {name: {"read": rows, "loaded": 0, "rejected": 0} for name, rows in prepared.rows.items()}
    for batch in prepared.batches["migration"]:
        counts = result[batch.dataset]
        recorded = ledger.batch(ctx.wave, "migration", batch.key)
        if recorded is not None and recorded.done:
            counts["loaded"] += sum(recorded.counts.get(s, 0) for s in LOADED)
            counts["rejected"] += recorded.counts.get("rejected", 0)
    return result


def complete(ledger: Ledger, ctx: Context, summary: dict[str, Any]) -> None:
    wave = ledger.wave(ctx.wave)
    wave.complete(summary, ctx.as_dict())
    ledger.save(wave)
    items.update(ledger)


def abort(ledger: Ledger, ctx: Context, reason: str) -> None:
    """Record that this run stopped; a run that lost its lease to another leaves that one alone."""
    wave = ledger.wave(ctx.wave)
    if wave.run_id == ctx.flow_run_id:
        wave.abort(reason, ctx.as_dict())
        ledger.save(wave)
