"""Tryton as erpflow's ERP: idempotent batch upserts by natural key, configuration as desired state.

Every method takes a batch and answers one ItemOutcome per item, in input order. Items Tryton
refuses become ``rejected`` with Tryton's message; a refused bulk call is split in halves until
each refusal has its item. Calls are serialised by one lock: proteus keeps its configuration per
thread and mutates its context, and trytond's configuration (the SQLite folder) is process-wide.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import xmlrpc.client
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from erpflow.model.accounts import Existing, Protected, mark, refusal
from erpflow.model.items import ConfigItem, ItemOutcome, PartySpec, ProductSpec, UserSpec
from erpflow.targets.errors import TargetError, TargetUnavailable
from erpflow.targets.tryton_db import TrytonDatabase
from erpflow.targets.tryton_remote import RemoteTryton, refused

_LOCK = threading.RLock()
ALL = {"active_test": False}
USER_FIELDS = ["login", "name", "email", "active", "groups.name"]
PARTY_FIELDS = ["code", "name", "categories.name", "contact_mechanisms.type", "contact_mechanisms.value",
                "identifiers.type", "identifiers.code", "addresses.street", "addresses.postal_code",
                "addresses.city", "addresses.country.code"]
PRODUCT_FIELDS = ["code", "cost_price", "template.name", "template.type", "template.list_price",
                  "template.default_uom.symbol"]
BUILTIN_USERS = (0, 1)  # root and admin
SECURITY_MODELS = ["res.user", "res.group", "res.user-res.group", "ir.model.access", "ir.model.field.access",
                   "ir.rule", "ir.rule.group"]
ADDRESS = ("street", "postal_code", "city", "country")
CHART_ALIASES = {"Minimal Account Chart": "account.account_template_root_en"}  # its name before Tryton 6


class Refused(Exception):
    """An item the adapter itself refuses; becomes a rejected outcome."""


def connect(database: TrytonDatabase | RemoteTryton) -> Any:
    """A proteus configuration: on an embedded database (local mode), or on a trytond server (XML-RPC)."""
    from proteus import config

    if isinstance(database, RemoteTryton):
        return database.open()
    if not database.path.exists():
        raise TargetUnavailable(f"Tryton database {database.path} does not exist")
    _use_config_file(database)
    try:
        return config.set_trytond(database=database.name, config_file=str(database.config_file))
    except Exception as exc:
        raise TargetUnavailable(f"cannot open Tryton database {database.name}: {_reason(exc)}") from exc


def skip_email_dns_check() -> None:
    """Make trytond check email syntax only (process-wide): without DNS it refuses every address."""
    import trytond.tools.email_ as email_

    check = email_._validate_email
    if not getattr(check, "syntax_only", False):
        def syntax_only(email: str, **kwargs: Any) -> Any:
            return check(email, **{**kwargs, "check_deliverability": False})
        syntax_only.syntax_only = True  # type: ignore[attr-defined]
        email_._validate_email = syntax_only


class TrytonTarget:
    """One Tryton database, embedded or on a server. ``check_email_dns=False`` on machines without DNS (an
    embedded database only: a server checks as it is configured)."""

    def __init__(self, database: TrytonDatabase | RemoteTryton, *, check_email_dns: bool = True,
                 programme: str = "default", protected: Protected = Protected()):
        self.database, self._config = database, None
        self.mark, self.protected = mark(programme), protected
        self.remote = isinstance(database, RemoteTryton)
        if not check_email_dns and not self.remote:
            skip_email_dns_check()

    def upsert_users(self, users: Sequence[UserSpec]) -> list[ItemOutcome]:
        """Create or update each user with its role's groups; an account erpflow may not write (see
        :mod:`erpflow.model.accounts`) is rejected untouched."""
        with self._session():
            groups = {g["name"]: g["id"] for g in self._read("res.group", [], ["name"])}
            marker = groups.get(self.mark) or self._call("res.group", "create", [{"name": self.mark}])[0]
            found, company = self._users([u.login for u in users]), self._company()
            plan = _Plan(self, "res.user", users)
            for i, u in plan.pending():
                cur = found.get(u.login)
                if why := refusal(u.login, u.groups, cur["existing"] if cur else None, u.adopt, self.protected):
                    plan.reject(i, why)
                    continue
                if unknown := [g for g in u.groups if g not in groups]:
                    plan.reject(i, f"unknown group {unknown[0]!r} (known: {', '.join(sorted(set(groups) - {self.mark}))})")
                    continue
                want = {"name": u.name, "email": u.email, "groups": sorted(set(u.groups)), "active": True}
                if cur is None:
                    row = {"login": u.login, "name": u.name, "email": u.email or None,
                           "groups": [("add", [groups[g] for g in want["groups"]] + [marker])]}
                    if company:
                        row.update(companies=[("add", [company["id"]])], company=company["id"])
                    plan.create(i, row)
                    continue
                changes = _diff(cur, want)
                values = {k: changes[k][1] or None for k in ("name", "email", "active") if k in changes}
                adopted = [] if cur["existing"].managed else [marker]
                if "groups" in changes or adopted:
                    before, after = set(cur["groups"]), set(want["groups"])
                    values["groups"] = [("remove", [cur["group_ids"][g] for g in before - after]),
                                        ("add", [groups[g] for g in after - before] + adopted)]
                if adopted:
                    changes["adopted"] = [False, True]
                plan.update(i, cur["id"], values, changes)
            return plan.run()

    def managed(self, logins: Sequence[str]) -> set[str]:
        """The logins whose account exists and is erpflow's for this programme."""
        with self._session():
            return {login for login, u in self._users(logins).items() if u["existing"].managed}

    def upsert_parties(self, parties: Sequence[PartySpec]) -> list[ItemOutcome]:
        with self._session():
            found = self._parties([p.code for p in parties])
            codes = [p.address.country.upper() for p in parties if p.address and p.address.country]
            countries = {c["code"]: c["id"] for c in self._read("country.country", [("code", "in", codes)], ["code"])}
            categories = self._categories({p.category for p in parties if p.category})
            plan = _Plan(self, "party.party", parties)
            for i, p in plan.pending():
                want = _party_wanted(p)
                if want.get("country") and want["country"] not in countries:
                    plan.reject(i, f"unknown country code {want['country']!r}")
                elif (cur := found.get(p.code)) is None:
                    plan.create(i, {"code": p.code, **_party_values(want, {}, countries, categories)})
                else:
                    current = {**cur, "category": p.category if p.category in cur["categories"] else ""}
                    changes = _diff(current, want)
                    values = _party_values({k: want[k] for k in changes}, cur["ids"], countries, categories)
                    plan.update(i, cur["id"], values, changes)
            return plan.run()

    def upsert_products(self, products: Sequence[ProductSpec]) -> list[ItemOutcome]:
        with self._session():
            plan = _Plan(self, "product.template", products)
            if self._company() is None:
                for i, _ in plan.pending():
                    plan.reject(i, "no company in Tryton yet: apply the configuration (company) first")
                return plan.run()
            found = self._products([p.code for p in products])
            uoms = {u["symbol"]: u["id"] for u in self._read("product.uom", [], ["symbol"])}
            for i, p in plan.pending():
                want = {"name": p.name, "kind": p.kind, "list_price": Decimal(p.list_price),
                        "cost_price": Decimal(p.cost_price), "uom": p.uom}
                if p.uom not in uoms:
                    plan.reject(i, f"unknown unit of measure {p.uom!r}")
                elif (cur := found.get(p.code)) is None:
                    plan.create(i, {"name": p.name, "type": p.kind, "default_uom": uoms[p.uom],
                                    "list_price": want["list_price"], "products": [("create", [
                                        {"suffix_code": p.code, "cost_price": want["cost_price"]}])]})
                else:
                    changes = _diff(cur, want)
                    values = {f: want[k] for k, f in (("name", "name"), ("kind", "type"),
                                                      ("list_price", "list_price")) if k in changes}
                    if "uom" in changes:
                        values["default_uom"] = uoms[p.uom]
                    if "cost_price" in changes:
                        values["products"] = [("write", [cur["id"]], {"cost_price": want["cost_price"]})]
                    plan.update(i, cur["template"], values, changes)
            outcomes = plan.run()
            ids = {code: p["id"] for code, p in self._products([o.ref for o in outcomes]).items()}
            return [replace(o, erp_id=ids.get(o.ref)) if o.status != "rejected" else o for o in outcomes]

    def apply_config(self, items: Sequence[ConfigItem]) -> list[ItemOutcome]:
        """Company, chart, fiscal_year and setting items, applied in order, each on its own."""
        outcomes = []
        with self._session():
            for item in items:
                apply = getattr(self, f"_apply_{item.kind}", None)
                try:
                    if apply is None:
                        raise Refused(f"unknown configuration kind {item.kind!r}")
                    status, erp_id, changes = apply(item.desired)
                    outcomes.append(ItemOutcome(item.key, status, erp_id, changes=_plain_changes(changes)))
                except Exception as exc:
                    if not (isinstance(exc, Refused) or refused(exc)):
                        raise
                    outcomes.append(ItemOutcome(item.key, "rejected", reason=_reason(exc)))
        return outcomes

    def _apply_company(self, desired: dict[str, Any]) -> tuple[str, Any, dict[str, list[Any]]]:
        want = {k: desired[k] for k in ("party_name", "currency", "timezone") if desired.get(k)}
        if (company := self._company()) is not None:
            current = {"party_name": company["party."]["name"], "currency": company["currency."]["code"],
                       "timezone": company["timezone"]}
            changes = _diff(current, want)
            if "currency" in changes:
                before, after = changes["currency"]
                raise Refused(f"the currency of an existing company cannot change ({before} -> {after})")
            if "party_name" in changes:
                self._call("party.party", "write", [company["party."]["id"]], {"name": want["party_name"]})
            if "timezone" in changes:
                self._call("company.company", "write", [company["id"]], {"timezone": want["timezone"]})
            return ("updated" if changes else "unchanged"), company["id"], changes
        from proteus import Model, Wizard

        currency = self._read("currency.currency", [("code", "=", want["currency"])], ["code"])
        if not currency:
            raise Refused(f"unknown currency {want['currency']!r}")
        party, = self._call("party.party", "create", [{"name": want["party_name"]}])
        try:
            wizard = Wizard("company.company.config", config=self._config)
            wizard.execute("company")
            wizard.form.party = Model.get("party.party", config=self._config)(party)
            wizard.form.currency = Model.get("currency.currency", config=self._config)(currency[0]["id"])
            wizard.form.timezone = want.get("timezone")
            wizard.execute("add")
        except Exception:
            self._call("party.party", "delete", [party])
            raise
        self._config._context = self._call("res.user", "get_preferences", True)
        return "created", self._company()["id"], {k: [None, v] for k, v in want.items()}

    def _apply_chart(self, desired: dict[str, Any]) -> tuple[str, Any, dict[str, list[Any]]]:
        company = self._require_company()
        if self._call("account.account", "search_count", [("company", "=", company)], **ALL):
            return "unchanged", None, {}
        from proteus import Model, Wizard

        root = self._chart_root(desired.get("template") or "Universal Chart of Accounts")
        kinds = {k: self._template_account(root, k, desired.get(k)) for k in ("receivable", "payable")}
        wizard = Wizard("account.create_chart", config=self._config)
        wizard.execute("account")
        wizard.form.account_template = Model.get("account.account.template", config=self._config)(root["id"])
        wizard.form.company = Model.get("company.company", config=self._config)(company)
        wizard.execute("create_account")
        Account = Model.get("account.account", config=self._config)
        for kind, template in kinds.items():
            account, = self._call("account.account", "search", [("company", "=", company),
                                                                ("template", "=", template["id"])], 0, 1, None)
            setattr(wizard.form, f"account_{kind}", Account(account))
        wizard.execute("create_properties")
        return "created", None, {"template": [None, root["name"]], **{
            k: [None, f"{t['code']} {t['name']}"] for k, t in kinds.items()}}

    def _apply_fiscal_year(self, desired: dict[str, Any]) -> tuple[str, Any, dict[str, list[Any]]]:
        company = self._require_company()
        name, period = desired["name"], desired.get("period", "month")
        start, end = (date.fromisoformat(str(desired[k])) for k in ("start_date", "end_date"))
        for fy in self._read("account.fiscalyear", [("name", "=", name), ("company", "=", company)],
                             ["start_date", "end_date"]):
            if (fy["start_date"], fy["end_date"]) == (start, end):
                return "unchanged", fy["id"], {}
            raise Refused(f"fiscal year {name!r} exists from {fy['start_date']} to {fy['end_date']}, "
                          f"not {start} to {end}")
        if period not in ("month", "quarter"):
            raise Refused(f"unknown period {period!r} (month or quarter)")
        sequence_type = self._call("ir.model.data", "get_id", "account", "sequence_type_account_move")
        sequence, = self._call("ir.sequence.strict", "create", [
            {"name": f"Account Move {name}", "sequence_type": sequence_type, "company": company}])
        created = [("ir.sequence.strict", sequence)]
        try:
            fy, = self._call("account.fiscalyear", "create", [{"name": name, "start_date": start, "end_date": end,
                                                               "company": company, "move_sequence": sequence}])
            created.insert(0, ("account.fiscalyear", fy))
            self._call("account.fiscalyear", "create_period", [fy], 1 if period == "month" else 3,
                       31 if start.day == 1 else start.day - 1)
        except Exception:
            for model, record in created:
                self._call(model, "delete", [record])
            raise
        return "created", fy, {"start_date": [None, start], "end_date": [None, end], "period": [None, period]}

    def _apply_setting(self, desired: dict[str, Any]) -> tuple[str, Any, dict[str, list[Any]]]:
        model, field, value = desired["model"], desired["field"], desired["value"]
        if not self._singleton(model):
            raise Refused(f"{model} is not a singleton model")
        if field not in self._call(model, "fields_get", [field]):
            raise Refused(f"{model} has no field {field!r}")
        before = _plain(self._call(model, "read", [1], [field])[0][field])
        if _same(before, value):
            return "unchanged", 1, {}
        self._call(model, "write", [1], {field: value})
        return "updated", 1, {field: [before, _plain(self._call(model, "read", [1], [field])[0][field])]}

    def _singleton(self, model: str) -> bool:
        """Whether ``model`` is a singleton: asked of the model class locally. A server does not say: there, a
        model of ir.model whose only record is 1 (a singleton has record 1 even before it is written) counts."""
        if not self.remote:
            from trytond.model import ModelSingleton

            try:
                return issubclass(self._config.get_proxy(model)._object, ModelSingleton)
            except KeyError:
                raise Refused(f"unknown model {model!r}") from None
        if not self._read("ir.model", [("name", "=", model)], ["name"]):
            raise Refused(f"unknown model {model!r}")
        return self._call(model, "search", [], 0, None, None) == [1] and not self._call(
            model, "search_count", [("id", "!=", 1)])

    def find_users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return {k: {f: v for f, v in u.items() if f not in ("group_ids", "existing")}
                    for k, u in self._users(logins).items()}

    def find_parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return {k: {f: v for f, v in p.items() if f != "ids"} for k, p in self._parties(codes).items()}

    def find_products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session():
            return self._products(codes)

    def fingerprint(self, models: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """Per model: how many records, the latest creation and the latest write (any write changes it)."""
        with self._session():
            result = {}
            for model in models:
                rows = self._read(model, [], ["create_date", "write_date"])
                result[model] = (len(rows), max((str(r["create_date"]) for r in rows), default=""),
                                 max((str(r["write_date"] or "") for r in rows), default=""))
            return result

    def count(self, model: str, domain: Sequence[Any] = ()) -> int:
        """Records of ``model`` matching ``domain``, inactive ones included."""
        with self._session():
            return self._call(model, "search_count", list(domain), **ALL)

    @contextmanager
    def _session(self) -> Iterator[None]:
        from trytond.exceptions import TrytonException

        with _LOCK:
            try:
                if self._config is None:
                    self._config = connect(self.database)
                if not self.remote:
                    _use_config_file(self.database)
                yield
            except (sqlite3.OperationalError, OSError, xmlrpc.client.ProtocolError) as exc:
                if self.remote:  # the server restarted or the session expired: the next call logs in again
                    self._config = None
                raise TargetUnavailable(f"Tryton database {self.database.name}: {_reason(exc)}") from exc
            except (TrytonException, xmlrpc.client.Fault) as exc:
                raise TargetError(_reason(exc)) from exc

    def _call(self, model: str, method: str, *args: Any, **context: Any) -> Any:
        return getattr(self._config.get_proxy(model), method)(*args, {**self._config.context, **context})

    def _read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return self._call(model, "search_read", domain, 0, None, None, fields, **ALL)

    def _company(self) -> dict[str, Any] | None:
        rows = self._read("company.company", [], ["party.name", "currency.code", "timezone"])
        return min(rows, key=lambda r: r["id"]) if rows else None

    def _require_company(self) -> int:
        if (company := self._company()) is None:
            raise Refused("no company in Tryton yet: a company item must come first")
        return company["id"]

    def _chart_root(self, wanted: str) -> dict[str, Any]:
        roots = self._read("account.account.template", [("parent", "=", None)], ["name"])
        xml_id = CHART_ALIASES.get(wanted, wanted)
        module, _, fs_id = xml_id.rpartition(".")
        try:
            ids = [self._call("ir.model.data", "get_id", module or "account", fs_id)]
        except (KeyError, xmlrpc.client.Fault):  # no such XML id: a server sends its KeyError as a fault
            ids = []
        for root in roots:
            if root["name"] == wanted or root["id"] in ids:
                return root
        raise Refused(f"unknown chart template {wanted!r} (known: {', '.join(r['name'] for r in roots)})")

    def _template_account(self, root: dict[str, Any], kind: str, wanted: str | None) -> dict[str, Any]:
        domain = [("parent", "child_of", [root["id"]]), (f"type.{kind}", "=", True), ("closed", "=", False)]
        if wanted:
            domain.append(["OR", ("code", "=", wanted), ("name", "=", wanted)])
        rows = sorted(self._read("account.account.template", domain, ["code", "name"]), key=lambda r: r["code"] or "")
        if not rows:
            raise Refused(f"no {kind} account {wanted or ''} in chart {root['name']!r}".replace("  ", " "))
        return rows[0]

    def _users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Existing users by login; erpflow's mark is no group of theirs but ``existing.managed``."""
        found, admin_groups = {}, self._admin_groups()
        for r in self._read("res.user", [("login", "in", list(logins))], USER_FIELDS):
            group_ids = {g["name"]: g["id"] for g in r["groups."] if g["name"] != self.mark}
            existing = Existing(managed=len(group_ids) < len(r["groups."]), groups=frozenset(group_ids),
                                admin_groups=frozenset(g["name"] for g in r["groups."] if g["id"] in admin_groups),
                                builtin=r["id"] in BUILTIN_USERS)
            found[r["login"]] = {"id": r["id"], "name": r["name"], "email": r["email"] or "",
                                 "groups": sorted(group_ids), "active": bool(r["active"]), "group_ids": group_ids,
                                 "existing": existing}
        return found

    def _admin_groups(self) -> set[int]:
        """Groups allowed to change users, groups or access rights: their members administer Tryton."""
        rows = self._read("ir.model.access", [("model", "in", SECURITY_MODELS), ("group", "!=", None),
                                              ["OR", ("perm_write", "=", True), ("perm_create", "=", True),
                                               ("perm_delete", "=", True)]], ["group"])
        return {r["group"] for r in rows}

    def _parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {}
        for r in self._read("party.party", [("code", "in", list(codes))], PARTY_FIELDS):
            mechanisms = {m["type"]: m for m in sorted(r["contact_mechanisms."], key=lambda m: -m["id"])}
            vat = next((i for i in r["identifiers."] if i["type"] == "eu_vat"), None)
            address = min(r["addresses."], key=lambda a: a["id"], default={})
            found[r["code"]] = {
                "id": r["id"], "name": r["name"], "categories": sorted(c["name"] for c in r["categories."]),
                "email": mechanisms.get("email", {}).get("value", ""),
                "phone": mechanisms.get("phone", {}).get("value", ""), "vat": vat["code"] if vat else "",
                **{f: address.get(f) or "" for f in ADDRESS[:3]},
                "country": (address.get("country.") or {}).get("code", ""),
                "ids": {k: v["id"] for k, v in (*mechanisms.items(), ("vat", vat), ("address", address)) if v}}
        return found

    def _products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {}
        for r in self._read("product.product", [("code", "in", list(codes))], PRODUCT_FIELDS):
            t = r["template."]
            found[r["code"]] = {"id": r["id"], "template": t["id"], "name": t["name"], "kind": t["type"],
                                "list_price": t["list_price"], "cost_price": r["cost_price"],
                                "uom": t["default_uom."]["symbol"]}
        return found

    def _categories(self, names: set[str]) -> dict[str, int]:
        found = {c["name"]: c["id"] for c in self._read("party.category", [("name", "in", list(names))], ["name"])}
        missing = sorted(names - set(found))
        if missing:
            found.update(zip(missing, self._call("party.category", "create", [{"name": n} for n in missing])))
        return found


class _Plan:
    """What becomes of each item of a batch; run() creates and writes in bulk, isolating refusals."""

    def __init__(self, target: TrytonTarget, model: str, items: Sequence[Any]):
        self.target, self.model, self.items = target, model, list(items)
        self.done: dict[int, ItemOutcome] = {}
        self.creates: list[tuple[int, Any]] = []
        self.writes: list[tuple[int, Any]] = []

    def pending(self) -> Iterator[tuple[int, Any]]:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if _ref(item) in seen:
                self.reject(i, f"{_ref(item)!r} appears twice in the batch")
            elif i not in self.done:
                seen.add(_ref(item))
                yield i, item

    def reject(self, i: int, reason: str) -> None:
        self.done[i] = ItemOutcome(_ref(self.items[i]), "rejected", reason=reason, source=self.items[i].source)

    def create(self, i: int, values: dict[str, Any]) -> None:
        self.creates.append((i, values))

    def update(self, i: int, erp_id: int, values: dict[str, Any], changes: dict[str, list[Any]]) -> None:
        if changes:
            self.writes.append((i, (erp_id, values)))
        self.done[i] = ItemOutcome(_ref(self.items[i]), "updated" if changes else "unchanged", erp_id,
                                   source=self.items[i].source, changes=_plain_changes(changes))

    def run(self) -> list[ItemOutcome]:
        for method, rows in (("create", self.creates), ("write", self.writes)):
            for i, result in _split(self.target, self.model, method, rows).items():
                if isinstance(result, str):
                    self.reject(i, result)
                elif method == "create":
                    self.done[i] = ItemOutcome(_ref(self.items[i]), "created", result, source=self.items[i].source)
        return [self.done[i] for i in range(len(self.items))]


def _split(target: TrytonTarget, model: str, method: str, rows: list[tuple[int, Any]]) -> dict[int, Any]:
    """Run one call for all rows; when Tryton refuses it, halve until each refusal has its row."""
    if not rows:
        return {}
    try:
        if method == "create":
            return dict(zip([i for i, _ in rows], target._call(model, "create", [v for _, v in rows])))
        target._call(model, "write", *[a for _, (rid, values) in rows for a in ([rid], values)])
        return {i: rid for i, (rid, _) in rows}
    except Exception as exc:
        if not refused(exc):
            raise
        if len(rows) == 1:
            return {rows[0][0]: _reason(exc)}
        half = len(rows) // 2
        return {**_split(target, model, method, rows[:half]), **_split(target, model, method, rows[half:])}


def _party_wanted(p: PartySpec) -> dict[str, Any]:
    want = {"name": p.name, "category": p.category, "email": p.email, "phone": p.phone,
            "vat": re.sub(r"[\s.-]", "", p.vat).upper()}
    if p.address:
        want.update({f: getattr(p.address, f) for f in ADDRESS}, country=p.address.country.upper())
    return {k: v for k, v in want.items() if v or k == "name"}


def _party_values(want: dict[str, Any], ids: dict[str, int], countries: dict[str, int],
                  categories: dict[str, int]) -> dict[str, Any]:
    """Tryton values (nested one2many operations) bringing a party to ``want``."""
    values: dict[str, Any] = {"name": want["name"]} if "name" in want else {}
    if "category" in want:
        values["categories"] = [("add", [categories[want["category"]]])]
    mechanisms = [(k, {"type": k, "value": want[k]}) for k in ("email", "phone") if k in want]
    values["contact_mechanisms"] = [_nested(ids.get(k), row, {"value": row["value"]}) for k, row in mechanisms]
    if "vat" in want:
        vat = {"code": want["vat"]}
        values["identifiers"] = [_nested(ids.get("vat"), {"type": "eu_vat", **vat}, vat)]
    address = {f: want[f] for f in ADDRESS if f in want}
    if "country" in address:
        address["country"] = countries[address["country"]]
    if address:
        values["addresses"] = [_nested(ids.get("address"), address, address)]
    return {k: v for k, v in values.items() if v}


def _nested(existing: int | None, create: dict[str, Any], write: dict[str, Any]) -> tuple[Any, ...]:
    return ("write", [existing], write) if existing else ("create", [create])


def _diff(current: dict[str, Any], want: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [current.get(k), v] for k, v in want.items() if (current.get(k) or "") != (v or "")}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _plain_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [_plain(before), _plain(after)] for k, (before, after) in changes.items()}


def _same(before: Any, value: Any) -> bool:
    if isinstance(before, list) and isinstance(value, (list, tuple)):
        return sorted(map(str, before)) == sorted(map(str, value))
    return before == value


def _ref(item: Any) -> str:
    return getattr(item, "login", None) or item.code


def _reason(exc: BaseException) -> str:
    """One line: Tryton's message and description, never a traceback."""
    if isinstance(exc, xmlrpc.client.Fault):  # a server's UserError: "message - description"
        return " ".join(exc.faultString.split()).removesuffix(" -").replace(" - ", " ", 1)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if description := getattr(exc, "description", ""):
        text = f"{text} {description}"
    return " ".join(str(text).split())


def _use_config_file(database: TrytonDatabase) -> None:
    import trytond.config

    folder = str(database.path.parent.resolve())
    if trytond.config.get("database", "path", default=None) != folder:
        trytond.config.update_etc(str(database.config_file))
