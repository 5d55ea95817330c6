"""Configuration: the ERP's parametrisation as desired state, applied item by item in order."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from erpflow.inputs.method import file_digest
from erpflow.inputs.yamlfile import load
from erpflow.model.items import ConfigItem, ItemOutcome
from erpflow.operations.base import Defaults, Preparing
from erpflow.operations.batches import BatchPlan, keyed

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Company(Strict):
    party_name: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str | None = None


class Chart(Strict):
    template: str = "Universal Chart of Accounts"
    receivable: str | None = None
    payable: str | None = None


class FiscalYear(Strict):
    name: str = Field(min_length=1)
    start_date: date
    end_date: date
    period: Literal["month", "quarter"] = "month"

    @model_validator(mode="after")
    def ordered(self) -> FiscalYear:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        return self


class Setting(Strict):
    model: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)+$")
    field: str = Field(pattern=r"^[a-z_]+$")
    value: Any


class DesiredState(Strict):
    """The configuration file a plan points at."""

    company: Company
    chart: Chart | None = None
    fiscal_years: list[FiscalYear] = []
    settings: list[Setting] = []


def load_desired(path: Path) -> DesiredState:
    return load(DesiredState, path)


def items(state: DesiredState) -> list[ConfigItem]:
    """The items in the order they must be applied: company, chart, fiscal years, settings."""
    result = [ConfigItem("company", "company", state.company.model_dump(exclude_none=True))]
    if state.chart:
        result.append(ConfigItem("chart", "chart", state.chart.model_dump(exclude_none=True)))
    result += [
        ConfigItem(f"fiscal_year:{fy.name}", "fiscal_year", fy.model_dump(mode="json")) for fy in state.fiscal_years
    ]
    result += [ConfigItem(f"setting:{s.model}.{s.field}", "setting", s.model_dump()) for s in state.settings]
    return result


def prepare(state: DesiredState) -> list[BatchPlan]:
    """One batch: the items depend on each other (no chart without a company)."""
    return [keyed("settings", items(state), [])]


class Configuration(Defaults):
    """Desired state: applying it again compares each item first, so there is nothing to look up."""

    id = "configuration"

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        source = preparing.plan.configuration.source
        desired = load_desired(source)
        preparing.inputs[str(source)] = file_digest(source)
        return prepare(desired)

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        return targets.erp.apply_config(batch.items)

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        return ", ".join(item.key for b in batches for item in b.items)


OPERATION = Configuration()
