"""What every command shares: the app, consoles, user-error handling, settings and ledger."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from erpflow.interrupts import exit_code
from erpflow.model.errors import ErpflowError

app = typer.Typer(
    help="Run ERP roll-out waves as Prefect flows; every outcome is a domain event.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
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


STORE_LIBRARIES = ("eventsourcing", "psycopg", "sqlite3")


def store_error(exc: BaseException) -> str | None:
    """What a storage library's error says about the event store, in one line; None if it is none of theirs.

    Whatever a command does, an error raised inside the event store's libraries (a damaged file, a record that
    does not decode) means the store is not as erpflow wrote it.
    """
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    origin = type(exc).__module__
    if not (
        isinstance(exc, sqlite3.DatabaseError)
        or origin.startswith(STORE_LIBRARIES)
        or (frames and frames[-1].startswith(STORE_LIBRARIES))
    ):
        return None
    said = " ".join(str(exc).split()) or type(exc).__name__
    return f"the event store cannot be read ({said[:200]}); run `erpflow verify`"


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """A user error is one line on stderr and exit code 2, Ctrl-C one line and exit code 130; never a
    traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ErpflowError as exc:
            _fail(str(exc))
        except KeyboardInterrupt as exc:
            err.print("interrupted", highlight=False)
            raise typer.Exit(exit_code(exc)) from None
        except Exception as exc:
            said = store_error(exc)
            if said is None:
                raise
            _fail(said)

    return wrapper


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


def load_settings() -> Any:
    from erpflow.settings import load_settings as from_environment

    return from_environment()


def open_ledger() -> Any:
    from erpflow.application.ledger import Ledger

    return Ledger(load_settings())
