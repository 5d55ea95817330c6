"""Audit commands on a real wave: history filters, trace, verify, export, pinned inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.cli import app

from .conftest import WaveRun, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
REPO = Path(__file__).resolve().parents[2]


def cli(home: Path, *args: str):
    return CliRunner().invoke(app, list(args), env={"ERPFLOW_HOME": str(home)})


def test_history_filters_and_trace_answer_about_one_item(pilot: WaveRun):
    home = pilot.settings.home
    about = cli(home, "history", "pilot", "--item", "C10033", "--json")
    records = [json.loads(line) for line in about.stdout.splitlines()]
    assert {r["type"] for r in records} == {"Batch.Succeeded", "Anomaly.Raised"}
    migration = [json.loads(line) for line in cli(home, "history", "pilot", "--operation", "migration",
                                                  "--json").stdout.splitlines()]
    assert migration and all(r["operation"] == "migration" for r in migration)
    none_yet = cli(home, "history", "pilot", "--until", "2000-01-01T00:00:00", "--json")
    assert none_yet.exit_code == 0 and none_yet.stdout == ""
    readable = cli(home, "history", "pilot")
    assert "Input files of the plan as last run" in readable.stdout and "hr_export.csv" in readable.stdout

    traced = [json.loads(line) for line in cli(home, "trace", "eandre", "--json").stdout.splitlines()]
    said = {(r["operation"], r["type"]): r["about"] for r in traced}
    created, rejected = said[("accounts", "Batch.Succeeded")].split("; ")
    assert created.startswith("created ") and \
        rejected == "rejected duplicate login 'eandre' (first at line 4) hr_export.csv:296"
    assert said[("accounts", "Anomaly.Raised")].startswith("raised: major")
    assert said[("training", "Batch.Succeeded")].startswith("sent ") and said[("training", "Batch.Succeeded")] \
        .endswith("/eandre.eml")
    assert {r["wave"] for r in traced} == {"pilot"}
    assert "eandre" in cli(home, "trace", "eandre").stdout


def test_verify_passes_on_the_pilot_and_its_export_checks_with_the_standard_library(pilot: WaveRun, tmp_path):
    home = pilot.settings.home
    verified = cli(home, "verify")
    assert verified.exit_code == 0 and verified.stdout.startswith("verified: "), verified.output
    exported = cli(home, "export", "pilot", str(tmp_path / "audit"))
    assert exported.exit_code == 0, exported.output
    manifest = json.loads((tmp_path / "audit" / "manifest.json").read_text())
    events = cli(home, "history", "pilot", "--json").stdout.splitlines()
    assert manifest["wave"] == "pilot" and manifest["events"] == len(events) and len(manifest["seals"]) >= 5
    check = subprocess.run([sys.executable, "-I", "-S", str(REPO / "docs" / "verify-export.py"),
                            str(tmp_path / "audit")], capture_output=True, text=True)
    assert check.returncode == 0 and "match their digests" in check.stdout, check.stderr
    assert cli(home, "verify", "--inputs", "pilot").exit_code == 0


def test_verify_inputs_names_the_file_changed_since_the_run(prefect_api, wave_env, tmp_path: Path):
    plan = small_pilot(tmp_path)
    run = wave_env(plan, tmp_path / "home")
    assert run.state.is_completed(), run.state.message
    products = tmp_path / "demo" / "legacy_products.csv"
    products.write_text(products.read_text().replace("Transport express", "Transport urgent"))
    changed = cli(tmp_path / "home", "verify", "--inputs", "pilot")
    assert changed.exit_code == 1 and f"changed: {products}" in changed.stdout
