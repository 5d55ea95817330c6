"""`plan` and `run` on an HR export that has no login nor e-mail column, with entry and leaving dates written
dd/mm/yyyy: logins and e-mails derived from names, people who left or start after the wave left out, and every
refused row named by file, line, column and reason; a legacy file whose customers are all in France."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.exports import write_csv

from .conftest import copy_pilot
from .test_cli import invoke
from .test_plan_exports import TITLE, line_of, table_rows

HEADER = ["Matricule", "Nom", "Prénom", "Site", "Fonction", "Date d'entrée", "Date de sortie"]
ROWS = [
    ["000001", "Garçon", "Élodie", "Lyon", "Comptable", "04/03/2021", ""],
    ["000002", "GARÇON", "Étienne", "Lyon", "Comptable", "12/09/2019", ""],
    ["000003", "Le Goff", "Anaïs", "Lyon", "Comptable", "01/01/2018", "31/12/2019"],  # left
    ["000004", "Dœuf", "Noël", "Lyon", "Comptable", "01/06/2099", ""],  # starts after the wave
    ["000005", "Müller", "Zoé", "Lyon", "Comptable", "31/02/2021", "30/02/2020"],  # no such leaving date
    ["000006", "N'Diaye", "Awa", "Lyon", "Comptable", "15/05/2022", "31/12/2098"],
]


def project(tmp_path: Path) -> tuple[Path, Path]:
    plan = copy_pilot(tmp_path)
    hr = write_csv(tmp_path / "demo" / "hr_export.csv", [HEADER, *ROWS], above=TITLE)
    data = yaml.safe_load(plan.read_text())
    data["sites"] = ["Lyon"]
    del data["training"]["calendars"][0]["site"]
    data["accounts"].update(
        columns={
            "login": {"template": "{{ first_name[:1] | fold }}{{ last_name | fold }}", "unique": True},
            "first_name": "Prénom",
            "last_name": "Nom",
            "email": {"template": "{{ login }}@acme.example"},
            "site": "Site",
            "role": "Fonction",
        },
        roles={"Comptable": "accountant"},
        date_format="dd/mm/yyyy",
        leave_out=[
            {"column": "Date de sortie", "before": "today"},
            {"column": "Date d'entrée", "after": "2030-01-01"},
        ],
    )
    customers = data["migration"]["datasets"][0]
    del customers["columns"]["country"], customers["values"]["country"]
    customers["columns"]["country"] = {"value": "FR"}
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return plan, hr


def test_plan_derives_logins_and_emails_and_leaves_out_who_left_or_starts_later(tmp_path: Path):
    plan, hr = project(tmp_path)
    result = invoke("plan", str(plan))
    assert result.exit_code == 0, result.output
    assert table_rows(result.stdout)["accounts"] == ["1", "4", "3", "1"]
    line = line_of(hr, "000005;")
    assert f"will reject hr_export.csv:{line}: zmuller: Date de sortie: '30/02/2020' is not a date" in result.stdout
    assert "left out 1 rows of accounts ('Date de sortie' before today)" in result.stdout
    assert 'left out 1 rows of accounts ("Date d\'entrée" after 2030-01-01)' in result.stdout
    summary = json.loads(invoke("plan", "--json", str(plan)).stdout)
    assert sorted(gone["rows"] for gone in summary["left_out"]) == [1, 1]
    assert not [r for r in summary["rejections"] if r["file"] == "legacy_customers.csv" and "ountry" in r["reason"]]


def shorten_datasets(folder: Path, rows: int = 5) -> None:
    """Keep the header and the first ``rows`` rows of the demo's customers and products, for a shorter run."""
    for name in ("legacy_customers.csv", "legacy_products.csv"):
        path = folder / "demo" / name
        path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[: rows + 1]))


@pytest.mark.prefect
@pytest.mark.tryton
def test_a_run_creates_the_derived_logins_with_clashes_numbered(cli, tmp_path: Path):
    plan, hr = project(tmp_path)
    shorten_datasets(tmp_path)
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    history = cli("history", "pilot", "--json").stdout
    assert f"hr_export.csv:{line_of(hr, '000005;')}" in history
    for login in ("egarcon", "egarcon2", "andiaye"):
        assert f'"{login}"' in history
    assert '"alegoff"' not in history and '"ndoeuf"' not in history


@pytest.mark.prefect
@pytest.mark.tryton
def test_rows_left_out_are_counted_per_rule_by_plan_run_status_and_report(cli, tmp_path: Path):
    plan, _ = project(tmp_path)
    demo = tmp_path / "demo"
    customers = (demo / "legacy_customers.csv").read_text(encoding="utf-8").splitlines()[:6]
    closed = ["", "15/01/2019", "", "", "31/12/2099"]  # one customer closed long ago is left out
    write_csv(
        demo / "legacy_customers.csv",
        [
            [*customers[0].split(","), "Fermé le"],
            *[[*c.split(","), d] for c, d in zip(customers[1:], closed, strict=True)],
        ],
        encoding="utf-8",
        delimiter=";",
    )
    products = demo / "legacy_products.csv"
    products.write_bytes(b"".join(products.read_bytes().splitlines(keepends=True)[:6]))
    data = yaml.safe_load(plan.read_text())
    data["migration"]["datasets"][0].update(
        date_format="dd/mm/yyyy", leave_out=[{"column": "Fermé le", "before": "today"}]
    )
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    expected = [
        {"section": "accounts", "rule": "'Date de sortie' before today", "rows": 1},
        {"section": "accounts", "rule": '"Date d\'entrée" after 2030-01-01', "rows": 1},
        {"section": "migration.customers", "rule": "'Fermé le' before today", "rows": 1},
    ]
    assert json.loads(invoke("plan", "--json", str(plan)).stdout)["left_out"] == expected
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    status = cli("status", "pilot").stdout
    assert "customers: read 5 = loaded 4 + rejected 0 + left out 1  balanced" in " ".join(status.split("\n"))
    for gone in expected:
        assert f"left out {gone['rows']} rows of {gone['section']} ({gone['rule']})" in status
    report = cli("report", "pilot").stdout
    assert "rows left out by the plan" in report and "'Fermé le' before today" in report
    assert cli("report", "pilot", "--html", str(tmp_path / "report.html")).exit_code == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="left-out"' in page and "&#39;Fermé le&#39; before today" in page
    events = [json.loads(line) for line in cli("history", "pilot", "--json").stdout.splitlines()]
    [recorded] = [e for e in events if e["type"].endswith("RowsLeftOut")]
    assert recorded["data"]["counts"] == {
        "accounts": {"'Date de sortie' before today": 1, '"Date d\'entrée" after 2030-01-01': 1},
        "migration.customers": {"'Fermé le' before today": 1},
    }
    assert "Goff" not in json.dumps(recorded) and "Dœuf" not in json.dumps(recorded)  # counts, no person


@pytest.mark.prefect
@pytest.mark.tryton
def test_a_derived_login_passes_over_an_account_someone_else_holds_and_stays_the_same_on_a_rerun(cli, tmp_path: Path):
    import sqlite3

    from erpflow.inputs.plan import load_plan
    from erpflow.settings import Settings
    from erpflow.targets.bundle import Targets

    plan, _ = project(tmp_path)
    shorten_datasets(tmp_path)
    settings = Settings(home=Path(cli.env["ERPFLOW_HOME"]), tryton_template=Path(cli.env["ERPFLOW_TRYTON_TEMPLATE"]))
    erp = Targets(load_plan(plan)[0], settings).erp
    with erp._session():  # Éric Garçon's account, made by hand before erpflow came
        erp._call("res.user", "create", [{"login": "egarcon", "name": "Éric Garçon", "email": "eric@acme.example"}])

    def accounts() -> dict[str, str]:
        with sqlite3.connect(erp.database.path) as db:
            return dict(db.execute("SELECT login, name FROM res_user WHERE login LIKE 'egarcon%'").fetchall())

    planned = json.loads(invoke("plan", "--json", str(plan), home=Path(cli.env["ERPFLOW_HOME"])).stdout)
    assert planned["operations"]["accounts"]["to_send"] == 3
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    assert accounts() == {"egarcon": "Éric Garçon", "egarcon2": "Élodie Garçon", "egarcon3": "Étienne GARÇON"}
    with erp._session():  # Éric's account renamed: egarcon is free now, but Élodie keeps the login she got
        [eric] = erp._call("res.user", "search", [("login", "=", "egarcon")])
        erp._call("res.user", "write", [eric], {"login": "eric.garcon"})
    result = cli("run", str(plan), "--force", "--reason", "the same wave again")
    assert result.exit_code == 0, result.output
    assert accounts() == {"egarcon2": "Élodie Garçon", "egarcon3": "Étienne GARÇON"}
    history = cli("history", "pilot", "--json").stdout
    assert '"egarcon2"' in history and '"egarcon3"' in history
    assert "no account of erpflow's" not in history  # everyone invited under the login they got


def test_derived_logins_against_a_tryton_server_that_cannot_be_reached_stop_plan_with_one_line(
    tmp_path: Path, closed_port: int
):
    from .test_cli import assert_user_error

    plan, _ = project(tmp_path)
    data = yaml.safe_load(plan.read_text())
    data["target"]["url"] = f"http://127.0.0.1:{closed_port}/"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert_user_error(
        invoke("plan", str(plan), home=tmp_path / "home"), "cannot reach the target to number the derived logins"
    )
