"""Which accounts erpflow may write: those it created, and those a plan adopts; never an administrator.

A target marks the accounts erpflow creates (or adopts) for its programme; an existing account without that
mark belongs to someone else. Built-in accounts and members of an administration group are never written,
adopted or not: an HR row must not be able to take over the ERP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BUILTIN_LOGINS = frozenset({"admin", "root", "administrator"})
ADMINISTRATION_GROUPS = frozenset({"administration", "administrators", "admins"})


def mark(programme: str) -> str:
    """The mark a target puts on the accounts erpflow manages for ``programme`` (a group, an externalId)."""
    return f"erpflow:{programme}"


@dataclass(frozen=True)
class Protected:
    """Logins and groups (compared case-insensitively) whose accounts erpflow never writes."""

    logins: frozenset[str] = BUILTIN_LOGINS
    groups: frozenset[str] = ADMINISTRATION_GROUPS

    @classmethod
    def of(cls, logins: Iterable[str] = (), groups: Iterable[str] = ()) -> Protected:
        """The built-in protections plus the method's own."""
        return cls(BUILTIN_LOGINS | {x.lower() for x in logins}, ADMINISTRATION_GROUPS | {x.lower() for x in groups})

    def login(self, login: str) -> bool:
        return login.lower() in self.logins


@dataclass(frozen=True)
class Holder:
    """Who holds an existing account, as far as numbering a derived login goes."""

    login: str
    name: str
    email: str
    managed: bool  # erpflow's for this programme


@dataclass(frozen=True)
class Existing:
    """An account the target already holds under a login, as far as ownership goes."""

    managed: bool  # carries erpflow's mark for this programme: erpflow created or adopted it
    groups: frozenset[str] = frozenset()
    admin_groups: frozenset[str] = frozenset()  # of its groups, those the target says give rights over accounts
    builtin: bool = False  # the target's own built-in account (Tryton's root and admin)


def refusal(
    login: str, wanted: Iterable[str], existing: Existing | None, adopt: bool, protected: Protected = Protected()
) -> str:
    """Why erpflow must not write this account (empty when it may): ``wanted`` are the groups its role gives."""
    if protected.login(login) or (existing is not None and existing.builtin):
        return f"{login!r} is a built-in account: erpflow never touches it"
    if existing is None:
        return ""
    # an account of erpflow's may hold the administration groups its role gives; no other account may
    granted = {g.lower() for g in wanted} if existing.managed else set()
    admin = sorted(
        g
        for g in existing.groups
        if g.lower() not in granted and (g.lower() in protected.groups or g in existing.admin_groups)
    )
    if admin:
        return f"account {login!r} is an administrator (member of {admin[0]!r}): erpflow never touches it"
    if existing.managed or adopt:
        return ""
    return (
        f"account {login!r} exists and was not created by erpflow: list it under accounts.adopt in the plan "
        "to let erpflow manage it"
    )
