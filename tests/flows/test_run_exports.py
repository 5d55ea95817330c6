"""`run` on exports as French HR tools write them, no file edited by hand: rejections keep the lines of the
customer's file, invitations go out in French."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from .test_plan_exports import project

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
