"""The report as Markdown: the summary artifact at the end of a run, and `erpflow report` in a terminal."""

from __future__ import annotations

import html
import re

from erpflow.model.gate import Result
from erpflow.projections.report import Report
from erpflow.projections.status import ITEM_STATUSES


def text(value: object) -> str:
    """A value as inert Markdown text: no HTML, no emphasis, link or table cell break, on one line."""
    one_line = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]|#~!])", r"\\\1", html.escape(one_line, quote=False))


def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d{hours:02d}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def figure(name: str, value: float) -> str:
    return f"{value:.0%}" if name.endswith("completion") else f"{value:,.0f}"


def criteria_table(results: list[Result]) -> str:
    lines = ["| criterion | measured | target | result |", "|---|---|---|---|"]
    lines += [
        f"| {text(r.title)} | {r.shown(r.measured)} | {r.target} | {'pass' if r.passed else '**fail**'} |"
        for r in results
    ]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    status = report.status
    lines = [
        f"# Wave {text(status.name)} ({status.kind}, {text(', '.join(status.sites))}): {status.state}",
        "",
        " · ".join(f"**{figure(k, v)}** {k}" for k, v in report.kpis.items()),
        "",
        "| operation | state | duration | batches done | " + " | ".join(ITEM_STATUSES) + " |",
        "|---|---|---|---|" + "---|" * len(ITEM_STATUSES),
    ]
    durations = report.durations
    for op in status.operations:
        counts = " | ".join(str(op.items.get(s, 0)) for s in ITEM_STATUSES)
        lines.append(
            f"| {op.operation} | {op.state} | {duration(durations.get(op.operation, 0))} | "
            f"{op.batches_done}/{op.batches} | {counts} |"
        )
    if status.reconciliations:
        lines += ["", "| dataset | read | loaded | rejected | left out | balanced |", "|---|---|---|---|---|---|"]
        for name, r in status.reconciliations.items():
            lines.append(
                f"| {text(name)} | {r['read']} | {r['loaded']} | {r['rejected']} | {r.get('left_out', 0)} | "
                f"{'yes' if r['balanced'] else 'NO'} |"
            )
    if status.left_out:
        lines += ["", "| rows left out by the plan | rule | rows |", "|---|---|---|"]
        lines += [
            f"| {text(section)} | {text(rule)} | {rows} |"
            for section, rules in status.left_out.items()
            for rule, rows in rules.items()
        ]
    lines += ["", "| anomalies | raised | open |", "|---|---|---|"]
    lines += [f"| {severity} | {c['raised']} | {c['open']} |" for severity, c in report.anomalies.items()]
    if report.completion:
        lines += ["", "| training, by role | attended | invited | completion |", "|---|---|---|---|"]
        lines += [f"| {text(role)} | {a} | {i} | {a / i:.0%} |" for role, (a, i) in report.completion.items() if i]
    if report.gate is not None:
        lines += [
            "",
            f"## Gate {text(report.gate.gate)}: {'pass' if report.gate.passed else 'fail'}",
            "",
            criteria_table(report.gate.results),
        ]
        if report.decision:
            lines += [
                "",
                f"Decision recorded: **{text(report.decision['decision'])}** by {text(report.decision['by'])}",
            ]
    return "\n".join(lines)
