"""Anomaly commands: list, raise, comment, resolve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, WaveName, app, load_settings, open_ledger, out, user_errors

anomaly = typer.Typer(
    help="Anomalies of a wave: raised on their own from rejected items and failed batches, or by hand.",
    no_args_is_help=True,
)
app.add_typer(anomaly, name="anomaly")
AnomalyId = Annotated[str, typer.Argument(help="the anomaly's id, or its first characters as `list` shows them")]


@anomaly.command("list")
@user_errors
def list_(
    wave: WaveName,
    open_only: Annotated[bool, typer.Option("--open", help="only open ones")] = False,
    severity: Annotated[str | None, typer.Option(help="blocking, major or minor")] = None,
) -> None:
    """The anomalies of a wave, with their severity and state."""
    from erpflow.projections.anomalies import anomalies

    ledger = open_ledger()
    ledger.wave(wave)
    table = Rows("id", "severity", "operation", "item", "reason", "state")
    for a in anomalies(ledger, wave):
        if (open_only and not a.open) or (severity and a.severity != severity):
            continue
        table.add_row(
            str(a.id)[:8], a.severity, a.operation, a.item, a.reason, "open" if a.open else f"resolved: {a.resolution}"
        )
    out.print(table)


@anomaly.command("raise")
@user_errors
def raise_(
    wave: WaveName,
    item: Annotated[str, typer.Option(help="what it is about: a login, a legacy id...")],
    reason: Annotated[str, typer.Option(help="what is wrong")],
    operation: Annotated[str, typer.Option(help="the operation it concerns")] = "",
    severity: Annotated[str, typer.Option(help="blocking, major or minor")] = "major",
) -> None:
    """Raise an anomaly by hand."""
    from erpflow.application.anomalies import raise_by_hand

    raised = raise_by_hand(open_ledger(), wave, item, reason, load_settings().actor, operation, severity)
    out.print(f"anomaly {str(raised.id)[:8]} raised on {escape(item)}", highlight=False)


@anomaly.command("comment")
@user_errors
def comment(wave: WaveName, anomaly_id: AnomalyId, text: Annotated[str, typer.Argument(help="the comment")]) -> None:
    """Add a comment to an anomaly."""
    from erpflow.application.anomalies import comment as add

    add(open_ledger(), wave, anomaly_id, text, load_settings().actor)


@anomaly.command("resolve")
@user_errors
def resolve(
    wave: WaveName, anomaly_id: AnomalyId, resolution: Annotated[str, typer.Option(help="how it was treated")]
) -> None:
    """Resolve an anomaly, saying how."""
    from erpflow.application.anomalies import resolve as settle
    from erpflow.model.errors import CommandRefused

    if not resolution.strip():
        raise CommandRefused("resolving an anomaly needs a --resolution")
    found = settle(open_ledger(), wave, anomaly_id, resolution, load_settings().actor)
    out.print(f"anomaly {str(found.id)[:8]} on {escape(found.item)} resolved", highlight=False)
