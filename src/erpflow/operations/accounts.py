"""Accounts: one ERP user per person of the HR export, with the groups of their role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints, ValidationError, field_validator

from erpflow.inputs.coverage import check_sites
from erpflow.inputs.method import Method
from erpflow.inputs.plan import WavePlan
from erpflow.inputs.sources import Row, Table, read_table
from erpflow.model.items import ItemOutcome, UserSpec
from erpflow.operations.base import Defaults, Preparing
from erpflow.operations.batches import BatchPlan, chunked, keyed, slug, split
from erpflow.operations.rows import Screen

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Person(BaseModel):
    """One valid row of the HR export."""

    login: str
    first_name: Text
    last_name: Text
    email: EmailStr
    site: Text
    role: str = Field(description="role id in domain/roles.yaml")
    source: str = ""

    @field_validator("login")
    @classmethod
    def usable_login(cls, value: str) -> str:
        if not LOGIN.match(value):
            raise ValueError(f"login {value!r} may only hold a-z, 0-9, '.', '_', '@', '-' (64 at most)")
        return value

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def people(plan: WavePlan, table: Table) -> list[tuple[str, Person | ItemOutcome]]:
    """The HR rows of the wave's sites with their site, each a valid Person or a rejection."""
    columns = plan.accounts.columns.model_dump()
    screen = Screen(table, "login")
    result: list[tuple[str, Person | ItemOutcome]] = []
    for row in table.rows:
        values = {field: row.values[column] for field, column in columns.items()}
        login = values["login"].strip().lower()
        refused = screen.check(row, login, missing=f"{columns['login']}: missing login")
        site = values["site"].strip()
        if site in plan.sites:
            result.append((site, refused or _person(plan, screen, row, values, login)))
    return result


def _person(plan: WavePlan, screen: Screen, row: Row, values: dict[str, str], login: str) -> Person | ItemOutcome:
    columns = plan.accounts.columns.model_dump()
    job = values.pop("role").strip()
    if job not in plan.accounts.roles:
        return screen.reject(row, login, f"{columns['role']}: unknown role {job!r}")
    try:
        return Person(**{**values, "login": login}, role=plan.accounts.roles[job], source=screen.table.where(row))
    except ValidationError as exc:
        return screen.invalid(row, login, exc, columns)


def user(person: Person, method: Method, adopt: frozenset[str] = frozenset()) -> UserSpec:
    groups = tuple(method.roles.roles[person.role].groups)
    return UserSpec(person.login, person.name, str(person.email), groups, person.source, person.login in adopt)


def prepare(plan: WavePlan, method: Method, entries: list[tuple[str, Person | ItemOutcome]]) -> list[BatchPlan]:
    """Batches of at most batch_size rows, per site, in file order; ``entries`` as people() gives them."""
    batches, adopt = [], frozenset(plan.accounts.adopt)
    for site in plan.sites:
        of_site = [entry for entry_site, entry in entries if entry_site == site]
        for number, chunk in enumerate(chunked(of_site, plan.accounts.batch_size), start=1):
            items, rejected = split(chunk)
            batches.append(keyed(f"{slug(site)}-{number}", [user(p, method, adopt) for p in items], rejected))
    return batches


def prepared_people(preparing: Preparing) -> list[tuple[str, Person | ItemOutcome]]:
    """The people of the HR export, read and validated once for every operation that needs them."""
    if "people" not in preparing.shared:
        plan = preparing.plan
        hr = read_table(
            plan.accounts.source, required=plan.accounts.columns.model_dump().values(), options=plan.accounts
        )
        preparing.inputs[str(plan.accounts.source)] = hr.digest
        preparing.shared["people"] = people(plan, hr)
        check_sites(
            plan,
            preparing.path,
            preparing.lines,
            hr,
            {site for site, entry in preparing.shared["people"] if isinstance(entry, Person)},
        )
    people_: list[tuple[str, Person | ItemOutcome]] = preparing.shared["people"]
    return people_


class Accounts(Defaults):
    id = "accounts"

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        return prepare(preparing.plan, preparing.method, prepared_people(preparing))

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        return targets.accounts.upsert_users(batch.items)

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        found = targets.accounts.find_users([u.login for u in batch.items])
        return {ref: str(record["id"]) for ref, record in found.items()}

    def concurrency(self, wanted: int, targets: Targets) -> int:
        return targets.concurrency("accounts", wanted)


OPERATION = Accounts()
