"""Training invitations (e-mail with an iCalendar request) and the two ways to send them."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

import structlog
from icalendar import Calendar, Event, vCalAddress
from pydantic import SecretStr

from erpflow.model.items import ItemOutcome
from erpflow.model.sessions import Session, Trainee
from erpflow.targets.errors import TargetUnavailable

__all__ = ["OutboxMailer", "SmtpMailer", "build_invitation"]

SESSION_HEADER = "X-Erpflow-Session"
log = structlog.stdlib.get_logger("erpflow.mail")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def _calendar(session: Session, trainee: Trainee, wave: str, stamp: datetime,
              texts: dict[str, str]) -> bytes:
    organizer = vCalAddress(f"mailto:{session.trainer.email}")
    organizer.params["CN"] = session.trainer.name
    attendee = vCalAddress(f"mailto:{trainee.email}")
    attendee.params.update({"CN": trainee.name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                            "RSVP": "TRUE", "CUTYPE": "INDIVIDUAL"})
    event = Event()
    event.add("uid", f"{_safe(wave)}-{_safe(session.key)}@erpflow")
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", session.slot.start.astimezone(UTC))
    event.add("dtend", session.slot.end.astimezone(UTC))
    event.add("summary", texts.get("summary", session.title))
    if texts.get("description"):
        event.add("description", texts["description"])
    event.add("location", session.slot.room)
    event.add("sequence", 0)
    event.add("organizer", organizer)
    event.add("attendee", attendee)
    calendar = Calendar()
    calendar.add("prodid", "-//erpflow//training invitations//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    return calendar.to_ical()


def build_invitation(session: Session, trainee: Trainee, sender: str, wave: str, *,
                     stamp: datetime | None = None, texts: dict[str, str] | None = None) -> EmailMessage:
    """One trainee's invitation: a short text and an .ics request (DTSTAMP is stamp, default now); ``texts``
    (subject, body, summary, description) from the method's templates replace the built-in English ones."""
    texts = texts or {}
    start, end = session.slot.start, session.slot.end
    where = ", ".join(part for part in (session.slot.room, session.site) if part)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((trainee.name, trainee.email))
    message["Subject"] = texts.get("subject") or f"Training: {session.title}, {start:%Y-%m-%d %H:%M}"
    message["Message-ID"] = f"<{_safe(wave)}.{_safe(session.key)}.{_safe(trainee.login)}@erpflow>"
    message[SESSION_HEADER] = session.key
    message.set_content(texts.get("body") or (
        f"Hello {trainee.name},\n\n"
        f"You are invited to the training session \"{session.title}\".\n\n"
        f"When: {start:%Y-%m-%d}, {start:%H:%M} to {end:%H:%M} ({start.tzname()})\n"
        f"Where: {where or 'to be announced'}\n"
        f"Trainer: {session.trainer.name} <{session.trainer.email}>\n\n"
        "The attached invitation adds the session to your calendar.\n"))
    message.add_attachment(_calendar(session, trainee, wave, stamp or datetime.now(UTC), texts),
                           maintype="text", subtype="calendar", filename="invitation.ics",
                           params={"method": "REQUEST", "charset": "utf-8"})
    return message


class OutboxMailer:
    """Writes each message to <folder>/<session>/<login>.eml; sending again overwrites."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxMailer(folder={str(self.folder)!r})"

    def _path(self, session: str, ref: str) -> Path:
        return self.folder / _safe(session) / f"{_safe(ref)}.eml"

    def find(self, invitations: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Of (ref, session) pairs, those already written: ref -> file."""
        return {ref: str(path) for ref, session in invitations if (path := self._path(session, ref)).exists()}

    def send(self, messages: Sequence[tuple[str, EmailMessage]]) -> list[ItemOutcome]:
        outcomes = []
        for ref, message in messages:
            path = self._path(message.get(SESSION_HEADER, "other"), ref)
            try:
                _write_atomically(path, message.as_bytes())
            except OSError as exc:
                raise TargetUnavailable(f"outbox {self.folder} cannot be written: {exc.strerror}") from None
            outcomes.append(ItemOutcome(ref, "sent", erp_id=str(path)))
        return outcomes


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _one_line(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


class SmtpMailer:
    """Sends each call's messages over one SMTP connection; a refused recipient is a rejected item."""

    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: SecretStr | None = None, starttls: bool = False, timeout: float = 30):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.starttls, self.timeout = username, starttls, timeout
        self._password = SecretStr(password) if isinstance(password, str) else password

    def __repr__(self) -> str:
        return (f"SmtpMailer(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
                f"username={self.username!r}, starttls={self.starttls})")

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

    def send(self, messages: Sequence[tuple[str, EmailMessage]]) -> list[ItemOutcome]:
        if not messages:
            return []
        outcomes: list[ItemOutcome] = []
        with self._open() as smtp:
            for ref, message in messages:
                outcomes.append(self._send_one(smtp, ref, message))
        sent = sum(o.status == "sent" for o in outcomes)
        log.info("smtp batch done", host=self.host, port=self.port, sent=sent, rejected=len(outcomes) - sent)
        return outcomes

    def _send_one(self, smtp: smtplib.SMTP, ref: str, message: EmailMessage) -> ItemOutcome:
        if "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain="erpflow")
        try:
            refused = smtp.send_message(message, from_addr=self.sender)
        except smtplib.SMTPRecipientsRefused as exc:
            return ItemOutcome(ref, "rejected", reason=_refusals(exc.recipients))
        except smtplib.SMTPResponseException as exc:
            return ItemOutcome(ref, "rejected", reason=f"{exc.smtp_code} {_one_line(exc.smtp_error)}")
        except (OSError, smtplib.SMTPException) as exc:
            raise TargetUnavailable(f"SMTP server {self.host}:{self.port} failed mid-batch at {ref!r}: "
                                    f"{_reason(exc)}") from None
        return ItemOutcome(ref, "sent", erp_id=str(message["Message-ID"]),
                           reason=_refusals(refused) if refused else "")


def _refusals(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} refused: {code} {_one_line(text)}" for address, (code, text) in recipients.items())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_one_line(exc.smtp_error)}"
    return _one_line(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
