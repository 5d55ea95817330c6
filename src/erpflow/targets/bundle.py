"""The targets of one wave, opened on first use."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from pydantic import SecretStr

from erpflow.targets.credentials import credential
from erpflow.model.accounts import Protected
from erpflow.model.items import ItemOutcome
from erpflow.inputs.plan import WavePlan
from erpflow.settings import Settings


class Targets:
    """The ERP and the mailer a wave's plan names; nothing is opened until needed."""

    def __init__(self, plan: WavePlan, settings: Settings, protected: Protected = Protected(),
                 invitations: dict[str, dict[str, str]] | None = None):
        self.plan, self.settings, self.invitations = plan, settings, invitations or {}
        self.owner: dict[str, Any] = {"programme": settings.programme, "protected": protected}

    def concurrency(self, operation: str, wanted: int) -> int:
        """How many batches of an operation may run at once: the embedded ERP serialises its calls in one
        process, so its operations run one batch at a time; invitations go out ``wanted`` at a time."""
        return wanted if operation == "training" else 1

    @cached_property
    def erp(self) -> Any:
        from erpflow.targets.tryton import TrytonTarget
        from erpflow.targets.tryton_db import ensure_database
        from erpflow.targets.tryton_remote import RemoteTryton

        target = self.plan.target
        if target.url is not None:
            password = credential(self.settings, "tryton_password") or SecretStr("")
            return TrytonTarget(RemoteTryton(str(target.url), target.database, target.user, password), **self.owner)
        database = ensure_database(self.settings.tryton_home, target.database, template=self.settings.tryton_template)
        return TrytonTarget(database, check_email_dns=self.settings.check_email_dns, **self.owner)

    @cached_property
    def accounts(self) -> Any:
        """Where user accounts go: the plan's SCIM server, or the ERP."""
        scim = self.plan.accounts.scim
        if scim is None:
            return self.erp
        from erpflow.targets.scim import ScimTarget

        return ScimTarget(str(scim.url), credential(self.settings, "scim_token") or SecretStr(""), **self.owner)

    @cached_property
    def mailer(self) -> Any:
        from erpflow.targets.mail import OutboxMailer, SmtpMailer

        mail = self.plan.training.mail
        if mail.smtp is None:
            return OutboxMailer(mail.outbox or self.settings.home / "outbox" / self.plan.wave)
        smtp = mail.smtp
        return SmtpMailer(smtp.host, smtp.port, str(mail.sender), smtp.username,
                          credential(self.settings, "smtp_password") if smtp.username else None, smtp.starttls)

    def find_invitations(self, invitations: Sequence[Any]) -> dict[str, str]:
        """Invitations already written to the outbox (an SMTP server cannot be asked: none found)."""
        find = getattr(self.mailer, "find", None)
        return find([(i.ref, i.session.key) for i in invitations]) if find else {}

    def send_invitations(self, invitations: Sequence[Any]) -> list[ItemOutcome]:
        """Invite only the people whose account exists and is erpflow's: a refused account gets no invitation."""
        from erpflow.inputs.invitations import render
        from erpflow.targets.mail import build_invitation

        sender = str(self.plan.training.mail.sender)
        accounts = self.accounts.managed([i.ref for i in invitations])
        invited = [i for i in invitations if i.ref in accounts]
        language = self.plan.training.mail.language or ""
        templates = self.invitations.get(language)
        sent = iter(self.mailer.send([(i.ref, build_invitation(
            i.session, i.trainee, sender, self.plan.wave,
            texts=render(templates, language, i.session, i.trainee) if templates else None)) for i in invited]))
        return [next(sent) if i.ref in accounts else
                ItemOutcome(i.ref, "rejected", reason=f"not invited: no account of erpflow's for {i.ref!r}")
                for i in invitations]
