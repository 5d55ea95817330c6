"""Invitations rendered once per session: each still parses with its own recipient, greeting and attendee."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import icalendar
import pytest

from bench.invitations import figures
from erpflow.model.sessions import Session, Slot, Trainee, Trainer
from erpflow.targets.invitations import SESSION_HEADER, build_invitation

START = datetime(2027, 1, 11, 8, tzinfo=UTC)
LONG = " ".join(["Zoë O'Connor-Dupont, née Lefèvre"] * 3)
PEOPLE = tuple(
    Trainee(f"u{i}", name, f"u{i}@acme.example", "controller", "Lyon")
    for i, name in enumerate(("Élodie Bérard", "Jean Martin", LONG))
)
SESSION = Session(
    "lyon/controller/1",
    "Accounting in Tryton (key users)",
    "controller",
    "Lyon",
    "accounting",
    True,
    Slot(START, START + timedelta(hours=3), "Salle Rhône", "Lyon"),
    Trainer("Claire Fontaine", "claire.fontaine@acme.example"),
    PEOPLE,
)


def test_each_invitation_parses_with_its_own_recipient_greeting_and_attendee(monkeypatch):
    renders = []
    to_ical = icalendar.Calendar.to_ical
    monkeypatch.setattr(
        icalendar.Calendar, "to_ical", lambda self, *a, **k: renders.append(1) or to_ical(self, *a, **k)
    )
    stamp = datetime(2026, 11, 25, 12, tzinfo=UTC)
    for trainee in PEOPLE:
        invitation = build_invitation(SESSION, trainee, "formation@acme.example", "pilot", stamp=stamp)
        message = email.message_from_bytes(invitation.as_bytes(), policy=policy.default)
        assert not message.defects and message["To"].addresses[0].display_name == trainee.name
        assert message["Message-ID"] == invitation["Message-ID"] == f"<pilot.lyon-controller-1.{trainee.login}@erpflow>"
        assert message[SESSION_HEADER] == invitation.get(SESSION_HEADER) == SESSION.key
        assert message.get_body(("plain",)).get_content().startswith(f"Hello {trainee.name},\n")
        (part,) = message.iter_attachments()
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
        (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
        attendees = event["ATTENDEE"]
        assert str(attendees) == f"mailto:{trainee.email}" and attendees.params["CN"] == trainee.name
        assert event.decoded("DTSTAMP") == stamp and str(event["LOCATION"]) == "Salle Rhône"
    assert len(renders) == 1


def test_a_recipient_holding_a_line_break_is_refused():
    with pytest.raises(ValueError, match="line break"):
        build_invitation(
            SESSION,
            Trainee("x", "Eve\r\nBcc: all@acme.example", "x@acme.example", "controller", "Lyon"),
            "formation@acme.example",
            "pilot",
        )


def test_the_invitations_bench_measures_both_mailers_against_their_baselines():
    outbox, smtp = figures(60)
    assert outbox.measured > 0 and outbox.baseline > 0 and outbox.unit == smtp.unit == "invitations/s"
    assert smtp.measured > 0 and smtp.baseline > 0
