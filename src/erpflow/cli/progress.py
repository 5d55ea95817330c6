"""The progress of `erpflow run` on the terminal: one bar per operation (items done, rejected, rate, ETA).

In a terminal the bars move live; otherwise (a pipe, a CI log) each finished batch is one plain line and the bars
are printed once at the end."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TaskID, TimeRemainingColumn
from rich.text import Text

__all__ = ["RunProgress"]


class _Rejected(ProgressColumn):
    def render(self, task: Task) -> Text:
        rejected = task.fields.get("rejected", 0)
        return Text(f"{rejected} rejected", style="red" if rejected else "dim")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed or (task.completed / task.elapsed if task.elapsed else None)
        return Text(f"{speed:,.0f} items/s" if speed else "- items/s", style="cyan")


class _Operation(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(task.description, style="bold")


class RunProgress:
    """Told by the wave's flow when an operation starts and when each of its batches finishes."""

    def __init__(self, console: Console, live: bool | None = None):
        self.console = console
        self.live = console.is_terminal if live is None else live
        self.bars = Progress(
            _Operation(),
            BarColumn(),
            MofNCompleteColumn(),
            _Rejected(),
            _Rate(),
            TimeRemainingColumn(),
            console=console,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.items = 0
        self.rejected = 0
        self.skipped = 0  # items of batches already done, skipped by this run
        self.lock = threading.Lock()  # batches finish in their tasks' threads

    def __enter__(self) -> RunProgress:
        if self.live:
            self.bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.live:
            self.bars.stop()
        elif self.tasks:
            self.console.print(self.bars)

    def started(self, operation: str, batches: Sequence[Any]) -> None:
        total = sum(b.size for b in batches)
        self.tasks[operation] = self.bars.add_task(operation, total=total or None, rejected=0)

    def finished(self, operation: str, batch: Any, result: Any) -> None:
        with self.lock:
            self._finished(operation, batch, result)

    def _finished(self, operation: str, batch: Any, result: Any) -> None:
        task = self.tasks[operation]
        rejected = int(result.counts.get("rejected", 0))
        self.bars.advance(task, batch.size)
        self.bars.update(task, rejected=self.bars.tasks[task].fields["rejected"] + rejected)
        self.items += batch.size
        self.rejected += rejected
        self.skipped += batch.size if result.status == "skipped" else 0
        if not self.live:
            done = self.bars.tasks[task]
            self.console.print(
                Text(
                    f"{operation}: batch {result.status} {result.key}: "
                    f"{done.completed:.0f}/{done.total or 0:.0f} items, {done.fields['rejected']} rejected"
                ),
                soft_wrap=True,
            )
