"""Tryton as erpflow's ERP and accounts target: idempotent batch upserts by natural key, configuration as
desired state.

Every method takes a batch and answers one ItemOutcome per item, in input order. Items Tryton refuses become
``rejected`` with Tryton's message; a refused bulk call is split in halves until each refusal has its item.
The concerns live in their own modules: the session (embedded or remote), users, parties and products, and
configuration."""

from __future__ import annotations

from erpflow.targets.tryton_config import Configuration
from erpflow.targets.tryton_parties import PartiesAndProducts
from erpflow.targets.tryton_session import Refused, connect, skip_email_dns_check
from erpflow.targets.tryton_users import Users

__all__ = ["Refused", "TrytonTarget", "connect", "skip_email_dns_check"]


class TrytonTarget(Users, PartiesAndProducts, Configuration):
    """One Tryton database, embedded or on a server: an ErpTarget and an AccountsTarget."""
