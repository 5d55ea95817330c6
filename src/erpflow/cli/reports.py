"""Report commands: the steering-committee report of a wave, and the trajectory of every wave of a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import WaveName, app, load_settings, open_ledger, out, user_errors


@app.command()
@user_errors
def report(
    wave: WaveName,
    html: Annotated[Path | None, typer.Option("--html", help="write one self-contained HTML file")] = None,
    markdown: Annotated[Path | None, typer.Option("--markdown", help="write the Markdown summary")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite a file that exists")] = False,
) -> None:
    """The steering-committee report: KPIs, durations, timeline, anomalies, training, gate and RACI."""
    from rich.markdown import Markdown

    from erpflow.application.gates import wave_method
    from erpflow.cli.paths import writable_file, writing
    from erpflow.projections.report import build_report
    from erpflow.reports.markdown import markdown as as_markdown

    for path in (p for p in (html, markdown) if p is not None):
        writable_file(path, force)
    ledger = open_ledger()
    built = build_report(ledger, wave, wave_method(ledger, wave, load_settings().method))
    if html is None and markdown is None:
        out.print(Markdown(as_markdown(built)))
    if markdown is not None:
        with writing(markdown):
            markdown.write_text(as_markdown(built) + "\n", encoding="utf-8")
        out.print(escape(f"Markdown report written to {markdown}"), highlight=False)
    if html is not None:
        from erpflow.reports.html import html as as_html

        with writing(html):
            html.write_text(as_html(built), encoding="utf-8")
        out.print(escape(f"HTML report written to {html}"), highlight=False)


@app.command()
@user_errors
def trajectory(folder: Annotated[Path, typer.Argument(help="a folder of wave plans (*.yaml)")]) -> None:
    """Every wave planned in a folder, in order: its status, its gate, and an estimate of what remains."""
    from erpflow.cli.common import Rows, styled
    from erpflow.model.vocabulary import Decision
    from erpflow.projections.trajectory import read_plans
    from erpflow.projections.trajectory import trajectory as build
    from erpflow.reports.markdown import duration

    found = build(open_ledger(), read_plans(folder))
    table = Rows("wave", "kind", "sites", "after", "training planned", "status", "gate", "cycle time", "remaining")
    for step in found.waves:
        colours: dict[str, str] = {Decision.GO: "green", Decision.NO_GO: "bold red"}
        colour = colours.get(step.gate, "")
        table.add_row(
            step.name,
            step.kind,
            ", ".join(step.sites),
            step.after or "-",
            f"{step.training[0]} to {step.training[1]}",
            step.state,
            styled(step.gate, colour) if step.gate else "-",
            duration(step.cycle_time.total_seconds()) if step.cycle_time else "-",
            duration(step.remaining.total_seconds()) if step.remaining is not None else "-",
        )
    out.print(table)
    if found.cycle_time is None or found.remaining is None:
        out.print("remaining: no wave has reached a go yet, so no cycle time is measured to estimate from")
    else:
        out.print(
            f"mean cycle time (first start to go): {duration(found.cycle_time.total_seconds())}; "
            f"estimated until the last wave's go: {duration(found.remaining.total_seconds())}"
        )
