"""The run's progress display: a bar per operation with its items and rejected rows; user data is never markup."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from erpflow.cli.progress import RunProgress


def batch(size: int) -> SimpleNamespace:
    return SimpleNamespace(size=size)


def result(key: str, rejected: int = 0, status: str = "done") -> SimpleNamespace:
    return SimpleNamespace(key=key, status=status, counts={"rejected": rejected} if rejected else {})


def test_outside_a_terminal_each_batch_is_a_line_and_the_bars_are_printed_at_the_end():
    shown = io.StringIO()
    with RunProgress(Console(file=shown, width=120)) as progress:
        progress.started("accounts", [batch(3), batch(2)])
        progress.finished("accounts", batch(3), result("[bold]lyon-1[/]", rejected=1))
        progress.finished("accounts", batch(2), result("lyon-2", status="skipped"))
    lines = shown.getvalue().splitlines()
    assert lines[0] == "accounts: batch done [bold]lyon-1[/]: 3/5 items, 1 rejected"
    assert lines[1] == "accounts: batch skipped lyon-2: 5/5 items, 1 rejected"
    assert lines[2].startswith("accounts ━") and " 5/5 1 rejected " in lines[2] and "items/s" in lines[2]
    assert (progress.items, progress.rejected, progress.skipped) == (5, 1, 2)
