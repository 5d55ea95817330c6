"""A damaged event store: every command says in one line what is wrong and to run `erpflow verify`; exit 2."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application.ledger import Ledger
from erpflow.cli import app
from erpflow.model.batch import Batch
from erpflow.model.wave import Wave
from erpflow.settings import Settings

from .test_cli import assert_user_error

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1.0"}
COMMANDS = [
    ("status", "pilot"),
    ("history", "pilot"),
    ("items", "pilot"),
    ("show", "pilot", "--at", "3"),
    ("anomaly", "list", "pilot"),
    ("trace", "user1"),
    ("export", "pilot", "out"),
    ("anomaly", "raise", "pilot", "--item", "x", "--reason", "r", "--severity", "minor"),
]


def recorded(settings: Settings) -> None:
    """A wave and 200 batches, the file checkpointed so that it holds every page."""
    ledger = Ledger(settings)
    wave = Wave(
        name="pilot", kind="pilot", sites=["Lyon"], cycle=["accounts"], plan_digest="d", inputs={}, plan={}, ctx=CTX
    )
    wave.start_operation("accounts", [f"b{n}" for n in range(200)], CTX)
    ledger.save(wave)
    for n in range(200):
        batch = Batch(
            wave="pilot",
            operation="accounts",
            key=f"b{n}",
            items=1,
            digest="d",
            details={"padding": "x" * 200},
            ctx=CTX,
        )
        batch.attempt("run-1", CTX)
        ledger.save(batch)
    ledger.close()
    if not settings.event_store.get_secret_value():
        with sqlite3.connect(settings.events_path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def header_overwritten(path: Path) -> None:
    with open(path, "r+b") as file:
        file.write(b"\xde\xad\xbe\xef" * 25)


def garbage_state(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE stored_events SET state = x'00ff7b22' WHERE rowid = 1")


def foreign_file(path: Path) -> None:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE party (id INTEGER PRIMARY KEY, name TEXT)")


@pytest.mark.parametrize("damage", [truncated, header_overwritten, garbage_state, foreign_file])
def test_every_command_on_a_damaged_sqlite_store_says_so_in_one_line(damage, tmp_path: Path, monkeypatch):
    settings = Settings(home=tmp_path / "home", actor="tester")
    recorded(settings)
    damage(settings.events_path)
    monkeypatch.chdir(tmp_path)
    for command in COMMANDS:
        result = CliRunner().invoke(app, list(command), env={"ERPFLOW_HOME": str(settings.home)})
        assert_user_error(result, "event store", "erpflow verify")


@pytest.mark.postgres
def test_a_record_with_garbage_state_on_postgresql_is_one_line_too(postgres_url: str, tmp_path: Path):
    import psycopg

    settings = Settings(home=tmp_path / "home", event_store=postgres_url, actor="tester")
    recorded(settings)
    url, _, schema = postgres_url.partition("?schema=")
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute("UPDATE erpflow_events SET state = '\\x00ff7b22'::bytea WHERE notification_id = 1")
    env = {"ERPFLOW_HOME": str(settings.home), "ERPFLOW_EVENT_STORE": postgres_url}
    for command in COMMANDS[:5]:
        assert_user_error(CliRunner().invoke(app, list(command), env=env), "event store", "erpflow verify")
    verified = CliRunner().invoke(app, ["verify"], env=env)
    assert verified.exit_code == 1 and "position 1: its content differs" in verified.stderr


def test_a_storage_library_error_reaching_the_boundary_is_one_line_and_any_other_error_is_not_hidden(capsys):
    import typer
    from eventsourcing.persistence import MapperDeserialisationError

    from erpflow.cli.common import user_errors

    for error in (sqlite3.DatabaseError("database disk image is malformed"), MapperDeserialisationError("bad")):

        @user_errors
        def command(error: Exception = error) -> None:
            raise error

        with pytest.raises(typer.Exit) as stopped:
            command()
        assert stopped.value.exit_code == 2
        said = capsys.readouterr().err.strip().splitlines()
        assert (
            len(said) == 1
            and said[0].startswith("error: the event store cannot be read (")
            and said[0].endswith("run `erpflow verify`")
        )

    @user_errors
    def buggy() -> None:
        raise ValueError("a bug of erpflow's own")

    with pytest.raises(ValueError, match="a bug"):
        buggy()
