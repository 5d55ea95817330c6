"""The pilot's exit gate, told through the CLI: no-go with its reasons, fixes, attendance, go, and wave 2 starts."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from erpflow.ledger import Ledger
from erpflow.projections.anomalies import anomalies
from erpflow.projections.gate import invitations

from .conftest import REPO, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def test_the_gate_says_no_go_then_go_once_rows_are_fixed_anomalies_resolved_and_training_done(cli, tmp_path):
    cli.env["ERPFLOW_ACTOR"] = "steering.committee"
    pilot = small_pilot(tmp_path)
    database = re.search(r"database: (\w+)", pilot.read_text()).group(1)
    wave2 = pilot.with_name("wave2.yaml")
    wave2.write_text((REPO / "deployments" / "plans" / "wave2.yaml").read_text()
                     .replace("database: acme", f"database: {database}"))

    assert cli("run", str(pilot)).exit_code == 0
    refused = cli("run", str(wave2))
    assert refused.exit_code == 2 and "wave2 may not start: pilot has no recorded go" in refused.stderr

    no_go = cli("gate", "pilot", "--record")
    assert no_go.exit_code == 1 and "decision recorded: no-go" in no_go.stdout
    assert "no-go: training-completion, migration-rejects" in no_go.stderr
    refused = cli("run", str(wave2))
    assert refused.exit_code == 2 and "training-completion, migration-rejects failed" in refused.stderr

    customers = tmp_path / "demo" / "legacy_customers.csv"  # the data owner fixes the rejected rows
    customers.write_text(customers.read_text().replace("C10017,,", "C10017,Garage Dumas SARL,"))
    book = load_workbook(tmp_path / "demo" / "legacy_suppliers.xlsx")
    sheet = book["Fournisseurs"]
    next(row for row in sheet.iter_rows() if row[0].value == "F2024")[1].value = "Transports Leroy SAS"
    book.save(tmp_path / "demo" / "legacy_suppliers.xlsx")
    assert cli("run", str(pilot)).exit_code == 0

    ledger = Ledger(cli.settings)
    for anomaly in (a for a in anomalies(ledger, "pilot") if a.open):
        assert cli("anomaly", "resolve", "pilot", str(anomaly.id)[:8], "--resolution",
                   "row fixed in the legacy file and loaded again").exit_code == 0

    sessions = invitations(ledger, "pilot")
    bad = tmp_path / "bad-sheet.csv"
    first = next(iter(sessions))
    bad.write_text(f"session,login,present\n{first},{sorted(sessions[first]['invited'])[0]},yes\n{first},nobody,yes\n")
    refused = cli("training", "attend", "pilot", str(bad))
    assert refused.exit_code == 2 and f"{bad}:3: login: 'nobody' was not invited" in refused.stderr
    assert Ledger(cli.settings).wave("pilot").attendance == {}  # nothing of the sheet was recorded
    sheet = tmp_path / "sign-in.csv"
    sheet.write_text("session,login,present\n" + "".join(f"{name},{login},yes\n" for name, s in sessions.items()
                                                         for login in sorted(s["invited"])))
    assert cli("training", "attend", "pilot", str(sheet)).exit_code == 0
    assert "100%" in cli("training", "completion", "pilot").stdout

    go = cli("gate", "pilot", "--record")
    assert go.exit_code == 0 and "decision recorded: go" in go.stdout, go.output
    decided = Ledger(cli.settings).wave("pilot").gate
    assert decided["decision"] == "go" and decided["by"] == "steering.committee" and len(decided["evidence"]) == 64
    started = cli("run", str(wave2), "--only", "accounts")
    assert started.exit_code == 0, started.output
