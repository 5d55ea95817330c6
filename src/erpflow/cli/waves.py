"""Wave commands: plan, run, status, history."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from .common import PlanPath, WaveName, app, err, load_settings, open_ledger, out, user_errors


@app.command()
@user_errors
def plan(path: PlanPath) -> None:
    """Validate a plan, its method and every source; show what a run would do. Touches nothing."""
    from ..preparation import prepare

    prepared = prepare(path, load_settings().method)
    p = prepared.plan
    out.print(f"[bold]Wave {p.wave}[/] ({p.kind}) on {', '.join(p.sites)}, target {p.target.erp} "
              f"database {p.target.database!r}" + (f", after {p.after}" if p.after else ""))
    table = Table("operation", "batches", "items", "to send", "rejected before sending", "detail")
    for op, batches in prepared.batches.items():
        items = sum(len(b.items) for b in batches)
        rejected = sum(len(b.rejected) for b in batches)
        table.add_row(op, str(len(batches)), str(items + rejected), str(items), str(rejected),
                      _plan_detail(op, batches, prepared.rows))
    out.print(table)
    for batch in (b for batches in prepared.batches.values() for b in batches):
        for outcome in batch.rejected:
            out.print(f"  [yellow]will reject[/] {outcome.source}: {outcome.ref}: {outcome.reason}", highlight=False)


def _plan_detail(operation: str, batches: list[Any], rows: dict[str, int]) -> str:
    if operation == "training" and batches:
        starts = sorted(b.details["start"] for b in batches)
        return f"{len(batches)} sessions, {starts[0][:16]} to {starts[-1][:16]}".replace("T", " ")
    if operation == "migration":
        return ", ".join(f"{name}: {count} rows" for name, count in rows.items())
    if operation == "configuration":
        return ", ".join(item.key for b in batches for item in b.items)
    return ""


@app.command()
@user_errors
def run(path: PlanPath,
        actor: Annotated[str | None, typer.Option(help="who runs the wave (default: ERPFLOW_ACTOR or the user)")] = None
        ) -> None:
    """Run a wave plan as a Prefect flow; batches already done are skipped."""
    from ..model.errors import CommandRefused
    from ..preparation import prepare
    from ..prefect_env import prepare_prefect_env

    settings = load_settings()
    prepared = prepare(path, settings.method)
    from ..ledger import Ledger

    wave = Ledger(settings).find_wave(prepared.name)
    if wave is not None and wave.run_id is not None:
        raise CommandRefused(f"wave {prepared.name!r} is already being run by run {wave.run_id}")
    prepare_prefect_env(settings)
    from prefect import tags

    from ..orchestration import run_wave

    logging.getLogger("prefect.server").setLevel(logging.CRITICAL)
    with tags(*prepared.tags()):
        state = run_wave(str(path), actor, return_state=True)
    _print_status(prepared.name)
    if not state.is_completed():
        err.print(f"[bold red]wave {prepared.name} did not complete:[/] {state.message}", highlight=False)
        raise typer.Exit(1)


def _print_status(name: str) -> None:
    from ..projections.status import ITEM_STATUSES, wave_status

    status = wave_status(open_ledger(), name)
    out.print(f"[bold]Wave {status.name}[/] ({status.kind}, {', '.join(status.sites)}): "
              f"[bold]{status.state}[/], {status.runs} run(s)")
    table = Table("operation", "state", "batches done", "failed", "skipped last run", *ITEM_STATUSES)
    for op in status.operations:
        table.add_row(op.operation, op.state, f"{op.batches_done}/{op.batches}", str(op.batches_failed),
                      str(op.batches_skipped), *(str(op.items.get(s, 0)) for s in ITEM_STATUSES))
    out.print(table)
    for dataset, r in status.reconciliations.items():
        mark = "[green]balanced[/]" if r["balanced"] else "[bold red]NOT balanced[/]"
        out.print(f"  {dataset}: read {r['read']} = loaded {r['loaded']} + rejected {r['rejected']}  {mark}")


@app.command()
@user_errors
def status(wave: WaveName) -> None:
    """Where a wave stands, per operation (done, rejected, failed), from its events."""
    _print_status(wave)


@app.command()
@user_errors
def history(wave: WaveName,
            as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False) -> None:
    """A wave's events in order."""
    from ..projections.history import history as events, summary

    ledger = open_ledger()
    ledger.wave(wave)
    if as_json:
        for rec in events(ledger, wave):
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    table = Table("#", "time (UTC)", "event", "operation", "actor", "detail")
    for rec in events(ledger, wave):
        table.add_row(str(rec["position"]), rec["timestamp"][:19].replace("T", " "), rec["type"],
                      rec["operation"], rec["actor"], summary(rec))
    out.print(table)

