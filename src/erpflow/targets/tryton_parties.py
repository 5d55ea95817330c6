"""Tryton parties (customers, suppliers) and products, by legacy id (their code)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from erpflow.model.items import ItemOutcome, PartySpec, ProductSpec
from erpflow.targets.tryton_session import TrytonSession
from erpflow.targets.tryton_writes import Plan, diff

PARTY_FIELDS = [
    "code",
    "name",
    "categories.name",
    "contact_mechanisms.type",
    "contact_mechanisms.value",
    "identifiers.type",
    "identifiers.code",
    "addresses.street",
    "addresses.postal_code",
    "addresses.city",
    "addresses.country.code",
]
PRODUCT_FIELDS = [
    "code",
    "cost_price",
    "template.name",
    "template.type",
    "template.list_price",
    "template.default_uom.symbol",
]
ADDRESS = ("street", "postal_code", "city", "country")


class PartiesAndProducts(TrytonSession):
    """Parties with their category, contact mechanisms, VAT and address; products with their template."""

    def upsert_parties(self, parties: Sequence[PartySpec]) -> list[ItemOutcome]:
        with self._session():
            found = self._parties([p.code for p in parties])
            codes = [p.address.country.upper() for p in parties if p.address and p.address.country]
            countries = {c["code"]: c["id"] for c in self._read("country.country", [("code", "in", codes)], ["code"])}
            categories = self._categories({p.category for p in parties if p.category})
            plan = Plan(self, "party.party", parties)
            for i, p in plan.pending():
                want = _party_wanted(p)
                if want.get("country") and want["country"] not in countries:
                    plan.reject(i, f"unknown country code {want['country']!r}")
                elif (cur := found.get(p.code)) is None:
                    plan.create(i, {"code": p.code, **_party_values(want, {}, countries, categories)})
                else:
                    current = {**cur, "category": p.category if p.category in cur["categories"] else ""}
                    changes = diff(current, want)
                    values = _party_values({k: want[k] for k in changes}, cur["ids"], countries, categories)
                    plan.update(i, cur["id"], values, changes)
            return plan.run()

    def upsert_products(self, products: Sequence[ProductSpec]) -> list[ItemOutcome]:
        with self._session():
            plan = Plan(self, "product.template", products)
            if self._company() is None:
                for i, _ in plan.pending():
                    plan.reject(i, "no company in Tryton yet: apply the configuration (company) first")
                return plan.run()
            found = self._products([p.code for p in products])
            uoms = {u["symbol"]: u["id"] for u in self._read("product.uom", [], ["symbol"])}
            for i, p in plan.pending():
                want = {
                    "name": p.name,
                    "kind": p.kind,
                    "list_price": Decimal(p.list_price),
                    "cost_price": Decimal(p.cost_price),
                    "uom": p.uom,
                }
                if p.uom not in uoms:
                    plan.reject(i, f"unknown unit of measure {p.uom!r}")
                elif (cur := found.get(p.code)) is None:
                    plan.create(
                        i,
                        {
                            "name": p.name,
                            "type": p.kind,
                            "default_uom": uoms[p.uom],
                            "list_price": want["list_price"],
                            "products": [("create", [{"suffix_code": p.code, "cost_price": want["cost_price"]}])],
                        },
                    )
                else:
                    changes = diff(cur, want)
                    values = {
                        f: want[k]
                        for k, f in (("name", "name"), ("kind", "type"), ("list_price", "list_price"))
                        if k in changes
                    }
                    if "uom" in changes:
                        values["default_uom"] = uoms[p.uom]
                    if "cost_price" in changes:
                        values["products"] = [("write", [cur["id"]], {"cost_price": want["cost_price"]})]
                    plan.update(i, cur["template"], values, changes)
            outcomes = plan.run()
            ids = {code: p["id"] for code, p in self._products([o.ref for o in outcomes]).items()}
            return [replace(o, erp_id=ids.get(o.ref)) if o.status != "rejected" else o for o in outcomes]

    def find_parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return {k: {f: v for f, v in p.items() if f != "ids"} for k, p in self._parties(codes).items()}

    def find_products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return self._products(codes)

    def _parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {}
        for r in self._read("party.party", [("code", "in", list(codes))], PARTY_FIELDS):
            mechanisms = {m["type"]: m for m in sorted(r["contact_mechanisms."], key=lambda m: -m["id"])}
            vat = next((i for i in r["identifiers."] if i["type"] == "eu_vat"), None)
            address: dict[str, Any] = min(r["addresses."], key=lambda a: a["id"], default={})
            found[r["code"]] = {
                "id": r["id"],
                "name": r["name"],
                "categories": sorted(c["name"] for c in r["categories."]),
                "email": mechanisms.get("email", {}).get("value", ""),
                "phone": mechanisms.get("phone", {}).get("value", ""),
                "vat": vat["code"] if vat else "",
                **{f: address.get(f) or "" for f in ADDRESS[:3]},
                "country": (address.get("country.") or {}).get("code", ""),
                "ids": {k: v["id"] for k, v in (*mechanisms.items(), ("vat", vat), ("address", address)) if v},
            }
        return found

    def _products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {}
        for r in self._read("product.product", [("code", "in", list(codes))], PRODUCT_FIELDS):
            t = r["template."]
            found[r["code"]] = {
                "id": r["id"],
                "template": t["id"],
                "name": t["name"],
                "kind": t["type"],
                "list_price": t["list_price"],
                "cost_price": r["cost_price"],
                "uom": t["default_uom."]["symbol"],
            }
        return found

    def _categories(self, names: set[str]) -> dict[str, int]:
        with self._creating:
            found = {c["name"]: c["id"] for c in self._read("party.category", [("name", "in", list(names))], ["name"])}
            missing = sorted(names - set(found))
            if missing:
                created = self._call("party.category", "create", [{"name": n} for n in missing])
                found.update(zip(missing, created, strict=True))
            return found


def _party_wanted(p: PartySpec) -> dict[str, Any]:
    want = {
        "name": p.name,
        "category": p.category,
        "email": p.email,
        "phone": p.phone,
        "vat": re.sub(r"[\s.-]", "", p.vat).upper(),
    }
    if p.address:
        want.update({f: getattr(p.address, f) for f in ADDRESS}, country=p.address.country.upper())
    return {k: v for k, v in want.items() if v or k == "name"}


def _party_values(
    want: dict[str, Any], ids: dict[str, int], countries: dict[str, int], categories: dict[str, int]
) -> dict[str, Any]:
    """Tryton values (nested one2many operations) bringing a party to ``want``."""
    values: dict[str, Any] = {"name": want["name"]} if "name" in want else {}
    if "category" in want:
        values["categories"] = [("add", [categories[want["category"]]])]
    mechanisms = [(k, {"type": k, "value": want[k]}) for k in ("email", "phone") if k in want]
    values["contact_mechanisms"] = [_nested(ids.get(k), row, {"value": row["value"]}) for k, row in mechanisms]
    if "vat" in want:
        vat = {"code": want["vat"]}
        values["identifiers"] = [_nested(ids.get("vat"), {"type": "eu_vat", **vat}, vat)]
    address = {f: want[f] for f in ADDRESS if f in want}
    if "country" in address:
        address["country"] = countries[address["country"]]
    if address:
        values["addresses"] = [_nested(ids.get("address"), address, address)]
    return {k: v for k, v in values.items() if v}


def _nested(existing: int | None, create: dict[str, Any], write: dict[str, Any]) -> tuple[Any, ...]:
    return ("write", [existing], write) if existing else ("create", [create])
