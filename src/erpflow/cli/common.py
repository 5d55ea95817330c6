"""What every command shares: the app, consoles, user-error handling, settings and ledger."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from erpflow.cli.interrupt import exit_code
from erpflow.model.errors import ErpflowError

app = typer.Typer(help="Run ERP roll-out waves as Prefect flows; every outcome is a domain event.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
WIDTH = 140  # when the output is not a terminal (CI logs, pipes), tables keep their columns


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, emoji=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = WIDTH
    return console


out = _console()
err = _console(stderr=True)



class Rows(Table):
    """A table of data: a ``str`` cell is shown as it is, never read as markup; styled cells are ``Text``."""

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        super().add_row(*(Text(c) if isinstance(c, str) else c for c in cells), **kwargs)


def styled(text: str, style: str) -> Text:
    return Text(text, style=style)


PlanPath = Annotated[Path, typer.Argument(help="the wave plan (YAML)")]
WaveName = Annotated[str, typer.Argument(help="the wave's name")]


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """A user error is one line on stderr and exit code 2, Ctrl-C one line and exit code 130; never a
    traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ErpflowError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            err.print("interrupted", highlight=False)
            raise typer.Exit(exit_code(exc)) from None

    return wrapper


def load_settings() -> Any:
    from erpflow.settings import load_settings as from_environment

    return from_environment()


def open_ledger() -> Any:
    from erpflow.application.ledger import Ledger

    return Ledger(load_settings())
