"""`run` on exports as French HR tools write them, no file edited by hand: rejections keep the lines of the
customer's file, invitations go out in French."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from .test_plan_exports import legacy_project, project

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def test_a_run_on_a_cp1252_export_with_a_title_row_records_the_files_lines_and_invites_in_french(cli, tmp_path: Path):
    def french(data: dict) -> None:
        data["training"]["mail"]["language"] = "fr"

    plan, lines = project(tmp_path, {"Lyon": 6, "Nîmes": 2}, ["Lyon"], french)
    for name, rows in (("legacy_customers.csv", 10), ("legacy_products.csv", 10)):
        path = tmp_path / "demo" / name
        path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[: rows + 1]))
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    history = cli("history", "pilot", "--json").stdout
    assert f"hr_export.csv:{lines[3]}" in history and f"hr_export.csv:{lines[5]}" in history
    [invitation, *_] = sorted((cli.settings.home / "outbox" / "pilot").glob("*/*.eml"))
    message = message_from_bytes(invitation.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("Formation : ")
    assert message.get_body(("plain",)).get_content().startswith("Bonjour Élodie Garçon")


def test_a_run_on_a_bom_csv_and_a_workbook_with_title_rows_records_the_lines_plan_reported(cli, tmp_path: Path):
    import json

    plan = legacy_project(tmp_path)
    planned = json.loads(cli("plan", "--json", str(plan)).stdout)
    reported = {f"{r['file']}:{r['line']}" for r in planned["rejections"] if r["operation"] == "migration"}
    assert {"articles.xlsx:6", "articles.xlsx:7"} <= reported and any(r.startswith("clients.csv:") for r in reported)
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in cli("history", "pilot", "--json").stdout.splitlines()]
    recorded = {
        outcome["source"]
        for e in events
        for outcome in e["data"].get("outcomes", [])
        if isinstance(outcome, dict) and outcome.get("status") == "rejected" and outcome.get("source")
    }
    assert reported <= recorded, reported - recorded
    status = " ".join(cli("status", "pilot").stdout.split())
    migration = planned["operations"]["migration"]
    assert "products: read 4 = loaded 2 + rejected 2 balanced" in status
    customers = sum(1 for r in reported if r.startswith("clients.csv:"))
    assert f"customers: read 120 = loaded {120 - customers} + rejected {customers} balanced" in status
    assert migration["items"] == 120 + 40 + 4
