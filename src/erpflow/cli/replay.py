"""Replay commands: a wave as it was at a time or position, the items read model, rebuilding projections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, WaveName, app, open_ledger, out, user_errors

projections = typer.Typer(help="Read models built from the event log.", no_args_is_help=True)
app.add_typer(projections, name="projections")


@app.command()
@user_errors
def show(
    wave: WaveName,
    at: Annotated[str, typer.Option(help="a log position (a number) or a time (ISO 8601, UTC if no zone)")],
    show_items: Annotated[bool, typer.Option("--items", help="also each item's outcome as it was then")] = False,
) -> None:
    """A wave as it was at a position of the log or a moment, rebuilt from its events alone."""
    from erpflow.projections.status import ITEM_STATUSES, position_at, wave_status

    ledger = open_ledger()
    position = int(at) if at.isdigit() else position_at(ledger, wave, _moment(at))
    status = wave_status(ledger, wave, at=position)
    out.print(
        f"[bold]Wave {escape(status.name)}[/] at position {position}: [bold]{status.state}[/], {status.runs} run(s)",
        highlight=False,
    )
    table = Rows("operation", "state", "batches done", "failed", "in doubt", *ITEM_STATUSES)
    for op in status.operations:
        table.add_row(
            op.operation,
            op.state,
            f"{op.batches_done}/{op.batches}",
            str(op.batches_failed),
            str(op.batches_in_doubt),
            *(str(op.items.get(s, 0)) for s in ITEM_STATUSES),
        )
    out.print(table)
    if show_items:
        rows = Rows("operation", "item", "status", "ERP id", "reason", "source")
        for operation, outcome in status.outcomes:
            rows.add_row(
                operation,
                str(outcome["ref"]),
                outcome["status"],
                str(outcome.get("erp_id") or ""),
                outcome.get("reason") or "",
                outcome.get("source") or "",
            )
        out.print(rows)


def _moment(text: str) -> datetime:
    from erpflow.model.errors import CommandRefused

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandRefused(f"--at takes a log position or an ISO 8601 time, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
@user_errors
def items(
    wave: WaveName,
    operation: Annotated[str | None, typer.Option(help="only this operation")] = None,
    status: Annotated[str | None, typer.Option(help="created, updated, unchanged, sent or rejected")] = None,
) -> None:
    """Each item of a wave with its latest outcome, from the items read model (the wave's rows brought up to date
    first, from its own events)."""
    from erpflow.projections.items import items as rows
    from erpflow.projections.items import update_wave

    ledger = open_ledger()
    ledger.wave(wave)
    update_wave(ledger, wave)
    table = Rows("operation", "item", "status", "ERP id", "reason", "source", "position")
    for row in rows(ledger, wave, operation, status):
        table.add_row(
            row["operation"],
            row["ref"],
            row["status"],
            row["erp_id"],
            row["reason"],
            row["source"],
            str(row["position"]),
        )
    out.print(table)


@projections.command("update")
@user_errors
def update_() -> None:
    """Apply the events recorded since the read models' tracked position."""
    from erpflow.projections.items import update

    out.print(f"items read model at position {update(open_ledger())}")


@projections.command("rebuild")
@user_errors
def rebuild_() -> None:
    """Rebuild the read models from the first event."""
    from erpflow.projections.items import rebuild

    out.print(f"items read model rebuilt up to position {rebuild(open_ledger())}")
