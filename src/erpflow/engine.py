"""Running a prepared wave against its targets, recording every outcome in the ledger.

Independent of Prefect: erpflow.orchestration wraps these steps in a flow and tasks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import structlog

from .ledger import Ledger
from .model.batch import Batch
from .model.context import Context
from .model.items import ItemOutcome
from .model.wave import Wave
from .operations.batches import BatchPlan
from .preparation import PreparedWave
from .targets.bundle import Targets
from .targets.errors import TargetError, TargetUnavailable

log = structlog.stdlib.get_logger("erpflow.engine")
LOADED = ("created", "updated", "unchanged", "sent")


@dataclass(frozen=True)
class BatchResult:
    key: str
    status: str  # done | skipped | failed
    counts: dict[str, int] = field(default_factory=dict)
    reason: str = ""


def begin(ledger: Ledger, prepared: PreparedWave, ctx: Context, run_id: str) -> Wave:
    """Record the plan (or its change) and the start of a run."""
    wave = ledger.find_wave(prepared.name)
    if wave is None:
        wave = Wave(name=prepared.name, kind=prepared.plan.kind, sites=prepared.plan.sites,
                    cycle=prepared.method.cycle.order, plan_digest=prepared.digest, inputs=prepared.inputs, plan=prepared.snapshot(),
                    ctx=ctx.as_dict())
    else:
        wave.replan(prepared.digest, prepared.inputs, prepared.snapshot(), ctx.as_dict())
    wave.start(run_id, ctx.as_dict())
    ledger.save(wave)
    return wave


def start_operation(ledger: Ledger, ctx: Context, batches: list[BatchPlan]) -> None:
    wave = ledger.wave(ctx.wave)
    wave.start_operation(ctx.operation, [b.key for b in batches], ctx.as_dict())
    ledger.save(wave)


def execute(operation: str, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
    """Send a batch's items to the operation's target; one outcome per item."""
    if operation == "accounts":
        return targets.erp.upsert_users(batch.items)
    if operation == "configuration":
        return targets.erp.apply_config(batch.items)
    if operation == "migration":
        if batch.details.get("into") == "product":
            return targets.erp.upsert_products(batch.items)
        return targets.erp.upsert_parties(batch.items)
    if operation == "training":
        return targets.send_invitations(batch.items)
    raise ValueError(f"unknown operation {operation!r}")


def run_batch(ledger: Ledger, ctx: Context, run_id: str, batch: BatchPlan, targets: Targets) -> BatchResult:
    """Skip a batch already done; otherwise record the attempt, run it, record the outcome."""
    operation = ctx.operation
    recorded = ledger.batch(ctx.wave, operation, batch.key)
    if recorded is not None and recorded.done:
        log.info("batch already done, skipped", batch=batch.key)
        return BatchResult(batch.key, "skipped", dict(recorded.counts))
    if recorded is None:
        recorded = Batch(wave=ctx.wave, operation=operation, key=batch.key, items=batch.size,
                         digest=batch.key.rsplit("-", 1)[-1], details=batch.details, ctx=ctx.as_dict())
    recorded.attempt(run_id, ctx.as_dict())
    ledger.save(recorded)
    try:
        outcomes = execute(operation, batch, targets) if batch.items else []
    except TargetError as exc:
        recorded.fail(str(exc), isinstance(exc, TargetUnavailable), ctx.as_dict())
        ledger.save(recorded)
        log.error("batch failed", batch=batch.key, reason=str(exc))
        return BatchResult(batch.key, "failed", reason=str(exc))
    recorded.succeed([o.to_dict() for o in [*outcomes, *batch.rejected]], ctx.as_dict())
    ledger.save(recorded)
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


def abort(ledger: Ledger, ctx: Context, reason: str) -> None:
    wave = ledger.wave(ctx.wave)
    if wave.run_id is not None:
        wave.abort(reason, ctx.as_dict())
        ledger.save(wave)
