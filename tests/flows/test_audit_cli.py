"""Audit commands on a real wave: history filters, trace, verify, export, pinned inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.application.ledger import Ledger
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
    migration = [
        json.loads(line)
        for line in cli(home, "history", "pilot", "--operation", "migration", "--json").stdout.splitlines()
    ]
    assert migration and all(r["operation"] == "migration" for r in migration)
    none_yet = cli(home, "history", "pilot", "--until", "2000-01-01T00:00:00", "--json")
    assert none_yet.exit_code == 0 and none_yet.stdout == ""
    readable = cli(home, "history", "pilot")
    assert "Input files of the plan as last run" in readable.stdout and "hr_export.csv" in readable.stdout

    traced = [json.loads(line) for line in cli(home, "trace", "eandre", "--json").stdout.splitlines()]
    said = {(r["operation"], r["type"]): r["about"] for r in traced}
    created, rejected = said[("accounts", "Batch.Succeeded")].split("; ")
    assert (
        created.startswith("created ")
        and rejected == "rejected duplicate login 'eandre' (first at line 4) hr_export.csv:296"
    )
    assert said[("accounts", "Anomaly.Raised")].startswith("raised: major")
    assert said[("training", "Batch.Succeeded")].startswith("sent ") and said[("training", "Batch.Succeeded")].endswith(
        "/eandre.eml"
    )
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
    assert manifest["wave"] == "pilot" and manifest["events"] == len(events)
    head = Ledger(pilot.settings).chain.chain_head()
    assert manifest["chain_head"] == {"position": head[0], "digest": head[1]}
    assert head[0] == max(json.loads(line)["position"] for line in events) and verified.stdout.startswith(
        f"verified: {head[0]} events"
    )
    check = subprocess.run(
        [sys.executable, "-I", "-S", str(REPO / "docs" / "verify-export.py"), str(tmp_path / "audit")],
        capture_output=True,
        text=True,
    )
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


def test_show_rebuilds_the_wave_as_it_was_at_a_position_or_a_time(pilot: WaveRun):
    home = pilot.settings.home
    records = [json.loads(line) for line in cli(home, "history", "pilot", "--json").stdout.splitlines()]
    accounts_done = next(
        r["position"] for r in records if r["type"] == "Wave.OperationFinished" and r["operation"] == "accounts"
    )
    then = cli(home, "show", "pilot", "--at", str(accounts_done))
    assert then.exit_code == 0, then.output
    assert f"Wave pilot at position {accounts_done}: running, 1 run(s)" in then.stdout
    rows = {line.split("│")[1].strip(): line for line in then.stdout.splitlines() if line.startswith("│ ")}
    assert "│ done " in rows["accounts"] and "│ not started " in rows["migration"]
    with_items = cli(home, "show", "pilot", "--at", str(accounts_done), "--items").stdout
    assert "eandre" in with_items and "C10033" not in with_items

    moment = next(r["timestamp"] for r in records if r["type"] == "Runs.Completed")
    later = cli(home, "show", "pilot", "--at", moment, "--items")
    assert "C10033" in later.stdout and "completed" in later.stdout
    before = cli(home, "show", "pilot", "--at", "2001-01-01T00:00:00")
    assert before.exit_code == 2 and "had no event yet" in before.stderr


def test_the_items_read_model_rebuilt_from_zero_equals_the_live_one(pilot: WaveRun):
    from erpflow.application.ledger import Ledger
    from erpflow.projections.items import items, rebuild, update

    ledger = Ledger(pilot.settings)
    update(ledger)
    live = items(ledger, "pilot")
    assert len([r for r in live if r["status"] == "rejected"]) == 10 and len(live) == 4 + 220 + 97 + 100 + 4
    assert rebuild(ledger) > 0 and items(ledger, "pilot") == live
    rejected = cli(pilot.settings.home, "items", "pilot", "--status", "rejected", "--operation", "migration")
    assert rejected.exit_code == 0 and "C10033" in rejected.stdout and "eandre" not in rejected.stdout
    assert cli(pilot.settings.home, "projections", "rebuild").stdout.startswith("items read model rebuilt")
