"""The demo data generator: deterministic files, realistic shapes, the deliberate flaws in place."""

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from stdnum.eu import vat

from erpflow.inputs.demo import generate

FILES = ["hr_export.csv", "legacy_customers.csv", "legacy_suppliers.xlsx", "legacy_products.csv"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("demo"))


def rows(path: Path, delimiter: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding), newline=""), delimiter=delimiter))


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(demo, tmp_path):
    again = generate(tmp_path / "again")
    assert sorted(demo) == sorted(again) == sorted(FILES)
    assert all(demo[name].read_bytes() == again[name].read_bytes() for name in FILES)
    other = generate(tmp_path / "other", seed=8)
    assert other["hr_export.csv"].read_bytes() != demo["hr_export.csv"].read_bytes()


def test_the_hr_export_is_a_french_semicolon_csv_with_a_bom(demo):
    data = demo["hr_export.csv"].read_bytes()
    assert data.startswith("\ufeffMatricule;Nom;Prénom;Identifiant;E-mail;Site;Fonction;Date d'entrée\r\n".encode())
    people = rows(demo["hr_export.csv"], ";", "utf-8-sig")
    sites = Counter(p["Site"] for p in people)
    assert len(people) == 300 and set(sites) == {"Lyon", "Nantes", "Lille"} and sites["Lyon"] == 100
    assert set(p["Fonction"] for p in people) == {
        "Comptable",
        "Contrôleur de gestion",
        "Acheteur",
        "Commercial",
        "Magasinier",
        "Responsable administratif",
    }
    assert any(ch in "éèëêïîôç" for p in people for ch in p["Prénom"] + p["Nom"])
    assert all(p["Date d'entrée"][2] == "/" and p["Date d'entrée"][5] == "/" for p in people)


def test_the_hr_export_holds_exactly_three_flawed_rows_all_at_the_pilot_site(demo):
    people = rows(demo["hr_export.csv"], ";", "utf-8-sig")
    empty = [p for p in people if not p["Identifiant"]]
    bad_mail = [p for p in people if p["E-mail"] == "jean.martin@"]
    logins = [p["Identifiant"] for p in people if p["Identifiant"]]
    duplicates = [login for login, n in Counter(logins).items() if n > 1]
    assert len(empty) == len(bad_mail) == len(duplicates) == 1
    assert {p["Site"] for p in empty + bad_mail} == {"Lyon"}
    assert {p["Site"] for p in people if p["Identifiant"] == duplicates[0]} == {"Lyon"}
    good = [p for p in people if p not in empty + bad_mail]
    assert all(p["Identifiant"].isalnum() and p["Identifiant"].islower() for p in good)
    assert all(p["E-mail"].endswith("@acme.example") and "." in p["E-mail"].split("@")[0] for p in good)


def test_the_people_count_can_be_chosen(tmp_path):
    people = rows(generate(tmp_path, people=60)["hr_export.csv"], ";", "utf-8-sig")
    assert len(people) == 60 and Counter(p["Site"] for p in people)["Lyon"] == 20


def test_legacy_customers_hold_valid_data_and_the_five_flaws(demo):
    customers = rows(demo["legacy_customers.csv"], ",")
    assert len(customers) == 120 and all(c["CUST_ID"].startswith("C1") for c in customers)
    countries = Counter(c["COUNTRY"] for c in customers)
    assert countries["France"] + countries["FR"] > 80 and countries["Belgique"] and countries["Deutschland"]
    assert [c["CUST_ID"] for c in customers if not c["NAME"]] == ["C10017"]
    assert [c["CUST_ID"] for c in customers if c["COUNTRY"] == "Atlantis"] == ["C10033"]
    assert [c["VAT"] for c in customers if c["VAT"] and not vat.is_valid(c["VAT"])] == ["FR00123456789"]
    assert sum(c["VAT"].startswith("FR") for c in customers) > 30
    assert [i for i, n in Counter(c["CUST_ID"] for c in customers).items() if n > 1] == ["C10012"]
    assert [c["EMAIL"] for c in customers if c["EMAIL"].count("@") != 1] == [customers[94]["EMAIL"]]


def test_legacy_suppliers_read_back_from_the_fournisseurs_sheet(demo):
    book = load_workbook(demo["legacy_suppliers.xlsx"], read_only=True)
    table = list(book["Fournisseurs"].iter_rows(values_only=True))
    book.close()
    assert table[0] == ("Code fournisseur", "Raison sociale", "Adresse", "CP", "Ville", "Pays", "TVA", "Email")
    assert len(table) == 41 and table[1][0] == "F2001"
    assert [r[0] for r in table[1:] if not r[1]] == ["F2024"]
    assert all(vat.is_valid(r[6]) for r in table[1:] if r[6])


def test_legacy_products_use_decimal_commas_and_hold_one_bad_price(demo):
    products = rows(demo["legacy_products.csv"], ";")
    assert len(products) == 60 and {p["TYPE"] for p in products} == {"MARCH", "SERV"}

    def numeric(text: str) -> bool:
        return text.replace(",", "", 1).isdigit() and "," in text

    bad = [p["REF"] for p in products if not (numeric(p["PRIX_VENTE"]) and numeric(p["PRIX_ACHAT"]))]
    assert bad == ["ART1042"]
