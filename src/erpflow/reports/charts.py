"""The report's charts as inline SVG, drawn by matplotlib with text kept as text (searchable, no fonts)."""

from __future__ import annotations

import io
from datetime import datetime

from erpflow.projections.report import Report, Span

COLOURS = {"done": "#2e7d32", "failed": "#c62828", "interrupted": "#ef6c00", "running": "#1565c0"}
INK, GRID = "#37474f", "#cfd8dc"


def _pyplot():
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            "axes.edgecolor": GRID,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "svg.hashsalt": "erpflow",
            "text.parse_math": False,
        }
    )  # the same SVG each time; $ is text
    return plt


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    _pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def timeline(report: Report) -> str:
    """Operations (thick bars) and their batches (thin bars beneath) against wall-clock time."""
    plt = _pyplot()
    from matplotlib.dates import DateFormatter, date2num

    order = [op.operation for op in report.status.operations]
    figure, axes = plt.subplots(figsize=(9, 0.45 + 0.55 * len(order)))
    spans: dict[str, tuple[list, list]] = {name: ([], []) for name in order}
    for kind, found in enumerate((report.operations, report.batches)):
        for span in found:
            spans.setdefault(span.operation, ([], []))[kind].append(span)
    for row, name in enumerate(order):
        _bars(axes, spans[name][0], row - 0.12, 0.34, date2num)
        _bars(axes, spans[name][1], row + 0.22, 0.14, date2num)
    axes.set_yticks(range(len(order)), order)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M:%S"))
    axes.grid(axis="x", color=GRID, linewidth=0.5)
    axes.set_xlabel("time (UTC); thick: operation, thin: its batches; green done, red failed, orange interrupted")
    return _svg(figure)


def _bars(axes, spans: list[Span], y: float, height: float, date2num) -> None:
    if spans:
        starts = [date2num(s.start) for s in spans]
        widths = [max(date2num(s.end or s.start) - start, 1e-6) for s, start in zip(spans, starts, strict=True)]
        axes.broken_barh(
            list(zip(starts, widths, strict=True)),
            (y - height / 2, height),
            facecolors=[COLOURS[s.outcome] for s in spans],
        )


def burndown(points: list[tuple[datetime, int, int]], now: datetime) -> str:
    """Open anomalies, and the blocking ones among them, after each raise or resolution, until now."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 2.6))
    points = [*points, (now, *points[-1][1:])]
    times = [p[0] for p in points]
    axes.step(times, [p[1] for p in points], where="post", color=COLOURS["interrupted"], label="open")
    axes.step(times, [p[2] for p in points], where="post", color=COLOURS["failed"], label="open blocking")
    axes.set_ylim(bottom=0)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(color=GRID, linewidth=0.5)
    axes.legend(frameon=False, loc="upper right")
    figure.autofmt_xdate()
    return _svg(figure)


def completion(by_role: dict[str, tuple[int, int]], target: float | None) -> str:
    """Training completion per role, against the gate's target when it has one."""
    plt = _pyplot()
    roles = list(by_role)
    rates = [100 * a / i if i else 0.0 for a, i in by_role.values()]
    figure, axes = plt.subplots(figsize=(9, 0.5 + 0.4 * len(roles)))
    bars = axes.barh(
        roles,
        rates,
        color=[COLOURS["done"] if target is None or r >= 100 * target else COLOURS["failed"] for r in rates],
    )
    axes.bar_label(bars, labels=[f"{a}/{i}" for a, i in by_role.values()], padding=3, color=INK)
    if target is not None:
        axes.axvline(100 * target, color=INK, linestyle="--", linewidth=1)
    axes.set_xlim(0, 110)
    axes.invert_yaxis()
    axes.set_xlabel("% of invited people who attended" + ("; dashed: the gate's target" if target else ""))
    return _svg(figure)
