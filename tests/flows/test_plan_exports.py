"""`plan` on exports as French HR and legacy tools write them, through the CLI, no file edited by hand:
every count and every reported line is the original file's."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml

from tests.exports import HR_HEADER, hr_rows, write_csv, write_xlsx

from .conftest import copy_pilot
from .test_cli import assert_user_error, invoke

TITLE = ("Extraction RH - paie - 25/11/2026", "")


def project(tmp_path: Path, sites: dict[str, int], plan_sites: list[str], edit=None) -> tuple[Path, list[int]]:
    """The pilot with its HR export replaced: cp1252, ';', CRLF, a title row, blank lines; the rows' lines."""
    plan = copy_pilot(tmp_path)
    rows = hr_rows(sites)
    rows[3][4] = "pas-une-adresse"  # an invalid e-mail
    rows[5][3] = rows[1][3]  # a duplicate login
    hr = write_csv(tmp_path / "demo" / "hr_export.csv", [HR_HEADER, *rows], above=TITLE, blank_every=4)
    lines = [line_of(hr, ";".join(row)) for row in rows]
    data = yaml.safe_load(plan.read_text())
    data["sites"] = plan_sites
    data["accounts"]["roles"] = {"Comptable": "accountant"}
    del data["training"]["calendars"][0]["site"]
    if edit:
        edit(data)
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return plan, lines


def line_of(path: Path, text: str, encoding: str = "cp1252") -> int:
    """The line of the file holding text, counted in the file's own bytes."""
    found = [
        number for number, line in enumerate(path.read_bytes().split(b"\r\n"), start=1) if text.encode(encoding) in line
    ]
    assert len(found) == 1, (text, found)
    return found[0]


def table_rows(stdout: str) -> dict[str, list[str]]:
    return {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:6]]
        for line in stdout.splitlines()
        if line.startswith("│") and line.split("│")[1].strip()
    }


def test_a_cp1252_hr_export_with_a_title_row_plans_with_the_lines_of_the_customers_file(tmp_path: Path):
    plan, lines = project(tmp_path, {"Lyon": 6, "Aix-en-Provence": 4, "Marseille": 3}, ["Lyon", "Marseille"])
    result = invoke("plan", str(plan))
    assert result.exit_code == 0, result.output
    assert table_rows(result.stdout)["accounts"] == ["2", "9", "7", "2"]
    assert f"will reject hr_export.csv:{lines[3]}: egarcon4: E-mail" in result.stdout
    assert (
        f"will reject hr_export.csv:{lines[5]}: egarcon2: duplicate login 'egarcon2' (first at line "
        f"{lines[1]})" in result.stdout
    )
    assert "outside the wave 4 rows of site 'Aix-en-Provence'" in result.stdout
    assert "source hr_export.csv (accounts): cp1252, delimiter ';', header on line 3" in result.stdout


def test_a_site_typo_stops_plan_with_one_line_and_a_near_miss(tmp_path: Path):
    plan, _ = project(tmp_path, {"Lyon": 6, "Aix-en-Provence": 4}, ["Lyon", "Aix-en-provence"])
    assert_user_error(
        invoke("plan", str(plan)),
        f"{plan}:",
        "sites: site 'Aix-en-provence' matches no row of hr_export.csv",
        "did you mean 'Aix-en-Provence'?",
    )


def test_a_calendar_whose_site_has_no_trainee_stops_plan(tmp_path: Path):
    def calendar_elsewhere(data: dict) -> None:
        data["training"]["calendars"].append({**data["training"]["calendars"][0], "site": "Marseile"})

    plan, _ = project(tmp_path, {"Lyon": 6, "Marseille": 3}, ["Lyon", "Marseille"], calendar_elsewhere)
    assert_user_error(
        invoke("plan", str(plan)),
        "training.calendars.1.site",
        "'Marseile' matches no trainee",
        "did you mean 'Marseille'?",
    )


def test_refusals_come_in_file_and_line_order_and_as_json(tmp_path: Path):
    plan, lines = project(tmp_path, {"Lyon": 3, "Marseille": 3}, ["Marseille", "Lyon"])
    result = invoke("plan", str(plan))
    assert result.exit_code == 0, result.output
    reported = [int(line.split(":")[1]) for line in result.stdout.splitlines() if "will reject hr_export" in line]
    assert reported == [lines[3], lines[5]]  # Marseille's batch comes first, its rows come later in the file
    summary = json.loads(invoke("plan", "--json", str(plan)).stdout)
    assert summary["operations"]["accounts"] == {"batches": 2, "items": 6, "to_send": 4, "rejected": 2, "detail": ""}
    assert [(r["file"], r["line"]) for r in summary["rejections"][:2]] == [
        ("hr_export.csv", lines[3]),
        ("hr_export.csv", lines[5]),
    ]
    hr = summary["sources"][0]
    assert (hr["encoding"], hr["delimiter"], hr["header_row"], hr["rows"]) == ("cp1252", ";", 3, 6)
    assert hr["detected"] == ["encoding", "delimiter", "header_row"]


def legacy_project(tmp_path: Path) -> Path:
    """The pilot whose customers are a UTF-8 CSV with a BOM and a title row, dd/mm/yyyy dates, and whose products are
    a workbook with a title row, numbers as text with ',' decimals and Excel dates."""

    def legacy_sources(data: dict) -> None:
        customers, _, products = data["migration"]["datasets"]
        customers.update(source="../demo/clients.csv", header_row=2, delimiter=";", date_format="dd/mm/yyyy")
        products.update(source="../demo/articles.xlsx", sheet="Articles", skip_rows=2, decimal_separator=",")
        products["columns"] = {
            "name": "LIBELLE",
            "kind": "TYPE",
            "list_price": "PRIX_VENTE",
            "cost_price": "PRIX_ACHAT",
            "uom": "UNITE",
        }

    plan, _ = project(tmp_path, {"Lyon": 6}, ["Lyon"], legacy_sources)
    demo = tmp_path / "demo"
    customers = (demo / "legacy_customers.csv").read_text().splitlines()
    write_csv(
        demo / "clients.csv",
        [[*line.split(","), "01/02/2020"] for line in customers[1:]],
        encoding="utf-8-sig",
        above=("Export clients - ancien logiciel - 2026", ";".join([*customers[0].split(","), "Créé le"])),
        blank_every=50,
    )
    write_xlsx(
        demo / "articles.xlsx",
        [
            ["REF", "LIBELLE", "TYPE", "PRIX_VENTE", "PRIX_ACHAT", "UNITE", "Créé le"],
            ["A1", "Gants de manutention", "MARCH", "1\u202f101,44", 76.95, "U", date(2024, 1, 31)],
            ["A2", "Transport express", "SERV", 558.21, "369,47", "H", date(2024, 2, 1)],
            ["A3", "", "MARCH", "1,00", "0,50", "U", date(2024, 2, 2)],
            ["A4", "Ruban adhésif", "MARCH", "douze", "1,00", "UN", date(2024, 2, 3)],
        ],
        title="Articles - ancien logiciel",
        sheet="Articles",
    )
    return plan


def test_legacy_workbooks_and_csv_with_title_rows_decimals_as_text_and_dates(tmp_path: Path):
    plan = legacy_project(tmp_path)
    demo = tmp_path / "demo"
    result = invoke("plan", "--json", str(plan))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["operations"]["migration"]["items"] == 120 + 40 + 4
    rejected = [(r["file"], r["line"], r["reason"].split(":")[0]) for r in summary["rejections"]]
    assert ("articles.xlsx", 6, "LIBELLE") in rejected and ("articles.xlsx", 7, "PRIX_VENTE") in rejected
    assert sum(1 for r in rejected if r[0] == "articles.xlsx") == 2
    original = [
        r
        for r in json.loads(invoke("plan", "--json", str(copy_pilot(tmp_path / "p"))).stdout)["rejections"]
        if r["file"] == "legacy_customers.csv"
    ]
    text = (demo / "legacy_customers.csv").read_text().splitlines()
    assert [(r["line"], r["ref"]) for r in summary["rejections"] if r["file"] == "clients.csv"] == [
        (line_of(demo / "clients.csv", text[r["line"] - 1].replace(",", ";"), "utf-8"), r["ref"]) for r in original
    ]


def test_cells_that_look_like_markup_are_printed_as_they_are(tmp_path: Path):
    plan, _ = project(tmp_path, {"Lyon": 6, "[bold red]Nîmes[/]": 2}, ["Lyon"])
    result = invoke("plan", str(plan))
    assert result.exit_code == 0, result.output
    assert "outside the wave 2 rows of site '[bold red]Nîmes[/]'" in result.stdout


def test_contradictory_source_options_are_one_line_naming_the_plans_line(tmp_path: Path):
    def both(data: dict) -> None:
        data["accounts"].update(header_row=3, skip_rows=2)

    plan, _ = project(tmp_path, {"Lyon": 6}, ["Lyon"], both)
    assert_user_error(invoke("plan", str(plan)), f"{plan}:", "accounts", "give header_row or skip_rows, not both")


def test_an_invitation_language_the_method_has_no_templates_for_stops_plan(tmp_path: Path):
    def german(data: dict) -> None:
        data["training"]["mail"]["language"] = "de"

    plan, _ = project(tmp_path, {"Lyon": 6}, ["Lyon"], german)
    assert_user_error(
        invoke("plan", str(plan)), "training.mail.language", "no invitation templates for 'de'", "(en, fr)"
    )
