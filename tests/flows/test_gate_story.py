"""The pilot's exit gate, told through the CLI: no-go with its reasons, fixes, attendance, go, and wave 2 starts."""

from __future__ import annotations

import re
import shutil

import pytest
from openpyxl import load_workbook

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.projections.anomalies import anomalies
from erpflow.projections.gate import invitations
from tests.plans import edit_plan

from .conftest import REPO, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]


def test_the_gate_says_no_go_then_go_once_rows_are_fixed_anomalies_resolved_and_training_done(cli, tmp_path, chromium):
    cli.env["ERPFLOW_ACTOR"] = "steering.committee"
    pilot = small_pilot(tmp_path)
    database = re.search(r"database: (\w+)", pilot.read_text()).group(1)
    wave2 = pilot.with_name("wave2.yaml")
    shutil.copy(REPO / "deployments" / "plans" / "wave2.yaml", wave2)
    edit_plan(wave2, {"target.database": database})

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
        assert (
            cli(
                "anomaly",
                "resolve",
                "pilot",
                str(anomaly.id)[:8],
                "--resolution",
                "row fixed in the legacy file and loaded again",
            ).exit_code
            == 0
        )

    sessions = invitations(ledger, "pilot")
    bad = tmp_path / "bad-sheet.csv"
    first = next(iter(sessions))
    bad.write_text(f"session,login,present\n{first},{sorted(sessions[first]['invited'])[0]},yes\n{first},nobody,yes\n")
    refused = cli("training", "attend", "pilot", str(bad))
    assert refused.exit_code == 2 and f"{bad}:3: login: 'nobody' was not invited" in refused.stderr
    assert view(Ledger(cli.settings), "pilot").attendance == {}  # nothing of the sheet was recorded
    sheet = tmp_path / "sign-in.csv"
    sheet.write_text(
        "session,login,present\n"
        + "".join(f"{name},{login},yes\n" for name, s in sessions.items() for login in sorted(s["invited"]))
    )
    assert cli("training", "attend", "pilot", str(sheet)).exit_code == 0
    assert "100%" in cli("training", "completion", "pilot").stdout

    go = cli("gate", "pilot", "--record")
    assert go.exit_code == 0 and "decision recorded: go" in go.stdout, go.output
    decided = view(Ledger(cli.settings), "pilot").gate
    assert decided["decision"] == "go" and decided["by"] == "steering.committee" and len(decided["evidence"]) == 64
    started = cli("run", str(wave2), "--only", "accounts")
    assert started.exit_code == 0, started.output

    page = tmp_path / "pilot.html"
    assert cli("report", "pilot", "--html", str(page)).exit_code == 0
    check_report(chromium.dom(page.as_uri()), page.read_text(), Ledger(cli.settings))

    shown = cli("trajectory", str(pilot.parent))
    assert shown.exit_code == 0, shown.output
    rows = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines() if line.count("│") > 5}
    assert " go " in rows["pilot"] and "Lyon" in rows["pilot"] and "completed" in rows["pilot"]
    assert "Lille" in rows["wave2"] and "incomplete" in rows["wave2"] and " go " not in rows["wave2"]
    assert list(rows) == ["pilot", "wave2"]  # in the order they follow each other
    assert "estimated until the last wave's go" in shown.stdout, shown.stdout


def check_report(dom: str, source: str, ledger: Ledger) -> None:
    """The figures the ledger holds are on the rendered page, and the page needs nothing from the network."""
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", source), "the report fetches something"
    assert "<title>Wave pilot: steering-committee report</title>" in dom
    kpis = dict(
        (name, value) for value, name in re.findall(r'<div class="kpi"><b>([^<]+)</b><span>([^<]+)</span>', dom)
    )
    rows = ledger.wave("pilot").reconciliations.values()
    invited = sum(len(s["invited"]) for s in invitations(ledger, "pilot").values())
    assert kpis["rows loaded"] == str(sum(r["loaded"] for r in rows))
    assert kpis["rows rejected"] == str(sum(r["rejected"] for r in rows))
    assert kpis["invitations sent"] == str(invited) and kpis["attended"] == str(invited)
    assert kpis["training completion"] == "100%"
    assert int(kpis["accounts"]) > 0 and int(kpis["sessions"]) > 0
    assert re.search(r'class="badge go">go</span> by steering.committee', dom)
    assert dom.count('<td class="pass">pass</td>') == 4 and '<td class="fail">' not in dom
    for section in ("timeline", "burndown", "completion-chart"):
        assert re.search(rf'id="{section}">\s*<svg', dom), section
    assert "Finance director" in dom and "Change manager" in dom  # the RACI from domain/cycle.yaml
