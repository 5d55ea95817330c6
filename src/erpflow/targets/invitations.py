"""Training invitations: a short text and an iCalendar request, rendered once per session.

What the participants of a session share (headers, subject, the calendar without its attendee) is rendered once;
each invitation then only encodes its recipient, its text and its ATTENDEE line, and is kept as the bytes a mailer
writes or sends. ``texts`` (subject, body, summary, description) from the method's templates replace the built-in
English ones; invitations whose shared texts differ are rendered apart.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr
from functools import cached_property

from icalendar import Calendar, Event, vCalAddress

from erpflow.model.sessions import Session, Trainee

__all__ = ["SESSION_HEADER", "Invitation", "Message", "SessionInvitations", "build_invitation", "safe"]

SESSION_HEADER = "X-Erpflow-Session"
_END_EVENT = b"END:VEVENT\r\n"


def safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


@dataclass(frozen=True)
class Invitation:
    """One rendered message: its bytes (LF line ends), its envelope recipient and the headers mailers read."""

    data: bytes
    recipient: str
    message_id: str
    session: str

    def as_bytes(self) -> bytes:
        return self.data

    def get(self, name: str, default: str | None = None) -> str | None:
        return {"Message-ID": self.message_id, SESSION_HEADER: self.session}.get(name, default)

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None


Message = EmailMessage | Invitation  # what mailers take: a rendered invitation, or any e-mail message


class SessionInvitations:
    """The invitations of one session, from one sender, for one wave; DTSTAMP is ``stamp`` (default now)."""

    def __init__(
        self,
        session: Session,
        sender: str,
        wave: str,
        stamp: datetime | None = None,
        texts: dict[str, str] | None = None,
    ):
        self.session, self.sender, self.wave = session, sender, wave
        self.stamp = stamp or datetime.now(UTC)
        self.texts = {part: text for part, text in (texts or {}).items() if part != "body"}

    def render(self, trainee: Trainee, body: str | None = None) -> Invitation:
        """``body``: the trainee's text, default the built-in English one."""
        message_id = f"<{self._ids}.{safe(trainee.login)}@erpflow>"
        calendar = self._calendar.replace(_END_EVENT, _attendee(trainee) + b"\r\n" + _END_EVENT, 1)
        text = body or self._text.replace("\0NAME\0", trainee.name)
        data = b"".join(
            (
                b"To: ",
                _header(formataddr((trainee.name, trainee.email))),
                b"\n",
                b"Message-ID: ",
                message_id.encode("ascii"),
                b"\n",
                self._head,
                binascii.b2a_qp(text.encode("utf-8")),
                self._middle,
                base64.encodebytes(calendar),
                self._tail,
            )
        )
        return Invitation(data, trainee.email, message_id, self.session.key)

    @cached_property
    def _ids(self) -> str:
        return f"{safe(self.wave)}.{safe(self.session.key)}"

    @cached_property
    def _text(self) -> str:
        session = self.session
        start, end = session.slot.start, session.slot.end
        where = ", ".join(part for part in (session.slot.room, session.site) if part)
        return (
            "Hello \0NAME\0,\n\n"
            f'You are invited to the training session "{session.title}".\n\n'
            f"When: {start:%Y-%m-%d}, {start:%H:%M} to {end:%H:%M} ({start.tzname()})\n"
            f"Where: {where or 'to be announced'}\n"
            f"Trainer: {session.trainer.name} <{session.trainer.email}>\n\n"
            "The attached invitation adds the session to your calendar.\n"
        )

    @cached_property
    def _skeleton(self) -> tuple[bytes, bytes, bytes]:
        """The shared headers and the MIME structure around the two payloads, from the email package once."""
        message = EmailMessage()
        message["From"] = self.sender
        message["Subject"] = (
            self.texts.get("subject") or f"Training: {self.session.title}, {self.session.slot.start:%Y-%m-%d %H:%M}"
        )
        message[SESSION_HEADER] = self.session.key
        message.set_content("\0TEXT\0", cte="quoted-printable")
        message.add_attachment(
            b"\0ICS\0",
            maintype="text",
            subtype="calendar",
            filename="invitation.ics",
            params={"method": "REQUEST", "charset": "utf-8"},
            cte="base64",
        )
        data = message.as_bytes()
        head, rest = data.split(binascii.b2a_qp(b"\0TEXT\0\n"), 1)
        middle, tail = rest.split(base64.encodebytes(b"\0ICS\0"), 1)
        return head, middle, tail

    @property
    def _head(self) -> bytes:
        return self._skeleton[0]

    @property
    def _middle(self) -> bytes:
        return self._skeleton[1]

    @property
    def _tail(self) -> bytes:
        return self._skeleton[2]

    @cached_property
    def _calendar(self) -> bytes:
        session = self.session
        organizer = vCalAddress(f"mailto:{session.trainer.email}")
        organizer.params["CN"] = session.trainer.name
        event = Event()
        event.add("uid", f"{safe(self.wave)}-{safe(session.key)}@erpflow")
        event.add("dtstamp", self.stamp.astimezone(UTC))
        event.add("dtstart", session.slot.start.astimezone(UTC))
        event.add("dtend", session.slot.end.astimezone(UTC))
        event.add("summary", self.texts.get("summary", session.title))
        if self.texts.get("description"):
            event.add("description", self.texts["description"])
        event.add("location", session.slot.room)
        event.add("sequence", 0)
        event.add("organizer", organizer)
        calendar = Calendar()
        calendar.add("prodid", "-//erpflow//training invitations//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "REQUEST")
        calendar.add_component(event)
        return calendar.to_ical()


def _attendee(trainee: Trainee) -> bytes:
    attendee = vCalAddress(f"mailto:{trainee.email}")
    attendee.params.update(
        {
            "CN": trainee.name,
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
            "CUTYPE": "INDIVIDUAL",
        }
    )
    return Event().content_line("ATTENDEE", attendee).to_ical()


def _header(value: str) -> bytes:
    if any(c in value for c in "\r\n"):
        raise ValueError("a header value holds a line break")
    return value.encode("utf-8")


_rendered: dict[tuple[object, ...], SessionInvitations] = {}
_lock = threading.Lock()


def build_invitation(
    session: Session,
    trainee: Trainee,
    sender: str,
    wave: str,
    *,
    stamp: datetime | None = None,
    texts: dict[str, str] | None = None,
) -> Invitation:
    """One trainee's invitation (DTSTAMP is stamp, default now); the parts it shares with its session are rendered
    on the session's first one."""
    texts = texts or {}
    shared = tuple(sorted((part, text) for part, text in texts.items() if part != "body"))
    key = (session.key, session.title, session.site, session.slot, session.trainer, sender, wave, stamp, shared)
    with _lock:
        if (renderer := _rendered.get(key)) is None:
            if len(_rendered) >= 256:
                _rendered.clear()
            renderer = _rendered[key] = SessionInvitations(session, sender, wave, stamp, texts)
    return renderer.render(trainee, texts.get("body"))
