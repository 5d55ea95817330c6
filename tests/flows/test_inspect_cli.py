"""`erpflow inspect FILE`, the first step of writing a plan: on each demo source, the section it suggests,
pasted into the pilot's plan, plans the same batches as the hand-written one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.exports import HR_HEADER, hr_rows, write_csv, write_xlsx

from .conftest import copy_pilot
from .test_cli import assert_user_error, invoke

MARK = "# Suggested plan section"


def suggested(stdout: str) -> dict:
    return yaml.safe_load(stdout[stdout.index(MARK) :])


def counts(plan: Path) -> dict:
    """Batches, items, items to send and rejections per operation, as `plan --json` gives them."""
    result = invoke("plan", "--json", str(plan))
    assert result.exit_code == 0, result.output
    return {
        op: {k: v for k, v in counts.items() if k != "detail"}
        for op, counts in json.loads(result.stdout)["operations"].items()
    }


@pytest.mark.parametrize(
    "name", ["hr_export.csv", "legacy_customers.csv", "legacy_suppliers.xlsx", "legacy_products.csv"]
)
def test_the_section_inspect_suggests_for_a_demo_source_passes_plan(tmp_path: Path, name: str):
    plan = copy_pilot(tmp_path)
    expected = counts(plan)
    result = invoke("inspect", str(tmp_path / "demo" / name))
    assert result.exit_code == 0, result.output
    section = suggested(result.stdout)
    data = yaml.safe_load(plan.read_text())
    if "accounts" in section:
        accounts = section["accounts"]
        assert set(accounts["roles"]) == set(data["accounts"]["roles"])  # every job title of the export
        data["accounts"] = {**accounts, "source": f"../demo/{name}", "roles": data["accounts"]["roles"]}
    else:
        [dataset] = section["migration"]["datasets"]
        datasets = data["migration"]["datasets"]
        index = next(i for i, d in enumerate(datasets) if d["source"].endswith(name))
        datasets[index] = {**dataset, "source": f"../demo/{name}"}
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert counts(plan) == expected


def test_inspect_reads_an_export_with_a_title_row_and_infers_types(tmp_path: Path):
    path = write_csv(tmp_path / "rh.csv", [HR_HEADER, *hr_rows({"Marseille": 3})], above=("Extraction RH - paie", ""))
    result = invoke("inspect", str(path))
    assert result.exit_code == 0, result.output
    assert "cp1252, delimiter ';', header on line 3" in result.stdout and "3 rows" in result.stdout
    assert "│ Date d'entrée │ date (dd/mm/yyyy)" in result.stdout
    accounts = suggested(result.stdout)["accounts"]
    assert (accounts["encoding"], accounts["header_row"], accounts["date_format"]) == ("cp1252", 3, "dd/mm/yyyy")
    assert accounts["columns"] == {
        "login": "Identifiant",
        "first_name": "Prénom",
        "last_name": "Nom",
        "email": "E-mail",
        "site": "Site",
        "role": "Fonction",
    }


def test_inspect_guesses_a_party_mapping_from_french_headers_in_a_workbook(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "fournisseurs.xlsx",
        [
            [
                "Code fournisseur",
                "Raison sociale",
                "SIRET",
                "N° TVA intracom.",
                "Adresse",
                "Code postal",
                "Ville",
                "Pays",
                "Adresse e-mail",
                "Téléphone",
                "Encours",
            ],
            [
                "F1",
                "Ébénisterie Lefèvre",
                "73282932000074",
                "FR44732829320",
                "1 rue X",
                "13001",
                "Marseille",
                "France",
                "a@b.fr",
                "04 91 00 00 00",
                "1 234,50",
            ],
        ],
        title="[bold]Fournisseurs[/] - export",
    )
    result = invoke("inspect", str(path))
    assert result.exit_code == 0, result.output
    [dataset] = suggested(result.stdout)["migration"]["datasets"]
    assert (dataset["into"], dataset["key"], dataset["header_row"], dataset["category"]) == (
        "party",
        "Code fournisseur",
        3,
        "Supplier",
    )
    assert dataset["columns"] == {
        "name": "Raison sociale",
        "street": "Adresse",
        "postal_code": "Code postal",
        "city": "Ville",
        "country": "Pays",
        "vat": "N° TVA intracom.",
        "email": "Adresse e-mail",
        "phone": "Téléphone",
    }
    assert dataset["values"] == {"country": {"France": "FR"}} and dataset["decimal_separator"] == ","
    assert "SIRET (integer)" in result.stdout


def test_inspect_errors_are_one_line(tmp_path: Path):
    assert_user_error(invoke("inspect", str(tmp_path / "none.csv")), "none.csv", "file not found")
    path = write_xlsx(tmp_path / "x.xlsx", [["A", "B"], [1, 2]])
    assert_user_error(invoke("inspect", str(path), "--sheet", "[red]Nope"), "no sheet '[red]Nope'")
    assert_user_error(invoke("inspect", str(path), "--delimiter", ":"), "--delimiter")
