"""The two ways to send training invitations: an SMTP server, one connection per call, and the outbox folder
(:mod:`erpflow.targets.outbox`)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

import structlog
from pydantic import SecretStr

from erpflow.model.items import ItemOutcome
from erpflow.targets.errors import TargetUnavailable
from erpflow.targets.invitations import SESSION_HEADER, Invitation, Message, build_invitation
from erpflow.targets.outbox import OutboxMailer

__all__ = ["SESSION_HEADER", "Message", "OutboxMailer", "SmtpMailer", "build_invitation"]

log = structlog.stdlib.get_logger("erpflow.mail")


def _one_line(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


class SmtpMailer:
    """Sends each call's messages over one SMTP connection; a refused recipient is a rejected item."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = False,
        timeout: float = 30,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.starttls, self.timeout = username, starttls, timeout
        self._password = SecretStr(password) if isinstance(password, str) else password

    def __repr__(self) -> str:
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
            f"username={self.username!r}, starttls={self.starttls})"
        )

    def _open(self) -> smtplib.SMTP:
        where = f"SMTP server {self.host}:{self.port}"
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise TargetUnavailable(f"{where} cannot be reached: {_reason(exc)}") from None
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                secret = self._password.get_secret_value() if self._password else ""
                smtp.login(self.username, secret)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise TargetUnavailable(f"{where} refused the login of {self.username!r} ({exc.smtp_code})") from None
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise TargetUnavailable(f"{where} cannot be used: {_reason(exc)}") from None
        return smtp

    def find(self, invitations: Sequence[tuple[str, str]]) -> dict[str, str]:
        """An SMTP server cannot be asked what it delivered: none found."""
        return {}

    def send(self, messages: Sequence[tuple[str, Message]]) -> list[ItemOutcome]:
        if not messages:
            return []
        outcomes: list[ItemOutcome] = []
        with self._open() as smtp:
            for ref, message in messages:
                outcomes.append(self._send_one(smtp, ref, message))
        sent = sum(o.status == "sent" for o in outcomes)
        log.info("smtp batch done", host=self.host, port=self.port, sent=sent, rejected=len(outcomes) - sent)
        return outcomes

    def _send_one(self, smtp: smtplib.SMTP, ref: str, message: Message) -> ItemOutcome:
        if isinstance(message, EmailMessage) and "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain="erpflow")
        try:
            if isinstance(message, Invitation):
                refused = smtp.sendmail(self.sender, [message.recipient], message.data.replace(b"\n", b"\r\n"))
            else:
                refused = smtp.send_message(message, from_addr=self.sender)
        except smtplib.SMTPRecipientsRefused as exc:
            return ItemOutcome(ref, "rejected", reason=_refusals(exc.recipients))
        except smtplib.SMTPResponseException as exc:
            return ItemOutcome(ref, "rejected", reason=f"{exc.smtp_code} {_one_line(exc.smtp_error)}")
        except (OSError, smtplib.SMTPException) as exc:
            raise TargetUnavailable(
                f"SMTP server {self.host}:{self.port} failed mid-batch at {ref!r}: {_reason(exc)}"
            ) from None
        return ItemOutcome(ref, "sent", erp_id=str(message["Message-ID"]), reason=_refusals(refused) if refused else "")


def _refusals(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} refused: {code} {_one_line(text)}" for address, (code, text) in recipients.items())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_one_line(exc.smtp_error)}"
    return _one_line(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
