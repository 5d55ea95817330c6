"""Accounts: one ERP user per person of the HR export, with the groups of their role."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import field
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Annotated

from pydantic import StringConstraints, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from erpflow.inputs.coverage import check_sites
from erpflow.inputs.emails import Email
from erpflow.inputs.languages import Languages
from erpflow.inputs.mapping import Fields, Filled, FromColumn, FromTemplate, Refused, fold, numbered
from erpflow.inputs.method import Method
from erpflow.inputs.plan import WavePlan
from erpflow.inputs.sources import Row, Table, read_table
from erpflow.model.accounts import Holder
from erpflow.model.items import ItemOutcome, UserSpec
from erpflow.operations.base import Defaults, Preparing
from erpflow.operations.batches import BatchPlan, chunked, keyed, slug, split
from erpflow.operations.rows import Screen

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


@dataclass(frozen=True, slots=True)
class Person:
    """One valid row of the HR export: a validating dataclass, kept small since a wave holds one per person while
    it is prepared."""

    login: str
    first_name: Text
    last_name: Text
    email: Email
    site: Text
    role: str  # role id in domain/roles.yaml
    source: str = ""
    language: str = ""  # a language of the method's invitations; empty: the plan's

    @field_validator("login")
    @classmethod
    def usable_login(cls, value: str) -> str:
        if not LOGIN.match(value):
            raise ValueError(f"login {value!r} may only hold a-z, 0-9, '.', '_', '@', '-' (64 at most)")
        return value

    name: str = field(init=False, default="")  # first and last name: one text for the account and the trainee

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"{self.first_name} {self.last_name}")


def _names(plan: WavePlan) -> dict[str, str]:
    """Each field with the column it reads, for messages: a constant's or a template's field names itself."""
    return {
        name: how if isinstance(how, str) else how.column if isinstance(how, FromColumn) else name
        for name, how in plan.accounts.columns
    }


Find = Callable[[Sequence[str]], dict[str, Holder]]  # login prefixes -> the target's accounts starting with them


class TargetLogins:
    """Logins the target holds, asked a batch of rows at a time: an account is the row's person's when erpflow
    manages it (or the plan adopts it) under the person's name, and their e-mail when the HR export gives one."""

    def __init__(self, find: Find, adopt: Collection[str] = (), email_given: bool = False):
        self.find, self.adopt, self.email_given = find, frozenset(adopt), email_given
        self.known: dict[str, Holder] = {}
        self.asked: set[str] = set()

    def prefetch(self, field: str, texts: Collection[str]) -> None:
        new = [t.lower() for t in dict.fromkeys(texts) if t.lower() not in self.asked]
        if field == "login" and new:
            self.known.update({login.lower(): h for login, h in self.find(new).items()})
            self.asked.update(new)

    def held(self, field: str, text: str, filled: Mapping[str, str]) -> dict[str, bool]:
        self.prefetch(field, [text])
        text = text.lower()
        return {login: self._theirs(h, filled) for login, h in self.known.items() if numbered(text, login)}

    def _theirs(self, holder: Holder, filled: Mapping[str, str]) -> bool:
        name = fold(f"{filled.get('first_name', '')} {filled.get('last_name', '')}")
        same_email = not self.email_given or holder.email.lower() == filled.get("email", "").strip().lower()
        return (holder.managed or holder.login.lower() in self.adopt) and fold(holder.name) == name and same_email


def people(
    plan: WavePlan,
    table: Table,
    today: date | None = None,
    left: Counter[str] | None = None,
    languages: Languages | None = None,
    find: Find | None = None,
    sites: Counter[str] | None = None,
) -> list[tuple[str, Person | ItemOutcome]]:
    """The HR rows of the wave's sites with their site, each a valid Person or a rejection; rows a leave_out rule
    drops are counted in ``left`` (by rule), and every row in ``sites`` (by site). The rows are read from the
    export a batch at a time, in file order, so clashes number the same and the export is never held whole.
    ``languages``: those of the method's invitations, which a language column must name. ``find``: the target's
    accounts, asked once per batch_size rows, so that a derived login (a unique template) passes over a login
    someone else holds there, and gives a person the account they already have."""
    columns = _names(plan)
    filled = _filled(plan)
    derived = filled["login"]
    claims = None
    if find is not None and isinstance(derived, FromTemplate) and derived.unique:
        email_given = not isinstance(filled["email"], FromTemplate)
        claims = TargetLogins(find, plan.accounts.adopt, email_given)
    fields = Fields(filled, plan.accounts.leave_out, today, claims)
    languages = languages or Languages(())
    screen = Screen(table, "login")
    result: list[tuple[str, Person | ItemOutcome]] = []
    rows = table.stream()
    while chunk := list(islice(rows, plan.accounts.batch_size)):
        fields.prefetch([row.values for row in chunk])
        for row in chunk:
            problem, values, rule = "", {}, None
            try:
                values = fields.fill(row.values)
                rule = fields.left_out(row.values)
            except Refused as exc:
                problem = str(exc)
            login = values.get("login", "").strip().lower()
            refused = screen.check(row, login, missing=None if problem else f"{columns['login']}: missing login")
            site = row.values[plan.accounts.columns.site].strip()
            if sites is not None:
                sites[site] += 1
            if site not in plan.sites:
                continue
            if refused is None and problem:
                refused = screen.reject(row, login, problem)
            if refused is None and rule is not None:
                if left is not None:
                    left[rule.describe()] += 1
                continue
            result.append((site, refused or _person(plan, screen, row, values, login, columns, languages)))
    return result


def _filled(plan: WavePlan) -> dict[str, Filled]:
    return {name: how for name, how in plan.accounts.columns if how is not None}


def _person(
    plan: WavePlan,
    screen: Screen,
    row: Row,
    values: dict[str, str],
    login: str,
    columns: dict[str, str],
    languages: Languages,
) -> Person | ItemOutcome:
    job = row.values[plan.accounts.columns.role].strip()
    if job not in plan.accounts.roles:
        return screen.reject(row, login, f"{columns['role']}: unknown role {job!r}")
    said = values.get("language", "")
    if said:
        language = languages.read(said)
        if language is None:
            shipped = ", ".join(languages.shipped) or "none"
            why = f"{said!r} is no language of the invitations ({shipped})"
            return screen.reject(row, login, f"{columns['language']}: {why}")
        values = {**values, "language": language}
    values = {k: v for k, v in values.items() if k not in ("login", "role", "site")}
    site = row.values[plan.accounts.columns.site].strip()
    try:
        return Person(**values, login=login, site=site, role=plan.accounts.roles[job], source=screen.table.where(row))
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
        hr = read_table(plan.accounts.source, required=plan.accounts.read_columns(), options=plan.accounts)
        preparing.inputs[str(plan.accounts.source)] = hr.digest
        left: Counter[str] = Counter()
        sites: Counter[str] = Counter()
        languages = Languages(preparing.method.invitations)
        found = people(plan, hr, left=left, languages=languages, find=preparing.accounts, sites=sites)
        preparing.shared["people"] = found
        preparing.left_out["accounts"] = dict(left)
        trainee_sites = {site for site, entry in found if isinstance(entry, Person)}
        check_sites(plan, preparing.path, preparing.lines, hr.path, sites, trainee_sites)
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
