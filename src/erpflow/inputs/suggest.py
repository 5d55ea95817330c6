"""A plan section guessed from a source's headers (French and English names): the integrator's first draft."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pycountry
import yaml

from erpflow.inputs.columns import Column
from erpflow.inputs.nearmiss import near
from erpflow.inputs.sources import Table

__all__ = ["SYNONYMS", "as_yaml", "fold", "guess_columns", "suggest"]

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "login": ("identifiant", "login", "username", "utilisateur", "user", "uid", "userid", "compte"),
        "first_name": ("prenom", "firstname", "givenname"),
        "last_name": ("nom", "lastname", "surname", "nomdefamille", "familyname", "nomusuel"),
        "email": ("email", "adresseemail", "adressemail", "mail", "courriel", "emailaddress"),
        "site": ("site", "etablissement", "agence", "location", "lieu", "office"),
        "role": ("fonction", "poste", "role", "jobtitle", "emploi", "intituledeposte", "metier", "job"),
        "language": ("langue", "language", "languepreferee", "preferredlanguage", "lang", "locale"),
    },
    "party": {
        "key": (
            "codeclient",
            "codefournisseur",
            "custid",
            "customerid",
            "supplierid",
            "codetiers",
            "numeroclient",
            "numerofournisseur",
            "idclient",
            "code",
            "id",
        ),
        "name": ("raisonsociale", "name", "nom", "societe", "company", "companyname", "denomination"),
        "street": ("adresse", "street", "rue", "address", "adresse1", "voie"),
        "postal_code": ("codepostal", "cp", "zip", "zipcode", "postcode", "postalcode"),
        "city": ("ville", "city", "commune", "localite"),
        "country": ("pays", "country", "codepays", "countrycode"),
        "vat": ("tva", "vat", "numerotva", "ntva", "notva", "tvaintracommunautaire", "vatnumber"),
        "email": ("email", "adresseemail", "mail", "courriel"),
        "phone": ("telephone", "tel", "phone", "phonenumber"),
    },
    "product": {
        "key": ("ref", "reference", "codearticle", "sku", "article", "code", "id"),
        "name": ("libelle", "designation", "name", "description", "nom"),
        "kind": ("type", "kind", "nature", "typearticle"),
        "list_price": ("prixvente", "prixdevente", "pv", "saleprice", "listprice", "prix", "price"),
        "cost_price": ("prixachat", "prixdachat", "pa", "costprice", "cost", "cout"),
        "uom": ("unite", "unit", "uom", "udm"),
    },
}
COUNTRIES = {
    "france": "FR",
    "belgique": "BE",
    "deutschland": "DE",
    "allemagne": "DE",
    "espagne": "ES",
    "italie": "IT",
    "suisse": "CH",
    "luxembourg": "LU",
    "paysbas": "NL",
    "royaumeuni": "GB",
}
UNITS = {
    "u": "u",
    "un": "u",
    "unite": "u",
    "unit": "u",
    "pce": "u",
    "piece": "u",
    "h": "h",
    "heure": "h",
    "hour": "h",
    "kg": "kg",
    "g": "g",
    "l": "l",
    "m": "m",
}


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: 'Adresse e-mail' -> 'adresseemail'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)))


def guess_columns(kind: str, headers: tuple[str, ...]) -> dict[str, str]:
    """Field -> header, each header used once: exact names first, then names that hold a synonym."""
    folded = {header: fold(header) for header in headers}
    found: dict[str, str] = {}
    for exact in (True, False):
        for field, names in SYNONYMS[kind].items():
            for name in names:
                if field in found:
                    break
                free = [h for h in headers if h not in found.values()]
                match = next(
                    (h for h in free if folded[h] == name or (not exact and len(name) >= 3 and name in folded[h])), None
                )
                if match:
                    found[field] = match
    return found


def _kind(headers: tuple[str, ...]) -> str:
    accounts = guess_columns("accounts", headers)
    if set(SYNONYMS["accounts"]) - {"language"} <= set(accounts):
        return "accounts"
    product = guess_columns("product", headers)
    return "product" if {"list_price", "cost_price", "uom"} & set(product) else "party"


def _values(field: str, distinct: list[str]) -> dict[str, str]:
    """A value map for a field whose cells are not yet what the ERP takes (countries, kinds, units)."""
    result = {}
    for value in distinct:
        key = fold(value)
        if field == "country" and not (len(value) == 2 and pycountry.countries.get(alpha_2=value.upper())):
            code = COUNTRIES.get(key) or getattr(_country(value), "alpha_2", None)
            if code:
                result[value] = code
        elif field == "kind" and value not in ("goods", "service"):
            result[value] = "service" if key.startswith("serv") or key.startswith("prest") else "goods"
        elif field == "uom" and key in UNITS and value != UNITS[key]:
            result[value] = UNITS[key]
    return result


def _country(name: str) -> Any:
    try:
        return pycountry.countries.lookup(name)
    except LookupError:
        return None


def _options(table: Table, columns: list[Column]) -> dict[str, Any]:
    said: dict[str, Any] = {
        name: table.settings[name]
        for name in ("sheet", "encoding", "delimiter", "header_row")
        if name in table.settings
    }
    if any(c.type == "decimal (,)" for c in columns):
        said["decimal_separator"] = ","
    formats = sorted({c.date_format for c in columns if c.date_format})
    if formats:
        said["date_format"] = formats[0]
    return said


def suggest(table: Table, columns: list[Column], source: str, roles: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The plan section (accounts, or a migration dataset) and the columns it leaves unmapped."""
    kind = _kind(table.columns)
    mapping = guess_columns(kind, table.columns)
    used = set(mapping.values())
    unmapped = [f"{c.name} ({c.type})" for c in columns if c.name not in used]
    section: dict[str, Any] = {"source": source, **_options(table, columns)}
    if kind == "accounts":
        titles = sorted({row.values[mapping["role"]] for row in table.rows if row.values[mapping["role"]]})
        return {
            "accounts": {**section, "columns": mapping, "roles": {title: _role(title, roles) for title in titles}}
        }, unmapped
    distinct = {
        field: sorted({row.values[col] for row in table.rows if row.values[col]})
        for field, col in mapping.items()
        if field in ("country", "kind", "uom")
    }
    values = {field: found for field, cells in distinct.items() if (found := _values(field, cells))}
    stem = unicodedata.normalize("NFKD", Path(source).stem.casefold()).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_-]+", "_", stem).strip("_-")[:63] or "dataset"
    dataset = {
        "name": name,
        **section,
        "into": kind,
        "key": mapping.pop("key", table.columns[0]),
        **({"category": _category(source, table.columns)} if kind == "party" else {}),
        "columns": mapping,
        **({"values": values} if values else {}),
    }
    return {"migration": {"datasets": [dataset]}}, unmapped


def _role(title: str, roles: list[str]) -> str:
    return near(title, roles) or "CHOOSE-A-ROLE"


def _category(source: str, headers: tuple[str, ...]) -> str:
    words = fold(source + " ".join(headers))
    return (
        "Supplier"
        if "fournisseur" in words or "supplier" in words
        else "Customer"
        if "client" in words or "cust" in words
        else ""
    )


def as_yaml(section: dict[str, Any]) -> str:
    return yaml.safe_dump(section, allow_unicode=True, sort_keys=False, width=200)
