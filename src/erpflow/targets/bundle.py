"""The targets of one wave, opened on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import SecretStr

from erpflow.inputs.plan import WavePlan
from erpflow.model.accounts import Protected
from erpflow.settings import Settings
from erpflow.targets.credentials import credential
from erpflow.targets.ports import AccountsTarget, Confirmations, ErpTarget, Mailer, NoConfirmations

if TYPE_CHECKING:
    from erpflow.targets.tryton import TrytonTarget


class Targets:
    """The ERP, the accounts target, the mailer and the confirmations a wave's plan names; nothing is opened
    until needed."""

    def __init__(
        self,
        plan: WavePlan,
        settings: Settings,
        protected: Protected = Protected(),
        confirmations: Confirmations | None = None,
        invitations: dict[str, dict[str, str]] | None = None,
    ):
        self.plan, self.settings = plan, settings
        self.invitations = invitations or {}  # language -> part -> template, from the method
        self.protected = protected
        self.confirmations: Confirmations = confirmations or NoConfirmations()

    @cached_property
    def tryton(self) -> TrytonTarget:
        """The plan's Tryton database: embedded (created from the template if missing) or on a server."""
        from erpflow.targets.tryton import TrytonTarget
        from erpflow.targets.tryton_db import ensure_database
        from erpflow.targets.tryton_remote import RemoteTryton

        target = self.plan.target
        if target.url is not None:
            password = credential(self.settings, "tryton_password") or SecretStr("")
            return TrytonTarget(
                RemoteTryton(str(target.url), target.database, target.user, password),
                programme=self.settings.programme,
                protected=self.protected,
                concurrency=self.settings.target_concurrency,
            )
        database = ensure_database(self.settings.tryton_home, target.database, template=self.settings.tryton_template)
        return TrytonTarget(
            database,
            check_email_dns=self.settings.check_email_dns,
            programme=self.settings.programme,
            protected=self.protected,
        )

    def concurrency(self, target: str, wanted: int) -> int:
        """Batches that may write to ``target`` ("erp" or "accounts") at once: one for the embedded ERP (trytond's
        configuration is process-wide), up to ERPFLOW_TARGET_CONCURRENCY for a Tryton server or SCIM."""
        remote = self.plan.target.url is not None or (target == "accounts" and self.plan.accounts.scim is not None)
        return min(wanted, self.settings.target_concurrency) if remote else 1

    @property
    def erp(self) -> ErpTarget:
        return self.tryton

    @cached_property
    def accounts(self) -> AccountsTarget:
        """Where user accounts go: the plan's SCIM server, or the ERP."""
        scim = self.plan.accounts.scim
        if scim is None:
            return self.tryton
        from erpflow.targets.scim import ScimTarget

        return ScimTarget(
            str(scim.url),
            credential(self.settings, "scim_token") or SecretStr(""),
            programme=self.settings.programme,
            protected=self.protected,
            concurrency=self.settings.target_concurrency,
        )

    @cached_property
    def mailer(self) -> Mailer:
        from erpflow.targets.mail import OutboxMailer, SmtpMailer

        mail = self.plan.training.mail
        if mail.smtp is None:
            return OutboxMailer(mail.outbox or self.settings.home / "outbox" / self.plan.wave)
        smtp = mail.smtp
        return SmtpMailer(
            smtp.host,
            smtp.port,
            str(mail.sender),
            smtp.username,
            credential(self.settings, "smtp_password") if smtp.username else None,
            smtp.starttls,
        )
