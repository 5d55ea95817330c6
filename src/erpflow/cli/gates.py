"""Gate and training commands: attendance, completion, the exit gate of a wave."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, WaveName, app, err, load_settings, open_ledger, out, styled, user_errors

training = typer.Typer(help="Training attendance and completion.", no_args_is_help=True)
app.add_typer(training, name="training")


@training.command("attend")
@user_errors
def attend(
    wave: WaveName, sheet: Annotated[Path, typer.Argument(help="sign-in sheet: session, login, present")]
) -> None:
    """Record attendance from a sign-in sheet; every row must name a session and a person invited to it."""
    from erpflow.application.attendance import record

    done = record(open_ledger(), wave, sheet, load_settings().actor)
    out.print(f"attendance recorded: {done.present} present, {done.absent} absent, in {done.sessions} session(s)")


@training.command("completion")
@user_errors
def completion(wave: WaveName) -> None:
    """Who attended, of those invited, per role and site."""
    from erpflow.projections.gate import completion as rates

    table = Rows("role", "site", "attended", "invited", "completion")
    for (role, site), (done, invited) in sorted(rates(open_ledger(), wave).items()):
        table.add_row(role, site, str(done), str(invited), f"{done / invited:.0%}" if invited else "-")
    out.print(table)


@app.command()
@user_errors
def gate(
    wave: WaveName,
    record: Annotated[
        bool, typer.Option("--record", help="record the decision: go if every criterion passes, no-go otherwise")
    ] = False,
    no_go: Annotated[bool, typer.Option("--no-go", help="with --record: no-go even if every criterion passes")] = False,
    comment: Annotated[str, typer.Option(help="with --record: why, in the decider's words")] = "",
) -> None:
    """The wave's exit gate: each criterion measured from the events, passed or failed; --record decides."""
    from erpflow.application.gates import evaluate_gate, record_decision, wave_method
    from erpflow.application.waves import view
    from erpflow.model.vocabulary import Decision

    ledger = open_ledger()
    evaluation = evaluate_gate(ledger, wave, wave_method(ledger, wave, load_settings().method))
    table = Rows("criterion", "measured", "target", "result")
    for r in evaluation.results:
        table.add_row(
            r.title, r.shown(r.measured), r.target, styled("pass", "green") if r.passed else styled("fail", "bold red")
        )
    out.print(f"[bold]Gate {escape(evaluation.gate)}[/] of wave {escape(wave)}", highlight=False)
    out.print(table)
    decision = Decision.GO if evaluation.passed and not no_go else Decision.NO_GO
    if record:
        record_decision(ledger, evaluation, decision, load_settings().actor, comment)
        out.print(f"decision recorded: [bold]{decision}[/]")
    elif last := view(ledger, wave).gate:
        out.print(f"last decision: {escape(str(last['decision']))} by {escape(str(last['by']))}", highlight=False)
    if decision == Decision.NO_GO:
        err.print(
            escape(f"no-go: {', '.join(evaluation.failed) or 'decided against every criterion passing'}"),
            highlight=False,
        )
        raise typer.Exit(1)
