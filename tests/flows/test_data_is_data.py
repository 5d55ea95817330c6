"""Data is data: markup, emoji codes and HTML in a source cell, an anomaly or the actor are printed as text by
every command, before and after being recorded; an actor that is not one printable line is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from .conftest import small_pilot
from .test_cli import assert_user_error

NAME = "[/][bold]Zoé :x: <b>x</b>"
ACTOR = "[bold]Ana :x:[/] <i>"
ITEM = "[/]fcollin :warning:"
REASON = "[red]bad[/] <script>alert(1)</script> :x:"


def assert_runs(result, *shown: str) -> None:
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for text in shown:
        assert text in result.stdout.replace("\n", ""), (text, result.stdout)


def test_markup_in_a_cell_an_anomaly_and_the_actor_never_crash_a_command(cli, tmp_path: Path, monkeypatch):
    # In one process, a log handler set up by the in-process run keeps CliRunner's closed stream: logging's own
    # report of that is not a command's traceback.
    monkeypatch.setattr(logging, "raiseExceptions", False)
    plan = small_pilot(tmp_path / "project")
    hr = tmp_path / "project" / "demo" / "hr_export.csv"
    hr.write_bytes(hr.read_bytes().replace("Hébert".encode(), NAME.encode()))
    cli.env["ERPFLOW_ACTOR"] = ACTOR
    assert_runs(cli("plan", str(plan)))
    run = cli("run", str(plan))
    assert run.exit_code == 0, run.output
    raised = cli("anomaly", "raise", "pilot", "--item", ITEM, "--reason", REASON)
    assert_runs(raised, ITEM)
    anomaly_id = raised.stdout.split()[1]
    assert_runs(cli("anomaly", "comment", "pilot", anomaly_id, "[/] :x: <b>"))
    assert_runs(cli("anomaly", "resolve", "pilot", anomaly_id, "--resolution", "[/]done :x:"))
    for args in (
        ("status", "pilot"),
        ("history", "pilot"),
        ("anomaly", "list", "pilot"),
        ("trace", ITEM),
        ("items", "pilot"),
        ("show", "pilot", "--at", "5", "--items"),
        ("report", "pilot"),
        ("gate", "pilot"),
        ("history", "pilot", "--item", "nhebert"),
    ):
        assert_runs(cli(*args))
    assert ":x:" in cli("history", "pilot").stdout
    assert ACTOR[:10] in cli("history", "pilot").stdout.replace("\n", "")
    listed = cli("anomaly", "list", "pilot").stdout
    assert "[/]" in listed and ":warning:" in listed and "⚠" not in listed and "❌" not in listed
    assert_runs(cli("gate", "pilot", "--record", "--no-go", "--comment", "[/] :x:"))
    assert_runs(cli("gate", "pilot"), "[bold]Ana :x:[/]")
    report = tmp_path / "report.html"
    assert_runs(cli("report", "pilot", "--html", str(report)))
    assert "<script>alert" not in report.read_text() and "<b>x</b>" not in report.read_text()


@pytest.mark.parametrize("actor", ["", "   ", "ana\nroot", "ana\r", "a\x1b[31m", "a\u202eb", "a\u2028b"])
def test_an_actor_that_is_not_one_printable_line_is_refused(cli, tmp_path: Path, actor: str):
    plan = small_pilot(tmp_path / "project")
    cli.env["ERPFLOW_ACTOR"] = actor
    for args in (("run", str(plan)), ("anomaly", "list", "pilot")):
        result = cli(*args)
        if args[0] == "run":
            assert_user_error(result, "ERPFLOW_ACTOR")
    assert not (Path(cli.env["ERPFLOW_HOME"]) / "events.sqlite").exists()
    cli.env["ERPFLOW_ACTOR"] = "ana"
    assert_user_error(cli("run", str(plan), "--actor", actor), "actor")


@pytest.mark.parametrize("field", ["--item", "--reason"])
def test_a_control_character_in_anomaly_text_is_refused(pilot_copy, cli, field: str):
    cli.env["ERPFLOW_HOME"] = str(pilot_copy.settings.home)
    values = {"--item": "fcollin", "--reason": "wrong"} | {field: "line\nforged: yes"}
    assert_user_error(
        cli("anomaly", "raise", "pilot", *(x for kv in values.items() for x in kv)), field.strip("-"), "U+000A"
    )


def test_ctrl_c_in_any_command_is_one_line_and_exit_130(cli, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("erpflow.cli.anomalies.open_ledger", interrupted)
    result = cli("anomaly", "list", "pilot")
    assert result.exit_code == 130 and result.stderr.strip() == "interrupted", result.output
