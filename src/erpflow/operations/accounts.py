"""Accounts: one ERP user per person of the HR export, with the groups of their role."""

from __future__ import annotations

import re

from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints, ValidationError, field_validator

from erpflow.inputs.method import Method
from erpflow.model.items import ItemOutcome, UserSpec
from erpflow.inputs.plan import WavePlan
from erpflow.inputs.sources import Row, Table
from erpflow.operations.batches import BatchPlan, chunked, keyed, reason, slug, split

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
    seen: dict[str, int] = {}
    result: list[tuple[str, Person | ItemOutcome]] = []
    for row in table.rows:
        values = {field: row.values[column] for field, column in columns.items()}
        login = values["login"].strip().lower()
        first = seen.setdefault(login, row.line) if login else row.line
        site = values["site"].strip()
        if site not in plan.sites:
            continue
        result.append((site, _entry(plan, table, row, values, login, first)))
    return result


def _entry(plan: WavePlan, table: Table, row: Row, values: dict[str, str], login: str,
           first: int) -> Person | ItemOutcome:
    columns = plan.accounts.columns.model_dump()
    ref = login or f"line {row.line}"
    source = table.where(row)
    if row.problem:
        return ItemOutcome(ref, "rejected", reason=row.problem, source=source)
    if not login:
        return ItemOutcome(ref, "rejected", reason=f"{columns['login']}: missing login", source=source)
    if first != row.line:
        return ItemOutcome(ref, "rejected", reason=f"duplicate login {login!r} (first at line {first})",
                           source=source)
    job = values.pop("role").strip()
    if job not in plan.accounts.roles:
        return ItemOutcome(ref, "rejected", reason=f"{columns['role']}: unknown role {job!r}", source=source)
    try:
        return Person(**{**values, "login": login}, role=plan.accounts.roles[job], source=source)
    except ValidationError as exc:
        return ItemOutcome(ref, "rejected", reason=reason(exc, columns), source=source)


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
