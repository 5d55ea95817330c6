"""Tryton configuration as desired state: company, chart of accounts, fiscal years, singleton settings."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Sequence
from datetime import date
from typing import Any

from erpflow.model.items import ConfigItem, ItemOutcome, Status
from erpflow.targets.tryton_remote import refused
from erpflow.targets.tryton_session import ALL, Refused, TrytonSession, reason
from erpflow.targets.tryton_writes import diff, plain, plain_changes, same

CHART_ALIASES = {"Minimal Account Chart": "account.account_template_root_en"}  # its name before Tryton 6


class Configuration(TrytonSession):
    """Each item applied on its own, in order; an item Tryton or erpflow refuses is rejected with the reason."""

    def apply_config(self, items: Sequence[ConfigItem]) -> list[ItemOutcome]:
        """Company, chart, fiscal_year and setting items, applied in order, each on its own."""
        outcomes = []
        with self._session():
            for item in items:
                apply = {
                    "company": self._apply_company,
                    "chart": self._apply_chart,
                    "fiscal_year": self._apply_fiscal_year,
                    "setting": self._apply_setting,
                }.get(item.kind)
                try:
                    if apply is None:
                        raise Refused(f"unknown configuration kind {item.kind!r}")
                    status, erp_id, changes = apply(item.desired)
                    outcomes.append(ItemOutcome(item.key, status, erp_id, changes=plain_changes(changes)))
                except Exception as exc:
                    if not (isinstance(exc, Refused) or refused(exc)):
                        raise
                    outcomes.append(ItemOutcome(item.key, "rejected", reason=reason(exc)))
        return outcomes

    def _apply_company(self, desired: dict[str, Any]) -> tuple[Status, Any, dict[str, list[Any]]]:
        want = {k: desired[k] for k in ("party_name", "currency", "timezone") if desired.get(k)}
        if (company := self._company()) is not None:
            current = {
                "party_name": company["party."]["name"],
                "currency": company["currency."]["code"],
                "timezone": company["timezone"],
            }
            changes = diff(current, want)
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
        (party,) = self._call("party.party", "create", [{"name": want["party_name"]}])
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
        return "created", self._require_company(), {k: [None, v] for k, v in want.items()}

    def _apply_chart(self, desired: dict[str, Any]) -> tuple[Status, Any, dict[str, list[Any]]]:
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
            (account,) = self._call(
                "account.account", "search", [("company", "=", company), ("template", "=", template["id"])], 0, 1, None
            )
            setattr(wizard.form, f"account_{kind}", Account(account))
        wizard.execute("create_properties")
        return (
            "created",
            None,
            {"template": [None, root["name"]], **{k: [None, f"{t['code']} {t['name']}"] for k, t in kinds.items()}},
        )

    def _apply_fiscal_year(self, desired: dict[str, Any]) -> tuple[Status, Any, dict[str, list[Any]]]:
        company = self._require_company()
        name, period = desired["name"], desired.get("period", "month")
        start, end = (date.fromisoformat(str(desired[k])) for k in ("start_date", "end_date"))
        for fy in self._read(
            "account.fiscalyear", [("name", "=", name), ("company", "=", company)], ["start_date", "end_date"]
        ):
            if (fy["start_date"], fy["end_date"]) == (start, end):
                return "unchanged", fy["id"], {}
            raise Refused(
                f"fiscal year {name!r} exists from {fy['start_date']} to {fy['end_date']}, not {start} to {end}"
            )
        if period not in ("month", "quarter"):
            raise Refused(f"unknown period {period!r} (month or quarter)")
        sequence_type = self._call("ir.model.data", "get_id", "account", "sequence_type_account_move")
        (sequence,) = self._call(
            "ir.sequence.strict",
            "create",
            [{"name": f"Account Move {name}", "sequence_type": sequence_type, "company": company}],
        )
        created = [("ir.sequence.strict", sequence)]
        try:
            (fy,) = self._call(
                "account.fiscalyear",
                "create",
                [{"name": name, "start_date": start, "end_date": end, "company": company, "move_sequence": sequence}],
            )
            created.insert(0, ("account.fiscalyear", fy))
            self._call(
                "account.fiscalyear",
                "create_period",
                [fy],
                1 if period == "month" else 3,
                31 if start.day == 1 else start.day - 1,
            )
        except Exception:
            for model, record in created:
                self._call(model, "delete", [record])
            raise
        return "created", fy, {"start_date": [None, start], "end_date": [None, end], "period": [None, period]}

    def _apply_setting(self, desired: dict[str, Any]) -> tuple[Status, Any, dict[str, list[Any]]]:
        model, field, value = desired["model"], desired["field"], desired["value"]
        if not self._singleton(model):
            raise Refused(f"{model} is not a singleton model")
        if field not in self._call(model, "fields_get", [field]):
            raise Refused(f"{model} has no field {field!r}")
        before = plain(self._call(model, "read", [1], [field])[0][field])
        if same(before, value):
            return "unchanged", 1, {}
        self._call(model, "write", [1], {field: value})
        return "updated", 1, {field: [before, plain(self._call(model, "read", [1], [field])[0][field])]}

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
            model, "search_count", [("id", "!=", 1)]
        )

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
        domain: list[Any] = [("parent", "child_of", [root["id"]]), (f"type.{kind}", "=", True), ("closed", "=", False)]
        if wanted:
            domain.append(["OR", ("code", "=", wanted), ("name", "=", wanted)])
        rows = sorted(self._read("account.account.template", domain, ["code", "name"]), key=lambda r: r["code"] or "")
        if not rows:
            raise Refused(f"no {kind} account {wanted or ''} in chart {root['name']!r}".replace("  ", " "))
        return rows[0]
