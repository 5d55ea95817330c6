"""In-memory stand-ins for the targets and the event store, for fast tests of the application layer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from erpflow.inputs.plan import WavePlan
from erpflow.model.items import ItemOutcome
from erpflow.settings import Settings
from erpflow.targets.bundle import Targets


class FakeErp:
    """Accounts, configuration, parties and products held in dicts, keyed by natural key; idempotent."""

    def __init__(self) -> None:
        self.users: dict[str, Any] = {}
        self.config: dict[str, Any] = {}
        self.parties: dict[str, Any] = {}
        self.products: dict[str, Any] = {}

    @staticmethod
    def _upsert(held: dict[str, Any], items: Sequence[Any], key: str) -> list[ItemOutcome]:
        outcomes = []
        for item in items:
            ref = getattr(item, key)
            status = "created" if ref not in held else "unchanged" if held[ref] == item else "updated"
            held[ref] = item
            outcomes.append(ItemOutcome(item.ref, status, erp_id=list(held).index(ref) + 1))
        return outcomes

    def upsert_users(self, users: Sequence[Any]) -> list[ItemOutcome]:
        return self._upsert(self.users, users, "login")

    def find_users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {
            login: {
                "id": list(self.users).index(login) + 1,
                "groups": list(self.users[login].groups),
                "email": self.users[login].email,
            }
            for login in logins
            if login in self.users
        }

    def managed(self, logins: Sequence[str]) -> set[str]:
        return {login for login in logins if login in self.users}

    def apply_config(self, items: Sequence[Any]) -> list[ItemOutcome]:
        return self._upsert(self.config, items, "ref")

    def upsert_parties(self, parties: Sequence[Any]) -> list[ItemOutcome]:
        return self._upsert(self.parties, parties, "code")

    def upsert_products(self, products: Sequence[Any]) -> list[ItemOutcome]:
        return self._upsert(self.products, products, "code")

    def find_parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {code: {"id": list(self.parties).index(code) + 1} for code in codes if code in self.parties}

    def find_products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {code: {"id": list(self.products).index(code) + 1} for code in codes if code in self.products}


class FakeMailer:
    """Keeps every message sent, by (login, session)."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], Any] = {}

    def send(self, messages: Sequence[tuple[str, Any]]) -> list[ItemOutcome]:
        outcomes = []
        for ref, message in messages:
            self.sent[(ref, message["X-Erpflow-Session"] or "")] = message
            outcomes.append(ItemOutcome(ref, "sent", erp_id=str(len(self.sent))))
        return outcomes

    def find(self, invitations: Sequence[tuple[str, str]]) -> dict[str, str]:
        return {ref: "found" for ref, session in invitations if (ref, session) in self.sent}


class FakeTargets(Targets):
    """The wave's targets, in memory: one FakeErp for accounts and ERP, one FakeMailer."""

    def __init__(self, plan: WavePlan) -> None:
        super().__init__(plan, Settings())
        erp = FakeErp()
        self.__dict__.update(tryton=erp, accounts=erp, mailer=FakeMailer())


@contextmanager
def in_memory_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Ledgers opened meanwhile keep their events in memory (eventsourcing's POPO persistence); the steps that
    write beside the events in SQL (the items table) are left out."""
    from erpflow.application import engine, ledger

    monkeypatch.setattr(ledger, "store_env", lambda settings: {"PERSISTENCE_MODULE": "erpflow.store.popo"})
    monkeypatch.setattr(engine.items, "update", lambda ledger: 0)
    yield
