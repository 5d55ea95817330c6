"""The ports operations talk to: what an accounts target, an ERP and a mailer must answer.

Tryton implements AccountsTarget and ErpTarget, SCIM AccountsTarget, SMTP and the outbox Mailer; the ledger
answers Confirmations (business steps).
Every write answers one ItemOutcome per item, in order; a failure of the whole call raises TargetError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from erpflow.model.accounts import Holder
from erpflow.model.items import ConfigItem, ItemOutcome, PartySpec, ProductSpec, UserSpec
from erpflow.model.steps import Confirmation

if TYPE_CHECKING:
    from erpflow.targets.invitations import Message


class AccountsTarget(Protocol):
    """Where user accounts live, by login; accounts erpflow may not touch are refused (model.accounts)."""

    def upsert_users(self, users: Sequence[UserSpec]) -> list[ItemOutcome]: ...

    def find_users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def managed(self, logins: Sequence[str]) -> set[str]: ...

    def holders(self, prefixes: Sequence[str]) -> dict[str, Holder]: ...


class ErpTarget(Protocol):
    """The ERP: configuration as desired state, parties and products by legacy id."""

    def apply_config(self, items: Sequence[ConfigItem]) -> list[ItemOutcome]: ...

    def upsert_parties(self, parties: Sequence[PartySpec]) -> list[ItemOutcome]: ...

    def upsert_products(self, products: Sequence[ProductSpec]) -> list[ItemOutcome]: ...

    def find_parties(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def find_products(self, codes: Sequence[str]) -> dict[str, dict[str, Any]]: ...


class Mailer(Protocol):
    """Sends messages, each with the ref of its item; ``find`` says which (ref, session) pairs went out
    already, when the mailer can know (an outbox can, an SMTP server cannot: it answers none)."""

    def send(self, messages: Sequence[tuple[str, Message]]) -> list[ItemOutcome]: ...

    def find(self, invitations: Sequence[tuple[str, str]]) -> dict[str, str]: ...


class Confirmations(Protocol):
    """Business steps confirmed by the people the method names (from the CLI or a paused run's form)."""

    def find(self, wave: str, steps: Sequence[str]) -> dict[str, Confirmation]: ...


class NoConfirmations:
    """No confirmation recorded anywhere: a step confirmed only by its plan."""

    def find(self, wave: str, steps: Sequence[str]) -> dict[str, Confirmation]:
        return {}
