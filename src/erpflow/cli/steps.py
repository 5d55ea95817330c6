"""Business step commands: the steps of a wave and where they stand; confirm one with its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, WaveName, app, load_settings, open_ledger, out, user_errors

step = typer.Typer(help="Business steps of a wave: list them, confirm one with its evidence.", no_args_is_help=True)
app.add_typer(step, name="step")


@step.command("confirm")
@user_errors
def confirm(
    wave: WaveName,
    step_id: Annotated[str, typer.Argument(metavar="STEP", help="the step's id")],
    comment: Annotated[str, typer.Option(help="what was done, in the confirmer's words")],
    evidence: Annotated[Path, typer.Option(help="the evidence file; its sha256 is recorded")],
    actor: Annotated[str | None, typer.Option(help="who confirms (default: ERPFLOW_ACTOR or the user)")] = None,
) -> None:
    """Confirm a business step: record the comment and the sha256 of the evidence file."""
    from erpflow.application.steps import confirm as record

    settings = load_settings()
    done = record(open_ledger(), wave, actor or settings.actor, step_id, comment, evidence, settings.method)
    out.print(
        escape(
            f"step {step_id} of wave {wave} confirmed by {done.by} (evidence {done.evidence}, "
            f"sha256 {done.sha256[:16]}); go on with `erpflow resume {wave}`"
        ),
        highlight=False,
        soft_wrap=True,
    )


@step.command("list")
@user_errors
def list_steps(wave: WaveName) -> None:
    """The business steps of a wave, who is accountable, and which are confirmed."""
    from erpflow.application.steps import LedgerConfirmations, confirmed_in_batches, wave_steps

    ledger = open_ledger()
    steps = wave_steps(ledger, wave, load_settings().method)
    recorded = LedgerConfirmations(ledger).find(wave, [s.id for s in steps])
    by_plan = confirmed_in_batches(ledger, wave)
    table = Rows("step", "title", "accountable", "state", "evidence (sha256)")
    for s in steps:
        done = recorded.get(s.id) or by_plan.get(s.id)
        table.add_row(
            s.id,
            s.title,
            s.raci.accountable,
            f"confirmed by {done.by}" if done else "waiting",
            f"{done.evidence} {done.sha256[:16]}" if done else "",
        )
    out.print(table)
