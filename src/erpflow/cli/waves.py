"""Wave commands: plan, run, status, history."""

from __future__ import annotations

import json
import logging
import signal
import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from erpflow.cli.common import PlanPath, Rows, WaveName, app, err, load_settings, open_ledger, out, user_errors


@app.command()
@user_errors
def plan(
    path: PlanPath, as_json: Annotated[bool, typer.Option("--json", help="a machine-readable summary")] = False
) -> None:
    """Validate a plan, its method and every source; show what a run would do. Touches nothing."""
    from erpflow.application.preflight import check_target
    from erpflow.application.preparation import prepare
    from erpflow.cli import planview
    from erpflow.operations import registry

    settings = load_settings()
    prepared = prepare(path, settings.method)
    check_target(prepared, settings)
    if as_json:
        return planview.as_json(prepared)
    p = prepared.plan
    out.print(
        f"[bold]Wave {escape(p.wave)}[/] ({p.kind}) on {escape(', '.join(p.sites))}, target {p.target.erp} "
        f"database {escape(repr(p.target.database))}" + (f", after {escape(p.after)}" if p.after else ""),
        highlight=False,
    )
    table = Rows("operation", "batches", "items", "to send", "rejected before sending", "detail")
    for op, batches in prepared.batches.items():
        items = sum(len(b.items) for b in batches)
        rejected = sum(len(b.rejected) for b in batches)
        table.add_row(
            op,
            str(len(batches)),
            str(items + rejected),
            str(items),
            str(rejected),
            registry.get(op).summary(batches, prepared.rows),
        )
    out.print(table)
    planview.show(prepared)


From = Annotated[str | None, typer.Option("--from", help="start at this operation (those before it stay as they are)")]
Only = Annotated[str | None, typer.Option("--only", help="run this operation alone")]
Force = Annotated[bool, typer.Option("--force", help="run batches already done again (needs --reason)")]
Reason = Annotated[str, typer.Option("--reason", help="why batches are forced; recorded with who forced them")]
Actor = Annotated[str | None, typer.Option(help="who runs the wave (default: ERPFLOW_ACTOR or the user)")]
Verbose = Annotated[
    bool,
    typer.Option("--verbose", help="log lines (Prefect's, erpflow's) on the terminal, not in a log file"),
]


@app.command()
@user_errors
def run(
    path: PlanPath,
    actor: Actor = None,
    start_from: From = None,
    only: Only = None,
    force: Force = False,
    reason: Reason = "",
    verbose: Verbose = False,
) -> None:
    """Run a wave plan as a Prefect flow; batches already done are skipped, an interrupted wave goes on."""
    _run(path, actor, start_from, only, force, reason, verbose)


@app.command()
@user_errors
def resume(
    wave: WaveName,
    actor: Actor = None,
    start_from: From = None,
    only: Only = None,
    force: Force = False,
    reason: Reason = "",
    verbose: Verbose = False,
) -> None:
    """Go on with a wave by name, with the plan file of its last run; batches already done are skipped."""
    from erpflow.application.waves import view
    from erpflow.model.errors import CommandRefused
    from erpflow.model.vocabulary import WaveState

    recorded = view(open_ledger(), wave)
    if not recorded.plan_path:
        raise CommandRefused(f"wave {wave!r} has no recorded plan file; run it with `erpflow run PLAN`")
    if recorded.state == WaveState.COMPLETED and not (start_from or only or force):
        out.print(escape(f"Wave {wave} is complete: nothing to resume."), highlight=False)
        return
    _run(Path(recorded.plan_path), actor, start_from, only, force, reason, verbose)


def _run(
    path: Path, actor: str | None, start_from: str | None, only: str | None, force: bool, reason: str, verbose: bool
) -> None:
    from datetime import UTC, datetime

    from erpflow.application.engine import check_predecessor, nothing_to_do, operations_to_run
    from erpflow.application.preflight import check_target
    from erpflow.application.preparation import prepare
    from erpflow.application.waves import find
    from erpflow.audit.anchors import check_head
    from erpflow.cli.progress import RunProgress
    from erpflow.interrupts import exit_code, stop_on_signals
    from erpflow.model.context import check_actor
    from erpflow.model.errors import CommandRefused
    from erpflow.operations.batches import slug

    if actor is not None:
        check_actor(actor)
    if force and not reason.strip():
        raise CommandRefused("--force needs --reason: it is recorded with who forced the batches")
    settings = load_settings()
    prepared = prepare(path, settings.method)
    ledger = open_ledger()
    check_predecessor(ledger, prepared)
    check_head(ledger, settings)
    operations = operations_to_run(ledger, prepared, start_from, only)
    if not force and nothing_to_do(ledger, prepared, operations):  # neither the target nor Prefect is needed
        out.print(
            escape(
                f"Nothing to do: every batch of {', '.join(operations)} of wave {prepared.name} is done with these "
                "very inputs (--force --reason runs them again)."
            ),
            highlight=False,
            soft_wrap=True,
        )
        _print_status(prepared.name)
        _print_next(prepared.name)
        return
    check_target(prepared, settings)  # the method against the target, before any write
    wave = find(ledger, prepared.name)
    if wave is not None and wave.run_id is not None:
        why = wave.taken_over_because(datetime.now(UTC))
        if why is None:
            raise CommandRefused(wave.held_by())
        err.print(
            f"[yellow]taking over wave {escape(prepared.name)}:[/] run {wave.run_id} was interrupted ({why})",
            highlight=False,
        )
    from erpflow.application.preparation import hand_over
    from erpflow.orchestration.prefect_env import prepare_prefect_env

    hand_over(prepared, settings.method)  # the flow prepares it again: unchanged inputs are not read twice

    prepare_prefect_env(settings, own_server=True)  # before Prefect is imported: its home, its own server
    from prefect.exceptions import ExternalSignal

    started = datetime.now(UTC)
    log_file = None if verbose else settings.home / "logs" / f"{slug(prepared.name)}-{started:%Y%m%dT%H%M%S}.log"
    progress = RunProgress(err, live=False if verbose else None)
    with stop_on_signals(), progress:
        try:
            state = _flow(
                log_file, progress, prepared.tags(), str(path), actor, start_from, only, reason if force else ""
            )
        except (KeyboardInterrupt, ExternalSignal) as exc:
            name, code = escape(prepared.name), exit_code(exc)
            err.print(
                f"[bold red]wave {name} interrupted[/] ({signal.Signals(code - 128).name}); "
                f"`erpflow resume {name}` goes on from where it stopped",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code) from None
    if state.is_failed() and isinstance(failure := state.result(raise_on_failure=False), CommandRefused):
        raise failure
    _print_status(prepared.name)
    seconds = (datetime.now(UTC) - started).total_seconds()
    out.print(
        f"[bold]{escape(prepared.name)}[/]: {progress.items} item(s) in {seconds:.0f} s "
        f"({progress.skipped} in batches already done, skipped), "
        f"{progress.rejected} rejected" + (f"; log: {escape(str(log_file))}" if log_file else ""),
        highlight=False,
        soft_wrap=True,
    )
    if state.is_completed():
        _print_next(prepared.name)
    else:
        err.print(
            f"[bold red]wave {escape(prepared.name)} did not complete:[/] {escape(str(state.message))}", highlight=False
        )
        raise typer.Exit(1)


def _flow(log_file: Path | None, progress: Any, tags: list[str], *args: Any) -> Any:
    """The wave's flow run, in this process (its Prefect environment prepared), its progress told to ``progress``
    and its log lines written to ``log_file`` (None: the terminal); its final Prefect state."""
    from prefect import tags as tagged

    from erpflow.logging import to_file
    from erpflow.orchestration import flows

    logging.getLogger("prefect.server").setLevel(logging.CRITICAL)
    flows.watchers.append(progress)
    try:
        with to_file(log_file) if log_file else nullcontext(), tagged(*tags):
            return flows.run_wave(*args, return_state=True)
    finally:
        flows.watchers.remove(progress)


def _print_next(name: str) -> None:
    from erpflow.reports.commands import next_commands

    out.print("Next:", highlight=False)
    for what, command in next_commands(name):
        out.print(escape(f"  {command:<48} {what}"), highlight=False, soft_wrap=True)


def _print_status(name: str) -> None:
    from erpflow.projections.status import ITEM_STATUSES, wave_status

    status = wave_status(open_ledger(), name)
    out.print(
        f"[bold]Wave {escape(status.name)}[/] ({status.kind}, {escape(', '.join(status.sites))}): "
        f"[bold]{status.state}[/], {status.runs} run(s)",
        highlight=False,
    )
    table = Rows("operation", "state", "batches done", "failed", "in doubt", "skipped last run", *ITEM_STATUSES)
    for op in status.operations:
        table.add_row(
            op.operation,
            op.state,
            f"{op.batches_done}/{op.batches}",
            str(op.batches_failed),
            str(op.batches_in_doubt),
            str(op.batches_skipped),
            *(str(op.items.get(s, 0)) for s in ITEM_STATUSES),
        )
    out.print(table)
    for dataset, r in status.reconciliations.items():
        mark = "[green]balanced[/]" if r["balanced"] else "[bold red]NOT balanced[/]"
        left = f" + left out {r['left_out']}" if r.get("left_out") else ""
        out.print(
            f"  {escape(dataset)}: read {r['read']} = loaded {r['loaded']} + rejected {r['rejected']}{left}  {mark}"
        )
    for section, rules in status.left_out.items():
        for rule, rows in rules.items():
            out.print(f"  left out {rows} rows of {escape(section)} ({escape(rule)})", highlight=False)


@app.command()
@user_errors
def status(wave: WaveName) -> None:
    """Where a wave stands, per operation (done, rejected, failed), from its events."""
    _print_status(wave)


Since = Annotated[datetime | None, typer.Option(help="events at or after this time (ISO 8601, UTC if no zone)")]
Until = Annotated[datetime | None, typer.Option(help="events at or before this time")]


@app.command()
@user_errors
def history(
    wave: WaveName,
    operation: Annotated[str | None, typer.Option(help="only the events of this operation")] = None,
    item: Annotated[str | None, typer.Option(help="only the events about a login or a legacy id")] = None,
    since: Since = None,
    until: Until = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """A wave's events in order, with the input files each plan was run with."""
    from erpflow.application.waves import view
    from erpflow.projections.history import Filter, about, summary
    from erpflow.projections.history import history as events

    ledger = open_ledger()
    recorded = view(ledger, wave)
    where = Filter(operation, item, _utc(since), _utc(until))
    if as_json:
        for rec in events(ledger, wave, where):
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    table = Rows("#", "time (UTC)", "event", "operation", "actor", "detail")
    for rec in events(ledger, wave, where):
        table.add_row(
            str(rec["position"]),
            rec["timestamp"][:19].replace("T", " "),
            rec["type"],
            rec["operation"],
            rec["actor"],
            about(rec, item) if item else summary(rec),
        )
    out.print(table)
    if not (operation or item or since or until):
        out.print("Input files of the plan as last run (sha256):")
        for path, digest in recorded.inputs.items():
            out.print(f"  {digest[:16]}  {escape(path)}", highlight=False)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
