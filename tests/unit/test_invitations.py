"""Invitations in the trainees' language: the method's Jinja2 templates, dates written the local way."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from erpflow.inputs.invitations import load_invitations, render
from erpflow.inputs.method import load_method
from erpflow.inputs.plan import load_plan
from erpflow.model.errors import InputError
from erpflow.model.sessions import Session, Slot, Trainee, Trainer
from erpflow.operations import registry
from erpflow.operations.batches import keyed
from erpflow.operations.training import Invitation
from erpflow.settings import Settings
from erpflow.targets.bundle import Targets
from erpflow.targets.mail import build_invitation

REPO = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
TRAINEE = Trainee("egarcon", "Élodie GARÇON", "elodie.garcon@acme.example", "accountant", "Lyon")
SESSION = Session(
    "lyon-accountant-1",
    "Comptabilité dans Tryton",
    "accountant",
    "Lyon",
    "Comptabilité",
    False,
    Slot(datetime(2027, 1, 11, 9, tzinfo=PARIS), datetime(2027, 1, 11, 12, tzinfo=PARIS), "Salle Rhône", "Lyon"),
    Trainer("Claire Fontaine", "claire.fontaine@acme.example"),
    (TRAINEE,),
)


def test_a_french_invitation_reads_back_in_french():
    templates, files = load_invitations(REPO / "domain" / "invitations")
    assert set(templates) >= {"fr", "en"} and len(files) == 4 * len(templates)
    texts = render(templates["fr"], "fr", SESSION, TRAINEE)
    message = message_from_bytes(
        build_invitation(SESSION, TRAINEE, "formation@acme.example", "pilot", texts=texts).as_bytes(),
        policy=policy.default,
    )
    assert message["Subject"] == "Formation : Comptabilité dans Tryton, 11 janv. 2027 à 09:00"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour Élodie GARÇON,\n") and "Quand : 11 janv. 2027, de 09:00 à 12:00" in body
    assert "Où : Salle Rhône, Lyon" in body
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Formation : Comptabilité dans Tryton"
    assert (
        str(event["DESCRIPTION"]) == "Formation « Comptabilité dans Tryton » avec Claire Fontaine, Salle Rhône, Lyon."
    )


def test_an_english_invitation_writes_dates_the_english_way():
    texts = render(load_invitations(REPO / "domain" / "invitations")[0]["en"], "en", SESSION, TRAINEE)
    assert texts["subject"] == "Training: Comptabilité dans Tryton, Jan 11, 2027 9:00 AM"
    assert texts["body"].startswith("Hello Élodie GARÇON,")


def test_a_broken_template_names_its_file_and_line(tmp_path: Path):
    folder = tmp_path / "invitations" / "fr"
    folder.mkdir(parents=True)
    for part in ("subject", "body", "summary", "description"):
        (folder / f"{part}.txt").write_text("{{ title }}\n")
    (folder / "body.txt").write_text("Bonjour,\n{% if %}\n")
    with pytest.raises(InputError, match=r"body.txt:2: template"):
        load_invitations(tmp_path / "invitations")


class AllManaged:
    def managed(self, logins: list[str]) -> set[str]:
        return set(logins)


def test_a_plan_in_french_sends_french_invitations(tmp_path: Path):
    plan, _ = load_plan(REPO / "deployments" / "plans" / "pilot.yaml")
    plan = plan.model_copy(
        update={
            "training": plan.training.model_copy(
                update={"mail": plan.training.mail.model_copy(update={"language": "fr", "outbox": tmp_path})}
            )
        }
    )
    targets = Targets(plan, Settings(home=tmp_path / "home"), invitations=load_method(REPO / "domain").invitations)
    targets.__dict__["accounts"] = AllManaged()
    [outcome] = registry.get("training").send(keyed("s", [Invitation(SESSION, TRAINEE)], []), targets)
    message = message_from_bytes(Path(str(outcome.erp_id)).read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("Formation : ")
