"""The report as one self-contained HTML file: inline CSS and SVG, nothing fetched from the network."""

from __future__ import annotations

from importlib.resources import files

from erpflow.projections.report import Report
from erpflow.projections.status import ITEM_STATUSES
from erpflow.reports import charts
from erpflow.reports.markdown import duration, figure


def html(report: Report) -> str:
    from jinja2 import Environment, select_autoescape

    environment = Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(files(__package__).joinpath("report.html").read_text(encoding="utf-8"))
    results = report.gate.results if report.gate else []
    target = next((r.value for r in results if r.metric == "training_completion"), None)
    drawn = {
        "timeline": charts.timeline(report),
        "burndown": charts.burndown(report.burndown, report.generated_at) if report.burndown else "",
        "completion": charts.completion(report.completion, target) if report.completion else "",
    }
    return template.render(
        r=report,
        s=report.status,
        charts=drawn,
        items=ITEM_STATUSES,
        durations=report.durations,
        duration=duration,
        figure=figure,
    )
