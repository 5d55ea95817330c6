"""The method checked against the target before any write: every ERP group of the wave's roles, the chart template,
the currency and the countries exist in Tryton. Read only; a target that cannot be reached stops the check. A SCIM
server is asked too (reachable, token accepted), but the groups it lacks are not refused: the run creates them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from erpflow.inputs.nearmiss import did_you_mean
from erpflow.inputs.plan import WavePlan
from erpflow.model.accounts import Holder, Protected
from erpflow.model.errors import ErpflowError
from erpflow.model.items import PartySpec
from erpflow.targets.tryton_db import TEMPLATE

if TYPE_CHECKING:
    from erpflow.application.preparation import PreparedWave

__all__ = ["Missing", "Unreachable", "check_target", "existing_accounts", "needed", "preflight"]


class Unreachable(ErpflowError):
    """A network target the preflight must ask cannot be reached: nothing was checked."""


class Missing(ErpflowError):
    """Something the plan or the method names does not exist in the target."""


@dataclass(frozen=True)
class Needed:
    groups: dict[str, str]  # ERP group -> role naming it
    chart: str | None
    currencies: set[str]
    countries: set[str]


def needed(prepared: PreparedWave) -> Needed:
    """What the wave will name in the target: its roles' groups, and its configuration and parties' codes."""
    roles = prepared.method.roles.roles
    groups = {g: role for role in dict.fromkeys(prepared.plan.accounts.roles.values()) for g in roles[role].groups}
    chart, currencies = None, set()
    for batch in prepared.batches.get("configuration", []):
        for item in batch.items:
            if item.kind == "chart":
                chart = item.desired.get("template")
            if item.kind == "company":
                currencies.add(item.desired["currency"])
    countries = {
        p.address.country.upper()
        for batch in prepared.batches.get("migration", [])
        for p in batch.items
        if isinstance(p, PartySpec) and p.address and p.address.country
    }
    return Needed(groups, chart, currencies, countries)


class Names(Protocol):
    def names(self, model: str, field: str, domain: Sequence[Any] = ()) -> set[str]: ...


class Groups(Protocol):
    def group_names(self) -> set[str]: ...


def preflight(prepared: PreparedWave, tryton: Names | None, scim: Groups | None = None) -> None:
    """Raise Missing for the first thing Tryton lacks, Unreachable when a target cannot be asked; ``tryton`` None
    leaves the ERP unasked. The groups are Tryton's unless the accounts go to ``scim``, which only needs to answer:
    a group it lacks is created by the run."""
    from erpflow.targets.errors import TargetError

    want = needed(prepared)
    try:
        if scim is not None:
            scim.group_names()
        if tryton is None:
            return
        if scim is None:
            _groups(want, tryton.names("res.group", "name"), "Tryton")
        _chart(want.chart, tryton.names("account.account.template", "name", [("parent", "=", None)]))
        _codes("currency", want.currencies, tryton.names("currency.currency", "code"))
        _codes("country", want.countries, tryton.names("country.country", "code"))
    except TargetError as exc:
        raise Unreachable(f"preflight: cannot reach the target, nothing checked: {exc}".splitlines()[0]) from None


def check_target(prepared: PreparedWave, settings: Any) -> None:
    """The preflight ``plan`` runs: a Tryton server and a SCIM server are asked; an embedded database is read from
    its file, or, when it does not exist yet, from the template it will be made from (when one is at hand)."""
    from erpflow.targets.bundle import Targets
    from erpflow.targets.tryton_file import TrytonFile

    plan = prepared.plan
    targets = Targets(plan, settings, protected=prepared.method.roles.guard)
    scim: Any = targets.accounts if plan.accounts.scim is not None else None
    if plan.target.url is not None:
        return preflight(prepared, targets.tryton, scim)
    database = settings.tryton_home / f"{plan.target.database}.sqlite"
    source = database if database.exists() else settings.tryton_template or settings.tryton_home / f"{TEMPLATE}.sqlite"
    return preflight(prepared, TrytonFile(source) if source.exists() else None, scim)


def existing_accounts(plan: WavePlan, protected: Protected) -> Callable[[Sequence[str]], dict[str, Holder]]:
    """The target's accounts by login prefix, read only, opened on the first question: a Tryton or SCIM server is
    asked, an embedded database is read from its file (none yet: no account); settings from the environment."""
    from erpflow.settings import load_settings

    opened: dict[str, Any] = {}

    def find(prefixes: Sequence[str]) -> dict[str, Holder]:
        from erpflow.model.accounts import mark
        from erpflow.targets.bundle import Targets
        from erpflow.targets.errors import TargetError
        from erpflow.targets.tryton_file import TrytonFile

        settings = opened.setdefault("settings", load_settings())
        try:
            if plan.target.url is not None or plan.accounts.scim is not None:
                targets = opened.setdefault("targets", Targets(plan, settings, protected=protected))
                found: dict[str, Holder] = targets.accounts.holders(prefixes)
                return found
            database = settings.tryton_home / f"{plan.target.database}.sqlite"
            return TrytonFile(database).holders(prefixes, mark(settings.programme)) if database.exists() else {}
        except TargetError as exc:
            raise Unreachable(
                f"cannot reach the target to number the derived logins, nothing checked: {exc}".splitlines()[0]
            ) from None

    return find


def _chart(wanted: str | None, found: set[str]) -> None:
    from erpflow.targets.tryton_config import CHART_ALIASES

    if wanted is not None and wanted not in found and wanted not in CHART_ALIASES and "." not in wanted:
        raise Missing(f"chart template {wanted!r} does not exist in Tryton{did_you_mean(wanted, found)}")


def _groups(want: Needed, found: set[str], where: str) -> None:
    for group, role in want.groups.items():
        if group not in found:
            raise Missing(f"ERP group {group!r} of role {role!r} does not exist in {where}{did_you_mean(group, found)}")


def _codes(what: str, wanted: set[str], found: set[str]) -> None:
    missing = sorted(wanted - found)
    if missing:
        raise Missing(f"{what} {missing[0]!r} does not exist in Tryton ({len(missing)} {what} codes missing)")
