"""The command line as a user runs it: good and bad plans, a run, its status and its history."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application import engine
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import prepare
from erpflow.cli import app
from erpflow.settings import Settings

from .conftest import WaveRun, copy_pilot

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "deployments" / "plans" / "pilot.yaml"


def invoke(*args: str, home: Path | None = None):
    env = {"ERPFLOW_HOME": str(home)} if home else {}
    return CliRunner().invoke(app, list(args), env=env)


def assert_user_error(result, *fragments: str) -> None:
    """Exit code 2 and one line on stderr naming what is wrong; never a traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_plan_shows_what_a_run_would_do_and_the_rows_it_would_reject(tmp_path: Path):
    result = invoke("plan", str(PLAN), home=tmp_path / "home")
    assert result.exit_code == 0, result.output
    assert "Wave pilot (pilot) on Lyon" in result.stdout
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:6]]
        for line in result.stdout.splitlines()
        if line.startswith("│") and line.split("│")[1].strip()
    }
    assert rows["accounts"] == ["1", "100", "97", "3"]
    assert rows["migration"] == ["3", "220", "213", "7"]
    assert rows["training"][:3] == ["15", "97", "97"]
    assert "will reject hr_export.csv:124: jmartin: E-mail" in result.stdout
    assert "will reject legacy_suppliers.xlsx:25: F2024" in result.stdout
    assert not (tmp_path / "home").exists()  # plan touches nothing


def test_a_malformed_plan_is_one_line_naming_file_line_and_field(tmp_path: Path):
    plan = copy_pilot(tmp_path)
    plan.write_text(plan.read_text().replace("  group_size: 8", "  group_size: eight"))
    assert_user_error(invoke("plan", str(plan)), f"{plan}:", "training.group_size", "valid integer")


def test_a_missing_source_or_column_is_one_line_naming_the_file(tmp_path: Path):
    plan = copy_pilot(tmp_path)
    (tmp_path / "demo" / "legacy_products.csv").unlink()
    assert_user_error(invoke("plan", str(plan)), "legacy_products.csv")

    plan = copy_pilot(tmp_path / "other")
    hr = tmp_path / "other" / "demo" / "hr_export.csv"
    hr.write_text(hr.read_text(encoding="utf-8-sig").replace("Identifiant", "Login"), encoding="utf-8")
    assert_user_error(invoke("plan", str(plan)), "hr_export.csv", "Identifiant")


def test_an_unknown_wave_is_a_user_error(tmp_path: Path):
    assert_user_error(invoke("status", "nowhere", home=tmp_path), "nowhere")
    assert_user_error(invoke("history", "nowhere", home=tmp_path), "nowhere")


def test_run_refuses_a_wave_that_another_run_holds(tmp_path: Path):
    plan = copy_pilot(tmp_path)
    settings = Settings(home=tmp_path / "home", actor="someone")
    prepared = prepare(plan, None)
    engine.begin(Ledger(settings), prepared, "someone", "run-42")
    assert_user_error(invoke("run", str(plan), home=settings.home), "already being run by run run-42")


@pytest.mark.prefect
def test_run_status_and_history_of_the_pilot(pilot_copy: WaveRun):
    pilot = pilot_copy
    home = pilot.settings.home
    again = pilot.plan.with_name("pilot-again.yaml")  # the same plan under another name: its batches all skipped
    shutil.copy(pilot.plan, again)
    try:
        result = invoke("run", str(again), home=home)
    finally:
        again.unlink()
    assert result.exit_code == 0, result.output
    assert "Wave pilot (pilot, Lyon): completed" in result.stdout
    training = next(line for line in result.stdout.splitlines() if line.startswith("│ training"))
    assert [c.strip() for c in training.split("│")[2:7]] == ["done", "15/15", "0", "0", "15"]

    status = invoke("status", "pilot", home=home)
    assert status.exit_code == 0 and "customers: read 120 = loaded 115 + rejected 5  balanced" in status.stdout

    history = invoke("history", "pilot", "--json", home=home)
    records = [json.loads(line) for line in history.stdout.splitlines()]
    assert records[0]["type"] == "Wave.Planned" and records[-1]["type"] == "Runs.Completed"
    assert [r["position"] for r in records] == sorted(r["position"] for r in records)
    readable = invoke("history", "pilot", home=home)
    assert "Batch.Succeeded" in readable.stdout and "integrator" in readable.stdout


@pytest.mark.prefect
def test_commands_that_run_no_flow_do_not_import_prefect_or_tryton(pilot: WaveRun):
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from erpflow.cli import app\n"
        "for args in sys.argv[1:]:\n"
        "    result = CliRunner().invoke(app, args.split('|'))\n"
        "    assert result.exit_code == 0, result.output\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'trytond', 'proteus'}))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            f"plan|{pilot.plan}",
            "status|pilot",
            "history|pilot",
            "history|pilot|--json",
            f"run|{pilot.plan}",  # the wave is complete and its inputs unchanged: nothing to do
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"ERPFLOW_HOME": str(pilot.settings.home), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_bad_erpflow_setting_is_one_line_and_exit_2(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["status", "pilot"], env={"ERPFLOW_HOME": str(tmp_path), "ERPFLOW_LEASE_SECONDS": "abc"}
    )
    assert_user_error(result, "ERPFLOW_LEASE_SECONDS", "'abc'")


def test_trigger_with_no_prefect_server_says_so_without_blaming_an_input(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["trigger", str(PLAN)], env={"ERPFLOW_HOME": str(tmp_path / "home"), "PREFECT_API_URL": None}
    )
    assert_user_error(result, "no Prefect server: start one with `make serve`")
    assert result.stderr.startswith("error: no Prefect server")  # a missing service, not a bad file or setting
