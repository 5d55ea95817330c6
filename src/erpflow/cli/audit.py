"""Audit commands: trace, verify, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, app, err, load_settings, open_ledger, out, user_errors


@app.command()
@user_errors
def trace(
    key: Annotated[str, typer.Argument(help="a login or a legacy id")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Every event about one account or one migrated record, across all waves."""
    import json
    import sys

    from erpflow.projections.history import trace as events

    if as_json:
        for rec, said in events(open_ledger(), key):
            sys.stdout.write(json.dumps({**rec, "about": said}, ensure_ascii=False) + "\n")
        return
    table = Rows("#", "time (UTC)", "wave", "operation", "event", "what it says", "actor", "run")
    for rec, said in events(open_ledger(), key):
        table.add_row(
            str(rec["position"]),
            rec["timestamp"][:19].replace("T", " "),
            rec["wave"],
            rec["operation"],
            rec["type"],
            said,
            rec["actor"],
            rec["flow_run_id"][:8],
        )
    out.print(table)


Anchors = Annotated[
    list[Path] | None,
    typer.Option(
        "--anchors",
        help="anchor files or folders of them, and export manifests, to compare the store with "
        "(default: the home's anchors folder)",
    ),
]


@app.command()
@user_errors
def verify(
    inputs: Annotated[
        str | None,
        typer.Option(
            "--inputs", metavar="WAVE", help="instead: which input files on disk differ from those the wave ran"
        ),
    ] = None,
    anchors: Anchors = None,
    more: Annotated[
        list[Path] | None, typer.Argument(help="more anchor files or folders", show_default=False, metavar="PATH")
    ] = None,
) -> None:
    """Recompute the event log's hash chain and name the first record edited, deleted or inserted; compare
    the store with its anchors to find a cut tail, an emptied or replaced store, a rewritten chain."""
    ledger = open_ledger()
    if inputs is not None:
        from erpflow.audit.inputs import changed_inputs

        changes = changed_inputs(ledger.wave(inputs).inputs)
        for path, change in changes.items():
            out.print(escape(f"{change}: {path}"), highlight=False)
        if changes:
            raise typer.Exit(1)
        out.print(escape(f"every input file of wave {inputs} is as it was run"), highlight=False)
        return
    from erpflow.audit import anchors as anchoring
    from erpflow.audit.seals import verify as check

    settings = load_settings()
    given = [*(anchors or []), *(more or [])]
    if given:
        found, bad = anchoring.read(given, settings)
    else:
        found, bad = anchoring.home_anchors(ledger, settings)
    verdict = check(ledger)
    cut = anchoring.compare(ledger, found)
    if not verdict.ok:
        err.print(f"[bold red]tampered:[/] {escape(str(verdict))}", highlight=False)
    for problem in cut:
        err.print(f"[bold red]tampered:[/] {escape(str(problem))}", highlight=False)
    for problem in bad:
        err.print(f"[bold red]bad anchor:[/] {escape(str(problem))}", highlight=False)
    if not verdict.ok or cut or bad:
        raise typer.Exit(1)
    latest = max((a.position for a in found), default=None)
    out.print(
        escape(
            str(verdict)
            + (
                f"; {len(found)} anchor(s) match, the latest at position {latest}"
                if found
                else "; no anchor to compare with"
            )
        ),
        highlight=False,
    )


@app.command()
@user_errors
def export(
    wave: Annotated[str, typer.Argument(help="the wave's name")],
    folder: Annotated[Path, typer.Argument(help="where events.jsonl and manifest.json go")],
    force: Annotated[bool, typer.Option("--force", help="overwrite an export there")] = False,
) -> None:
    """Export a wave's events with a manifest an auditor checks with `python3 docs/verify-export.py FOLDER`."""
    from erpflow.audit.export import export as write
    from erpflow.cli.paths import export_folder, writing

    export_folder(folder, ("events.jsonl", "manifest.json"), force)
    with writing(folder):
        manifest = write(open_ledger(), wave, folder, load_settings())
    out.print(
        escape(
            f"{manifest['events']} events of wave {wave} written to {folder} (chain head "
            f"{manifest['chain_head']['digest'][:16]} at position {manifest['chain_head']['position']})"
        ),
        highlight=False,
    )
