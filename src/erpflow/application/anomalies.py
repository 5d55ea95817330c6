"""Anomalies: raised by hand, commented, resolved; and raised on their own, one per item rejected, one per batch
that failed (resolved when it succeeds).

Severities come from the method's rules (domain/anomalies.yaml). Each anomaly's id is derived from wave,
operation and item, so a rerun never raises the same anomaly twice. The functions return the aggregates to
save with the batch's own events, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.inputs.method import AnomalyRules
from erpflow.inputs.text import control_character
from erpflow.model.anomaly import MANUAL, Anomaly
from erpflow.model.context import Context
from erpflow.model.errors import CommandRefused
from erpflow.model.ids import anomaly_id
from erpflow.model.vocabulary import Severity


def for_rejections(
    ledger: Ledger, ctx: Context, outcomes: Iterable[dict[str, Any]], rules: AnomalyRules
) -> list[Anomaly]:
    """A new anomaly for each rejected item that has none yet."""
    new: dict[str, Anomaly] = {}
    for outcome in outcomes:
        ref = outcome["ref"]
        if outcome["status"] != "rejected" or ref in new:
            continue
        if ledger.anomaly(anomaly_id(ctx.wave, ctx.operation, ref)) is None:
            reason = outcome.get("reason", "") + (f" ({outcome['source']})" if outcome.get("source") else "")
            new[ref] = Anomaly(
                wave=ctx.wave,
                operation=ctx.operation,
                item=ref,
                severity=rules.severity(ctx.operation, "rejected", reason),
                reason=reason,
                ctx=ctx.as_dict(),
            )
    return list(new.values())


def batch_item(key: str) -> str:
    return f"batch {key}"


def for_failure(ledger: Ledger, ctx: Context, key: str, reason: str, rules: AnomalyRules) -> list[Anomaly]:
    """An anomaly for a failed batch, unless one is already open for it."""
    existing = ledger.anomaly(anomaly_id(ctx.wave, ctx.operation, batch_item(key)))
    if existing is not None:
        if existing.open:
            return []
        existing.reopen(reason, ctx.as_dict())
        return [existing]
    return [
        Anomaly(
            wave=ctx.wave,
            operation=ctx.operation,
            item=batch_item(key),
            severity=rules.severity(ctx.operation, "failed", reason),
            reason=reason,
            ctx=ctx.as_dict(),
        )
    ]


def resolve_failure(ledger: Ledger, ctx: Context, key: str) -> list[Anomaly]:
    """Resolve the open anomaly of a batch that has now succeeded."""
    existing = ledger.anomaly(anomaly_id(ctx.wave, ctx.operation, batch_item(key)))
    if existing is None or not existing.open:
        return []
    existing.resolve(f"the batch succeeded in run {ctx.flow_run_id}", ctx.as_dict())
    return [existing]


def _check_text(**fields: str) -> None:
    """Text typed by hand is one line of text: a control character is refused, naming the field."""
    for name, text in fields.items():
        if (found := control_character(text)) is not None:
            raise CommandRefused(f"{name}: {found}")


def raise_by_hand(
    ledger: Ledger, wave: str, item: str, reason: str, actor: str, operation: str = "", severity: str = Severity.MAJOR
) -> Anomaly:
    """Raise an anomaly by hand: each one gets a stream of its own, even on an item that has one already."""
    from erpflow.projections.anomalies import anomalies

    _check_text(item=item, reason=reason, operation=operation)
    ledger.wave(wave)
    same = [a for a in anomalies(ledger, wave) if a.origin == MANUAL and (a.operation, a.item) == (operation, item)]
    raised = Anomaly(
        wave=wave,
        operation=operation,
        item=item,
        severity=severity,
        reason=reason,
        ctx=waves.context(wave, actor, operation).as_dict(),
        origin=MANUAL,
        number=max((a.number for a in same), default=0) + 1,
    )
    ledger.save(raised)
    return raised


def comment(ledger: Ledger, wave: str, prefix: str, text: str, actor: str) -> Anomaly:
    from erpflow.projections.anomalies import find

    _check_text(comment=text)
    found = find(ledger, wave, prefix)
    found.comment(text, waves.context(wave, actor, found.operation).as_dict())
    ledger.save(found)
    return found


def resolve(ledger: Ledger, wave: str, prefix: str, resolution: str, actor: str) -> Anomaly:
    from erpflow.projections.anomalies import find

    _check_text(resolution=resolution)
    found = find(ledger, wave, prefix)
    found.resolve(resolution, waves.context(wave, actor, found.operation).as_dict())
    ledger.save(found)
    return found
