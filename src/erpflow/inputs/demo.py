"""Deterministic demo data: an HR export and legacy customers, suppliers and products, flaws included.

Each file holds a few deliberately bad rows, so a wave has anomalies to report:
HR (pilot site Lyon only): an empty Identifiant, the e-mail ``jean.martin@``, a duplicate Identifiant;
customers: an empty NAME, the country ``Atlantis``, the VAT ``FR00123456789``, a duplicate CUST_ID,
a malformed e-mail; suppliers: an empty Raison sociale; products: a non-numeric price.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import unicodedata
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

__all__ = ["generate"]

SITES = ("Lyon", "Nantes", "Lille")
ROLES = {
    "Comptable": 20,
    "Contrôleur de gestion": 8,
    "Acheteur": 15,
    "Commercial": 30,
    "Magasinier": 20,
    "Responsable administratif": 7,
}
FIRST = (
    "Jean",
    "Marie",
    "Élodie",
    "Hélène",
    "Jérôme",
    "François",
    "Zoé",
    "Chloé",
    "Maëlle",
    "Noël",
    "Gaëlle",
    "Benoît",
    "Céline",
    "Loïc",
    "Anaïs",
    "Raphaël",
    "Clément",
    "Léa",
    "Théo",
    "Amélie",
    "Stéphane",
    "Sébastien",
    "Frédéric",
    "Agnès",
    "Inès",
    "Nathalie",
    "Pierre",
    "Camille",
    "Jean-Luc",
    "Anne-Sophie",
    "Thomas",
    "Julie",
    "Nicolas",
    "Sophie",
    "Émilie",
    "Grégoire",
    "Mathéo",
    "Océane",
    "Jérémy",
    "Valérie",
    "Aurélien",
    "Lucie",
)
LAST = (
    "Dupont",
    "Martin",
    "Lefèvre",
    "Bérard",
    "Girard",
    "Lemaître",
    "Le Goff",
    "Fournier",
    "Rousseau",
    "Mercier",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garnier",
    "Faure",
    "André",
    "Chevalier",
    "Lambert",
    "Bonnet",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Morel",
    "Roussel",
    "Lévêque",
    "Hébert",
    "Ménard",
    "Gaillard",
    "Boucher",
    "Rémy",
    "Péron",
    "N'Diaye",
    "Da Silva",
    "Benoît",
    "Collin",
    "Brunet",
    "Blanchard",
    "Guérin",
)
FR_CITIES = (
    ("Lyon", "69003"),
    ("Villeurbanne", "69100"),
    ("Nantes", "44000"),
    ("Lille", "59000"),
    ("Paris", "75011"),
    ("Marseille", "13001"),
    ("Bordeaux", "33000"),
    ("Grenoble", "38000"),
    ("Saint-Étienne", "42000"),
    ("Rennes", "35000"),
    ("Bourg-en-Bresse", "01000"),
    ("Roubaix", "59100"),
)
CITIES = {
    "BE": (("Bruxelles", "1000"), ("Liège", "4000"), ("Namur", "5000")),
    "DE": (("Köln", "50667"), ("München", "80331"), ("Stuttgart", "70173")),
}
STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "rue des Lilas",
    "quai Saint-Vincent",
    "rue du Général Leclerc",
    "place Bellecour",
    "allée des Tilleuls",
    "chemin des Écoliers",
)
TRADES = (
    "Boulangerie",
    "Transports",
    "Garage",
    "Imprimerie",
    "Menuiserie",
    "Pharmacie",
    "Librairie",
    "Électricité",
    "Cabinet",
    "Plomberie",
    "Fromagerie",
    "Quincaillerie",
)
FORMS = ("SARL", "SAS", "SA", "EURL", "& Fils", "Frères")
GOODS = {
    "Ramette papier A4 80 g": "UN",
    "Stylo bille bleu": "U",
    "Carton d'emballage": "U",
    "Palette bois Europe": "U",
    "Huile hydraulique": "KG",
    "Cartouche d'encre noire": "UN",
    "Gants de manutention": "U",
    "Vis inox M6": "KG",
    "Ruban adhésif": "UN",
    "Étiquette thermique": "U",
    "Granulés de calage": "KG",
    "Film étirable": "U",
}
SERVICES = (
    "Heure de maintenance",
    "Forfait installation",
    "Formation utilisateur",
    "Transport express",
    "Audit sécurité",
)
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z-]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def _money(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _siren(rng: random.Random) -> int:
    """A random 9-digit SIREN whose Luhn checksum is valid."""
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
    for check in range(10):
        number = [*digits, check]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(number))
        if total % 10 == 0:
            return int("".join(map(str, number)))
    raise AssertionError("unreachable")


def french_vat(rng: random.Random) -> str:
    siren = _siren(rng)
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siren}"


def _belgian_vat(rng: random.Random) -> str:
    base = rng.randint(2_000_000, 9_999_999)
    return f"BE0{base}{97 - base % 97:02d}"


def _write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def hr_rows(rng: random.Random, people: int) -> list[list[str]]:
    if people < 18:
        raise ValueError("people must be at least 18")
    lyon = people // 3
    sites = ["Lyon"] * lyon + rng.choices(SITES[1:], weights=(55, 45), k=people - lyon)
    rng.shuffle(sites)
    at_lyon = [i for i, site in enumerate(sites) if site == "Lyon"]
    original, empty, bad_mail, duplicate = (
        at_lyon[1],
        at_lyon[len(at_lyon) // 3],
        at_lyon[len(at_lyon) // 2],
        at_lyon[-1],
    )
    logins: set[str] = set()
    rows: list[list[str]] = []
    for i, site in enumerate(sites):
        first, last = ("Jean", "Martin") if i == bad_mail else (rng.choice(FIRST), rng.choice(LAST))
        stem, suffix = _ascii(first)[0] + _ascii(last).replace("-", ""), ""
        while stem + suffix in logins:
            suffix = str(int(suffix or 1) + 1)
        logins.add(stem + suffix)
        email = f"{_ascii(first)}.{_ascii(last)}{suffix}@acme.example"
        login = "" if i == empty else rows[original][3] if i == duplicate else stem + suffix
        if i == bad_mail:
            email = "jean.martin@"
        hired = date(1995, 1, 2) + timedelta(days=rng.randrange(30 * 365))
        role = rng.choices(list(ROLES), weights=list(ROLES.values()))[0]
        rows.append(
            [
                f"{1000 + i:06d}",
                last.upper() if rng.random() < 0.1 else last,
                first,
                login,
                email,
                site,
                role,
                hired.strftime("%d/%m/%Y"),
            ]
        )
    return rows


def _party(rng: random.Random) -> list[str]:
    """name, street, zip, city, country, vat, email and phone of one company."""
    last = rng.choice(LAST)
    name = f"{rng.choice(TRADES)} {last} {rng.choice(FORMS)}"
    country = rng.choices(("France", "FR", "Belgique", "Deutschland"), weights=(60, 20, 12, 8))[0]
    code = {"Belgique": "BE", "Deutschland": "DE"}.get(country, "FR")
    city, postal = rng.choice(FR_CITIES if code == "FR" else CITIES[code])
    street = (
        f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        if code == "FR"
        else f"{'Hauptstraße' if code == 'DE' else 'Rue Haute'} {rng.randint(1, 90)}"
    )
    vat = ""
    if code == "FR" and rng.random() < 0.7:
        vat = french_vat(rng)
    elif code == "BE" and rng.random() < 0.5:
        vat = _belgian_vat(rng)
    domain = _ascii(f"{last}-{name.split()[0]}").replace("--", "-").strip("-")
    email = f"{rng.choice(('contact', 'compta', 'achats'))}@{domain}.{code.lower()}"
    digits = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    phone = {
        "FR": f"0{rng.randint(1, 5)} {' '.join(digits)}",
        "BE": f"+32 {rng.randint(2, 9)} {''.join(digits)}",
        "DE": f"+49 {rng.randint(30, 899)} {''.join(digits)}",
    }[code]
    return [name, street, postal, city, country, vat, email, phone]


def customer_rows(rng: random.Random, count: int = 120) -> list[list[str]]:
    rows = [[f"C{10001 + i}", *_party(rng)] for i in range(count)]
    rows[16][1] = ""
    rows[32][3:6] = ["", "Poseidonia", "Atlantis"]
    rows[47][3:7] = ["75011", "Paris", "France", "FR00123456789"]
    rows[76][0] = rows[11][0]
    rows[94][7] = rows[94][7].replace("@", "@@")
    return rows


def supplier_rows(rng: random.Random, count: int = 40) -> list[list[str]]:
    rows = [[f"F{2001 + i}", *_party(rng)[:7]] for i in range(count)]
    rows[23][1] = ""
    return rows


def product_rows(rng: random.Random, count: int = 60) -> list[list[str]]:
    rows = []
    for i in range(count):
        service = rng.random() < 0.25
        good = rng.choice(sorted(GOODS))
        label = rng.choice(SERVICES) if service else f"{good} réf. {rng.randint(10, 99)}"
        cost = round(rng.uniform(20, 400) if service else rng.uniform(0.5, 150), 2)
        unit = rng.choice(("H", "U")) if service else GOODS[good]
        rows.append(
            [
                f"ART{1001 + i}",
                label,
                "SERV" if service else "MARCH",
                _money(cost * rng.uniform(1.2, 1.8)),
                _money(cost),
                unit,
            ]
        )
    rows[41][3] = "N/C"
    return rows


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[str]]) -> None:
    """An XLSX with fixed timestamps inside and out, so the same rows give the same bytes."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = sheet
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.properties.created = book.properties.modified = datetime(2024, 1, 1)
    raw = io.BytesIO()
    book.save(raw)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/core.xml":
                data = MODIFIED.sub(rb"\g<1>2024-01-01T00:00:00Z\g<2>", data)
            target.writestr(zipfile.ZipInfo(item.filename, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def generate(folder: Path, people: int = 300, seed: int = 7) -> dict[str, Path]:
    """Write the four demo files into folder; the same arguments always give the same bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        name: folder / name
        for name in ("hr_export.csv", "legacy_customers.csv", "legacy_suppliers.xlsx", "legacy_products.csv")
    }
    _write_csv(
        paths["hr_export.csv"],
        ["Matricule", "Nom", "Prénom", "Identifiant", "E-mail", "Site", "Fonction", "Date d'entrée"],
        hr_rows(random.Random(f"{seed}/hr"), people),
        ";",
        "utf-8-sig",
    )
    _write_csv(
        paths["legacy_customers.csv"],
        ["CUST_ID", "NAME", "STREET", "ZIP", "CITY", "COUNTRY", "VAT", "EMAIL", "PHONE"],
        customer_rows(random.Random(f"{seed}/customers")),
        ",",
        "utf-8",
    )
    _write_xlsx(
        paths["legacy_suppliers.xlsx"],
        "Fournisseurs",
        ["Code fournisseur", "Raison sociale", "Adresse", "CP", "Ville", "Pays", "TVA", "Email"],
        supplier_rows(random.Random(f"{seed}/suppliers")),
    )
    _write_csv(
        paths["legacy_products.csv"],
        ["REF", "LIBELLE", "TYPE", "PRIX_VENTE", "PRIX_ACHAT", "UNITE"],
        product_rows(random.Random(f"{seed}/products")),
        ";",
        "utf-8",
    )
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write deterministic ERP roll-out demo data into a folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for name, path in generate(args.folder, args.people, args.seed).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
