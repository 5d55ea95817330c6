"""Invitations in each trainee's own language when the HR export has a language column (FR, anglais, en_GB...);
an empty cell takes the plan's language, a value that names no language of the invitations is refused."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from erpflow.inputs.languages import Languages
from tests.exports import HR_HEADER, hr_rows, write_csv

from .conftest import copy_pilot
from .test_cli import invoke
from .test_plan_exports import TITLE, line_of

LANGUAGES = ["FR", "anglais", "", "en_GB", "Français", "EN"]


def project(tmp_path: Path, languages: list[str]) -> tuple[Path, Path]:
    plan = copy_pilot(tmp_path)
    rows = [[*row, language] for row, language in zip(hr_rows({"Lyon": len(languages)}), languages, strict=True)]
    hr = write_csv(tmp_path / "demo" / "hr_export.csv", [[*HR_HEADER, "Langue"], *rows], above=TITLE)
    data = yaml.safe_load(plan.read_text())
    data["sites"] = ["Lyon"]
    data["accounts"]["roles"] = {"Comptable": "accountant"}
    data["accounts"]["columns"]["language"] = "Langue"
    data["training"]["mail"]["language"] = "fr"
    del data["training"]["calendars"][0]["site"]
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    for name, count in (("legacy_customers.csv", 5), ("legacy_products.csv", 5)):
        path = tmp_path / "demo" / name
        path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[: count + 1]))
    return plan, hr


@pytest.mark.parametrize(
    ("said", "read"),
    [
        *[("FR", "fr"), ("fr_FR", "fr"), ("Français", "fr"), ("FRANCAIS", "fr"), ("anglais", "en"), ("en-GB", "en")],
        *[("English", "en"), ("Allemand", None), ("de", None), ("Francias", None)],
    ],
)
def test_a_language_is_read_from_its_code_or_its_name(said: str, read: str | None):
    assert Languages(["en", "fr"]).read(said) == read


def test_a_language_the_invitations_do_not_speak_is_refused_naming_file_line_column_and_value(tmp_path: Path):
    plan, hr = project(tmp_path, ["FR", "Klingon", ""])
    result = invoke("plan", str(plan))
    assert result.exit_code == 0, result.output
    line = line_of(hr, "000002;")
    assert (
        f"will reject hr_export.csv:{line}: egarcon2: Langue: 'Klingon' is no language of the invitations (en, fr)"
        in result.stdout
    )
    assert result.stdout.count("will reject hr_export.csv") == 1


def _read(path: Path) -> tuple[str, str, str, str, str]:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    body = message.get_body(("plain",)).get_content()
    return (
        message["To"].addresses[0].username,
        message["Subject"],
        body,
        str(event["SUMMARY"]),
        str(event["DESCRIPTION"]),
    )


@pytest.mark.prefect
@pytest.mark.tryton
def test_each_trainee_of_one_wave_is_invited_in_their_own_language(cli, tmp_path: Path):
    plan, _ = project(tmp_path, LANGUAGES)
    result = cli("run", str(plan))
    assert result.exit_code == 0, result.output
    read = {who: rest for who, *rest in map(_read, sorted((cli.settings.home / "outbox" / "pilot").glob("*/*.eml")))}
    assert len(read) == len(LANGUAGES)
    french = {f"elodie.garcon{n}" for n in (1, 3, 5)}  # FR, empty (the plan's fr), Français
    title = "Accounting in Tryton"
    for who, (subject, body, summary, description) in read.items():
        name = f"Élodie Garçon{who[-1]}"
        if who in french:
            assert subject.startswith(f"Formation : {title}, ") and " à " in subject, subject
            assert body.startswith(f"Bonjour {name},\n") and "Quand : " in body, body
            assert (summary, description.split(" avec ")[0]) == (f"Formation : {title}", f"Formation « {title} »")
        else:
            assert subject.startswith(f"Training: {title}, ") and " à " not in subject, subject
            assert body.startswith(f"Hello {name},\n") and "When: " in body, body
            assert (summary, description.split(" with ")[0]) == (title, f'Training "{title}"')


def test_inspect_maps_a_langue_column_and_the_pasted_section_passes_plan(tmp_path: Path):
    from .test_inspect_cli import suggested

    plan, hr = project(tmp_path, ["FR", "anglais", "", "en_GB"])
    result = invoke("inspect", str(hr))
    assert result.exit_code == 0, result.output
    accounts = suggested(result.stdout)["accounts"]
    assert accounts["columns"]["language"] == "Langue"
    data = yaml.safe_load(plan.read_text())
    data["accounts"] = {**accounts, "source": "../demo/hr_export.csv", "roles": {"Comptable": "accountant"}}
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    planned = invoke("plan", "--json", str(plan))
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["operations"]["accounts"]["to_send"] == 4
