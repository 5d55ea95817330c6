"""The wave plan (deployments/plans/*.yaml): what one wave does, validated with pydantic.

Paths in a plan are relative to the plan file's folder and must stay inside the project: the folder holding the
method (domain/) above the plan, or else the plan's own folder. URLs never hold credentials.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, HttpUrl, model_validator

from erpflow.inputs.fields import Source, no_credentials, project_root
from erpflow.inputs.mapping import Filled, LeaveOut, source_columns
from erpflow.inputs.options import SourceOptions
from erpflow.inputs.yamlfile import Lines, read_yaml, validate
from erpflow.model.accounts import Protected

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetPlan(Strict):
    """The ERP: an embedded Tryton database (created under the erpflow home), or a trytond server's database
    when ``url`` is given (logged in as ``user``; the password comes from ERPFLOW_TRYTON_PASSWORD)."""

    erp: Literal["tryton"] = "tryton"
    database: Name
    url: Annotated[HttpUrl, no_credentials("ERPFLOW_TRYTON_PASSWORD")] | None = None
    user: str = Field("admin", min_length=1)


class AccountColumns(Strict):
    """Where each field of a person comes from: site and role are columns; the others may also be constants or
    templates (see erpflow.inputs.mapping)."""

    login: Filled
    first_name: Filled
    last_name: Filled
    email: Filled
    site: str
    role: str
    language: Filled | None = Field(
        None, description="the person's language for invitations (FR, en_GB, Français...); empty: the plan's"
    )


def _adoptable(login: str) -> str:
    login = login.strip().lower()
    if Protected().login(login):
        raise ValueError(f"{login!r} is a built-in account: it can never be adopted")
    return login


class ScimPlan(Strict):
    """A SCIM 2.0 server that holds the accounts instead of the ERP; the token comes from ERPFLOW_SCIM_TOKEN."""

    url: Annotated[HttpUrl, no_credentials("ERPFLOW_SCIM_TOKEN")]


class AccountsPlan(SourceOptions):
    source: Source
    scim: ScimPlan | None = None
    columns: AccountColumns
    roles: dict[str, str] = Field(min_length=1, description="HR job title -> role in domain/roles.yaml")
    leave_out: list[LeaveOut] = Field([], description="rows left out by a date: left, or not yet started")
    batch_size: int = Field(200, ge=1, le=1000)
    adopt: list[Annotated[str, AfterValidator(_adoptable)]] = Field(
        [], description="logins of existing accounts erpflow did not create and may manage from now on"
    )

    def read_columns(self) -> list[str]:
        """The HR export's columns the plan reads: those of its fields and of its leave_out rules."""
        fields = {name: how for name, how in self.columns if how is not None}
        return list(dict.fromkeys([*source_columns(fields), *(r.column for r in self.leave_out)]))


class ConfigurationPlan(Strict):
    source: Source


PARTY_FIELDS = ("name", "street", "postal_code", "city", "country", "vat", "email", "phone")
PRODUCT_FIELDS = ("name", "kind", "list_price", "cost_price", "uom")


class Dataset(SourceOptions):
    name: Name
    source: Source
    into: Literal["party", "product"]
    key: str = Field(description="column holding the legacy id")
    category: str = ""
    columns: dict[str, Filled] = Field(description="ERP field -> column, constant or template")
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    leave_out: list[LeaveOut] = Field([], description="rows left out by a date")

    @model_validator(mode="after")
    def fields_exist(self) -> Dataset:
        known = PARTY_FIELDS if self.into == "party" else PRODUCT_FIELDS
        unknown = sorted(set(self.columns) - set(known)) or sorted(set(self.values) - set(known))
        if unknown:
            raise ValueError(f"unknown {self.into} field {unknown[0]!r}; known: {', '.join(known)}")
        if "name" not in self.columns:
            raise ValueError("columns must map 'name'")
        return self

    def read_columns(self) -> list[str]:
        """The source's columns the dataset reads: its key, those of its fields and of its leave_out rules."""
        return list(dict.fromkeys([self.key, *source_columns(self.columns), *(r.column for r in self.leave_out)]))


class MigrationPlan(Strict):
    batch_size: int = Field(200, ge=1, le=1000)
    datasets: list[Dataset] = Field(min_length=1)

    @model_validator(mode="after")
    def names_unique(self) -> MigrationPlan:
        names = [d.name for d in self.datasets]
        if len(names) != len(set(names)):
            raise ValueError("dataset names must be unique")
        return self


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


class Calendar(Strict):
    """Training slots generated on working days between two dates."""

    start_date: date
    end_date: date
    times: list[time] = Field(min_length=1)
    minutes: int = Field(ge=15, le=600)
    rooms: list[str] = Field(min_length=1)
    timezone: Annotated[str, AfterValidator(_zone)] = "UTC"
    site: str | None = None
    weekdays: list[int] = Field([0, 1, 2, 3, 4], description="0 = Monday")

    @model_validator(mode="after")
    def ordered(self) -> Calendar:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Trainer(Strict):
    name: str
    email: EmailStr


def _bare_host(host: str) -> str:
    if "@" in host or "/" in host:
        raise ValueError(
            "give the server's bare host name: the user goes in username, the password in ERPFLOW_SMTP_PASSWORD"
        )
    return host


class Smtp(Strict):
    host: Annotated[str, AfterValidator(_bare_host)]
    port: int = Field(25, ge=1, le=65535)
    username: str | None = None
    starttls: bool = False


class MailPlan(Strict):
    """Invitations go by SMTP, or to an outbox folder (default: outbox/WAVE under the erpflow home)."""

    sender: EmailStr
    outbox: Source | None = None
    smtp: Smtp | None = None
    language: str | None = Field(
        None,
        description="the invitations' language: a folder of domain/invitations "
        "(fr, en...); none keeps the built-in English text",
    )

    @model_validator(mode="after")
    def one_channel(self) -> MailPlan:
        if self.outbox is not None and self.smtp is not None:
            raise ValueError("give one of outbox (a folder) or smtp (a server), not both")
        return self


class TrainingPlan(Strict):
    group_size: int = Field(ge=1, le=100)
    trainer: Trainer
    calendars: list[Calendar] = Field(min_length=1)
    mail: MailPlan


class StepsPlan(Strict):
    """Business steps: ``confirmations`` names a file that confirms some in advance (the demo's way)."""

    confirmations: Source | None = None


class WavePlan(Strict):
    wave: Name
    kind: Literal["pilot", "progressive", "big-bang"]
    sites: list[str] = Field(min_length=1)
    after: Name | None = None
    target: TargetPlan
    accounts: AccountsPlan
    configuration: ConfigurationPlan
    migration: MigrationPlan
    training: TrainingPlan
    steps: StepsPlan = StepsPlan()


def load_plan(path: Path) -> tuple[WavePlan, Lines]:
    """The validated plan and the line of each of its keys."""
    data, lines = read_yaml(path)
    context = {"base": path.resolve().parent, "root": project_root(path)}
    return validate(WavePlan, data, path, lines, context=context), lines
