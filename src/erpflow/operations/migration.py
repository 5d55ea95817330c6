"""Migration: legacy rows mapped through the plan, validated, and loaded by legacy id."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, EmailStr, Field, StringConstraints, ValidationError, field_validator
from stdnum.eu import vat as eu_vat

from erpflow.model.items import Address, ItemOutcome, PartySpec, ProductSpec
from erpflow.inputs.plan import Dataset, MigrationPlan
from erpflow.inputs.sources import Row, Table
from erpflow.operations.batches import BatchPlan, chunked, keyed, reason, split

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PartyRow(BaseModel):
    code: Required
    name: Required
    street: Text = ""
    postal_code: Text = ""
    city: Text = ""
    country: Text = ""
    vat: Text = ""
    email: EmailStr | Literal[""] = ""
    phone: Text = ""

    @field_validator("country")
    @classmethod
    def iso_country(cls, value: str) -> str:
        if value and pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError(f"unknown country {value!r} (an ISO 3166 code, or map it in the plan's values)")
        return value.upper()

    @field_validator("vat")
    @classmethod
    def valid_vat(cls, value: str) -> str:
        if value and not eu_vat.is_valid(value):
            raise ValueError(f"invalid EU VAT number {value!r}")
        return eu_vat.compact(value) if value else value

    def spec(self, category: str, source: str) -> PartySpec:
        address = Address(self.street, self.postal_code, self.city, self.country) \
            if any((self.street, self.postal_code, self.city, self.country)) else None
        return PartySpec(self.code, self.name, category, str(self.email), self.phone, self.vat, address, source)


class ProductRow(BaseModel):
    code: Required
    name: Required
    kind: Literal["goods", "service"] = "goods"
    list_price: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=4)
    cost_price: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=4)
    uom: Required = "u"

    def spec(self, source: str) -> ProductSpec:
        return ProductSpec(self.code, self.name, self.kind, self.list_price, self.cost_price, self.uom, source)


def _values(dataset: Dataset, row: Row) -> dict[str, Any]:
    values = {"code": row.values[dataset.key]}
    for field, column in dataset.columns.items():
        value = row.values[column].strip()
        value = dataset.values.get(field, {}).get(value, value)
        if field in ("list_price", "cost_price"):
            value = dataset.number(value)
        if value:
            values[field] = value
    return values


def entries(dataset: Dataset, table: Table) -> list[PartySpec | ProductSpec | ItemOutcome]:
    """Every row of the dataset, as a spec to load or a rejection with its reason."""
    columns = {"code": dataset.key, **dataset.columns}
    seen: dict[str, int] = {}
    result: list[PartySpec | ProductSpec | ItemOutcome] = []
    for row in table.rows:
        source = table.where(row)
        code = row.values[dataset.key].strip()
        ref = code or f"line {row.line}"
        first = seen.setdefault(code, row.line) if code else row.line
        if row.problem:
            result.append(ItemOutcome(ref, "rejected", reason=row.problem, source=source))
        elif code and first != row.line:
            result.append(ItemOutcome(ref, "rejected", reason=f"duplicate legacy id {code!r} (first at line {first})",
                                      source=source))
        else:
            try:
                values = _values(dataset, row)
                if dataset.into == "party":
                    result.append(PartyRow(**values).spec(dataset.category, source))
                else:
                    result.append(ProductRow(**values).spec(source))
            except ValidationError as exc:
                result.append(ItemOutcome(ref, "rejected", reason=reason(exc, columns), source=source))
    return result


def required_columns(dataset: Dataset) -> list[str]:
    return [dataset.key, *dataset.columns.values()]


def prepare(plan: MigrationPlan, tables: dict[str, Table]) -> list[BatchPlan]:
    """Batches per dataset, in the plan's order (parties before products)."""
    batches = []
    for dataset in plan.datasets:
        rows = entries(dataset, tables[dataset.name])
        for number, chunk in enumerate(chunked(rows, plan.batch_size), start=1):
            items, rejected = split(chunk)
            batches.append(keyed(f"{dataset.name}-{number}", items, rejected, dataset=dataset.name,
                                 details={"dataset": dataset.name, "into": dataset.into}))
    return batches
