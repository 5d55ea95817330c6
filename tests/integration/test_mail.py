"""Invitations sent through a real SMTP server (aiosmtpd) and written to an outbox folder."""

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from icalendar import Calendar
from pydantic import SecretStr

from erpflow.model.sessions import Session, Slot, Trainee, Trainer
from erpflow.targets.errors import TargetUnavailable
from erpflow.targets.mail import OutboxMailer, SmtpMailer, build_invitation

START = datetime(2027, 1, 11, 8, tzinfo=UTC)
TRAINER = Trainer("Claire Fontaine", "claire.fontaine@acme.example")
PEOPLE = (
    Trainee("eberard", "Élodie Bérard", "elodie.berard@acme.example", "controller", "Lyon", True),
    Trainee("refused", "Noël Refusé", "refused@acme.example", "controller", "Lyon", True),
    Trainee("jmartin", "Jean Martin", "jean.martin@acme.example", "controller", "Lyon", True),
)
SESSION = Session(
    "lyon/controller/1",
    "Accounting in Tryton (key users)",
    "controller",
    "Lyon",
    "Accounting in Tryton (key users)",
    True,
    Slot(START, START + timedelta(hours=3), "Salle Rhône", "Lyon"),
    TRAINER,
    PEOPLE,
)
SENDER = "formation@acme.example"


def invitations() -> list:
    return [(t.login, build_invitation(SESSION, t, SENDER, "pilot")) for t in PEOPLE]


def test_invitations_reach_the_server_with_a_calendar_request(smtp_server):
    handler, port = smtp_server, smtp_server.port
    outcomes = SmtpMailer("127.0.0.1", port, SENDER, timeout=5).send(invitations()[:1])
    assert [(o.ref, o.status) for o in outcomes] == [("eberard", "sent")]
    (envelope,) = handler.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["elodie.berard@acme.example"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert outcomes[0].erp_id == message["Message-ID"]
    assert "Accounting in Tryton (key users)" in message["Subject"] and "2027-01-11" in message["Subject"]
    assert "Salle Rhône" in message.get_body(("plain",)).get_content()
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename().endswith(".ics")
    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST" and calendar["PRODID"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "pilot-lyon-controller-1@erpflow"
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=3)
    assert str(event["SUMMARY"]) == SESSION.title and str(event["LOCATION"]) == "Salle Rhône"
    assert str(event["ORGANIZER"]) == "mailto:claire.fontaine@acme.example"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:elodie.berard@acme.example"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT" and attendee.params["RSVP"] == "TRUE"
    assert "DTSTAMP" in event


def test_a_refused_recipient_is_rejected_while_the_others_are_sent(smtp_server):
    handler, port = smtp_server, smtp_server.port
    outcomes = SmtpMailer("127.0.0.1", port, SENDER, timeout=5).send(invitations())
    assert [(o.ref, o.status) for o in outcomes] == [("eberard", "sent"), ("refused", "rejected"), ("jmartin", "sent")]
    assert "refused@acme.example refused: 550" in outcomes[1].reason and "\n" not in outcomes[1].reason
    assert [e.rcpt_tos for e in handler.envelopes] == [["elodie.berard@acme.example"], ["jean.martin@acme.example"]]


def test_a_closed_port_raises_target_unavailable(closed_port: int):
    with pytest.raises(TargetUnavailable, match="cannot be reached"):
        SmtpMailer("127.0.0.1", closed_port, SENDER, timeout=5).send(invitations())


def test_the_password_never_shows_in_the_mailer_or_a_refused_login(smtp_login_server):
    password = "s3cr3t-Pa55"
    mailer = SmtpMailer("127.0.0.1", 25, SENDER, "trainer", SecretStr(password))
    assert password not in repr(mailer) and password not in str(vars(mailer))

    with pytest.raises(TargetUnavailable, match="refused the login of 'trainer'") as caught:
        SmtpMailer("127.0.0.1", smtp_login_server.port, SENDER, "trainer", SecretStr(password), timeout=5).send(
            invitations()
        )
    assert password not in str(caught.value) and caught.value.__cause__ is None


def test_the_outbox_writes_parseable_files_and_a_second_send_overwrites_them(tmp_path: Path):
    mailer = OutboxMailer(tmp_path / "outbox")
    first = mailer.send(invitations())
    assert [o.status for o in first] == ["sent"] * 3
    second = mailer.send(invitations())
    assert [o.erp_id for o in second] == [o.erp_id for o in first]
    files = sorted(p for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "outbox").as_posix() for p in files] == [
        "lyon-controller-1/eberard.eml",
        "lyon-controller-1/jmartin.eml",
        "lyon-controller-1/refused.eml",
    ]
    assert sorted(map(str, files)) == sorted(o.erp_id for o in second)
    message = email.message_from_bytes(files[1].read_bytes(), policy=policy.default)
    assert message["To"] == "Jean Martin <jean.martin@acme.example>"
    assert Calendar.from_ical(next(message.iter_attachments()).get_content())["METHOD"] == "REQUEST"
