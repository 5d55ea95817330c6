"""Tryton users: created or updated with their role's groups; accounts erpflow may not touch are refused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from erpflow.model.accounts import Existing, Holder, refusal
from erpflow.model.items import ItemOutcome, UserSpec
from erpflow.targets.tryton_session import TrytonSession
from erpflow.targets.tryton_writes import Plan, diff

USER_FIELDS = ["login", "name", "email", "active", "groups.name"]
BUILTIN_USERS = (0, 1)  # root and admin
SECURITY_MODELS = [
    "res.user",
    "res.group",
    "res.user-res.group",
    "ir.model.access",
    "ir.model.field.access",
    "ir.rule",
    "ir.rule.group",
]


class Users(TrytonSession):
    """Users by login; erpflow's mark is a group of its own on every account it manages."""

    def upsert_users(self, users: Sequence[UserSpec]) -> list[ItemOutcome]:
        """Create or update each user with its role's groups; an account erpflow may not write (see
        :mod:`erpflow.model.accounts`) is rejected untouched."""
        with self._session():
            groups = {g["name"]: g["id"] for g in self._read("res.group", [], ["name"])}
            marker = groups.get(self.mark) or self._marker()
            found, company = self._users([u.login for u in users]), self._company()
            plan = Plan(self, "res.user", users)
            for i, u in plan.pending():
                cur = found.get(u.login)
                if why := refusal(u.login, u.groups, cur["existing"] if cur else None, u.adopt, self.protected):
                    plan.reject(i, why)
                    continue
                if unknown := [g for g in u.groups if g not in groups]:
                    plan.reject(
                        i, f"unknown group {unknown[0]!r} (known: {', '.join(sorted(set(groups) - {self.mark}))})"
                    )
                    continue
                want = {"name": u.name, "email": u.email, "groups": sorted(set(u.groups)), "active": True}
                if cur is None:
                    row = {
                        "login": u.login,
                        "name": u.name,
                        "email": u.email or None,
                        "groups": [("add", [groups[g] for g in want["groups"]] + [marker])],
                    }
                    if company:
                        row.update(companies=[("add", [company["id"]])], company=company["id"])
                    plan.create(i, row)
                    continue
                changes = diff(cur, want)
                values: dict[str, Any] = {k: changes[k][1] or None for k in ("name", "email", "active") if k in changes}
                adopted = [] if cur["existing"].managed else [marker]
                if "groups" in changes or adopted:
                    before, after = set(cur["groups"]), set(want["groups"])
                    values["groups"] = [
                        ("remove", [cur["group_ids"][g] for g in before - after]),
                        ("add", [groups[g] for g in after - before] + adopted),
                    ]
                if adopted:
                    changes["adopted"] = [False, True]
                plan.update(i, cur["id"], values, changes)
            return plan.run()

    def _marker(self) -> int:
        """erpflow's group for this programme, created by the first batch that needs it."""
        with self._creating:
            found = self._read("res.group", [("name", "=", self.mark)], ["name"])
            return found[0]["id"] if found else self._call("res.group", "create", [{"name": self.mark}])[0]

    def managed(self, logins: Sequence[str]) -> set[str]:
        """The logins whose account exists and is erpflow's for this programme."""
        with self._session():
            return {login for login, u in self._users(logins).items() if u["existing"].managed}

    def find_users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return {
                k: {f: v for f, v in u.items() if f not in ("group_ids", "existing")}
                for k, u in self._users(logins).items()
            }

    def holders(self, prefixes: Sequence[str]) -> dict[str, Holder]:
        """The accounts whose login starts with one of ``prefixes``, in one search (LIKE's ``_`` may match more:
        the caller keeps the logins it wants)."""
        if not prefixes:
            return {}
        domain: list[Any] = ["OR", *(("login", "like", f"{p}%") for p in dict.fromkeys(prefixes))]
        with self._session():
            return {
                r["login"]: Holder(
                    r["login"], r["name"] or "", r["email"] or "", any(g["name"] == self.mark for g in r["groups."])
                )
                for r in self._read("res.user", domain, USER_FIELDS)
            }

    def _users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Existing users by login; erpflow's mark is no group of theirs but ``existing.managed``."""
        found, admin_groups = {}, self._admin_groups()
        for r in self._read("res.user", [("login", "in", list(logins))], USER_FIELDS):
            group_ids = {g["name"]: g["id"] for g in r["groups."] if g["name"] != self.mark}
            existing = Existing(
                managed=len(group_ids) < len(r["groups."]),
                groups=frozenset(group_ids),
                admin_groups=frozenset(g["name"] for g in r["groups."] if g["id"] in admin_groups),
                builtin=r["id"] in BUILTIN_USERS,
            )
            found[r["login"]] = {
                "id": r["id"],
                "name": r["name"],
                "email": r["email"] or "",
                "groups": sorted(group_ids),
                "active": bool(r["active"]),
                "group_ids": group_ids,
                "existing": existing,
            }
        return found

    def _admin_groups(self) -> set[int]:
        """Groups allowed to change users, groups or access rights: their members administer Tryton."""
        rows = self._read(
            "ir.model.access",
            [
                ("model", "in", SECURITY_MODELS),
                ("group", "!=", None),
                ["OR", ("perm_write", "=", True), ("perm_create", "=", True), ("perm_delete", "=", True)],
            ],
            ["group"],
        )
        return {r["group"] for r in rows}
