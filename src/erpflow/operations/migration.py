"""Migration: legacy rows mapped through the plan, validated, and loaded by legacy id."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator
from stdnum.eu import vat as eu_vat

from erpflow.inputs.emails import Email
from erpflow.inputs.mapping import Fields, FromColumn, Refused
from erpflow.inputs.plan import Dataset, MigrationPlan
from erpflow.inputs.sources import Table, read_table
from erpflow.model.items import Address, ItemOutcome, PartySpec, ProductSpec
from erpflow.model.wave import Wave
from erpflow.operations.base import Defaults, Preparing, Recorded
from erpflow.operations.batches import BatchPlan, chunked, keyed, split
from erpflow.operations.rows import Screen

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets

LOADED = ("created", "updated", "unchanged")

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
    email: Email | Literal[""] = ""
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
        address = (
            Address(self.street, self.postal_code, self.city, self.country)
            if any((self.street, self.postal_code, self.city, self.country))
            else None
        )
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


def _values(dataset: Dataset, filled: dict[str, str], code: str) -> dict[str, Any]:
    values: dict[str, Any] = {"code": code}
    for field, value in filled.items():
        value = dataset.values.get(field, {}).get(value, value)
        if field in ("list_price", "cost_price"):
            value = dataset.number(value)
        if value:
            values[field] = value
    return values


def _names(dataset: Dataset) -> dict[str, str]:
    """Each field with the column it reads, for messages: a constant's or a template's field names itself."""
    named = {
        field: how if isinstance(how, str) else how.column if isinstance(how, FromColumn) else field
        for field, how in dataset.columns.items()
    }
    return {"code": dataset.key, **named}


def entries(
    dataset: Dataset, table: Table, today: date | None = None, left: Counter[str] | None = None
) -> list[PartySpec | ProductSpec | ItemOutcome]:
    """Every row of the dataset, as a spec to load or a rejection with its reason; rows a leave_out rule drops
    are counted in ``left``, by rule."""
    columns, fields = _names(dataset), Fields(dataset.columns, dataset.leave_out, today)
    screen = Screen(table, "legacy id")
    result: list[PartySpec | ProductSpec | ItemOutcome] = []
    for row in table.rows:
        code = row.values[dataset.key].strip()
        if refused := screen.check(row, code):
            result.append(refused)
            continue
        try:
            if (rule := fields.left_out(row.values)) is not None:
                if left is not None:
                    left[rule.describe()] += 1
                continue
            values = _values(dataset, fields.fill(row.values), code)
            source = table.where(row)
            result.append(
                PartyRow(**values).spec(dataset.category, source)
                if dataset.into == "party"
                else ProductRow(**values).spec(source)
            )
        except Refused as exc:
            result.append(screen.reject(row, code, str(exc)))
        except ValidationError as exc:
            result.append(screen.invalid(row, code, exc, columns))
    return result


def required_columns(dataset: Dataset) -> list[str]:
    return dataset.read_columns()


def prepare(
    plan: MigrationPlan, tables: dict[str, Table], left_out: dict[str, dict[str, int]] | None = None
) -> list[BatchPlan]:
    """Batches per dataset, in the plan's order (parties before products); rows left out are counted in
    ``left_out`` (``migration.DATASET`` -> rule -> rows)."""
    batches = []
    for dataset in plan.datasets:
        left: Counter[str] = Counter()
        rows = entries(dataset, tables[dataset.name], left=left)
        if left_out is not None:
            left_out[f"migration.{dataset.name}"] = dict(left)
        for number, chunk in enumerate(chunked(rows, plan.batch_size), start=1):
            items, rejected = split(chunk)
            batches.append(
                keyed(
                    f"{dataset.name}-{number}",
                    items,
                    rejected,
                    dataset=dataset.name,
                    details={"dataset": dataset.name, "into": dataset.into},
                )
            )
    return batches


def reconciliation(batches: list[BatchPlan], rows: dict[str, int], recorded: Recorded) -> dict[str, dict[str, int]]:
    """Per dataset: rows read from the source, and rows loaded or rejected according to the ledger."""
    result = {name: {"read": count, "loaded": 0, "rejected": 0} for name, count in rows.items()}
    for batch in batches:
        counts, done = result[batch.dataset], recorded(batch.key)
        if done is not None and done.done:
            counts["loaded"] += sum(done.counts.get(s, 0) for s in LOADED)
            counts["rejected"] += done.counts.get("rejected", 0)
    return result


class Migration(Defaults):
    """Legacy data loaded by legacy id, then reconciled: rows read = loaded + rejected, per dataset."""

    id = "migration"

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        plan = preparing.plan.migration
        tables = {d.name: read_table(d.source, required=required_columns(d), options=d) for d in plan.datasets}
        preparing.inputs.update({str(t.path): t.digest for t in tables.values()})
        preparing.rows.update({name: len(table.rows) for name, table in tables.items()})
        return prepare(plan, tables, preparing.left_out)

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        if batch.details.get("into") == "product":
            return targets.erp.upsert_products(batch.items)
        return targets.erp.upsert_parties(batch.items)

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        find = targets.erp.find_products if batch.details.get("into") == "product" else targets.erp.find_parties
        return {ref: str(record["id"]) for ref, record in find([item.code for item in batch.items]).items()}

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        return ", ".join(f"{name}: {count} rows" for name, count in rows.items())

    def after(
        self, wave: Wave, batches: list[BatchPlan], rows: dict[str, int], recorded: Recorded, ctx: dict[str, str]
    ) -> None:
        for dataset, counts in reconciliation(batches, rows, recorded).items():
            left = sum(wave.rows_left_out.get(f"migration.{dataset}", {}).values())
            extra = {"left_out": left} if left else {}
            wave.reconcile(dataset, counts["read"], counts["loaded"], counts["rejected"], ctx, **extra)


OPERATION = Migration()
