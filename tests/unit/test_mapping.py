"""Fields filled beyond one column: constants, templates (accents folded, clashes numbered), dates, leave_out."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from erpflow.inputs.mapping import Constant, Fields, FromColumn, FromTemplate, LeaveOut, Refused, fold, source_columns

LOGIN = FromTemplate(template="{{ first_name[:1] | fold }}{{ last_name | fold }}", unique=True)
EMAIL = FromTemplate(template="{{ login }}@acme.example")
FIELDS = {"login": LOGIN, "first_name": "Prénom", "last_name": "Nom", "email": EMAIL, "country": Constant(value="FR")}


def test_fold_writes_a_french_name_as_a_login():
    assert fold("Élodie") == "elodie"
    assert fold("Le Goff-d’Arc") == "legoff-darc"
    assert fold("Cœur Ætna Straße") == "coeuraetnastrasse"


def test_templates_see_the_columns_and_constants_and_the_templates_above_them():
    filled = Fields(FIELDS).fill({"Prénom": "Élodie", "Nom": "Garçon"})
    assert filled == {
        "login": "egarcon",
        "first_name": "Élodie",
        "last_name": "Garçon",
        "email": "egarcon@acme.example",
        "country": "FR",
    }


def test_clashes_are_numbered_in_file_order():
    fields = Fields(FIELDS)
    rows = [
        {"Prénom": "Élodie", "Nom": "Garçon"},
        {"Prénom": "Étienne", "Nom": "GARÇON"},
        {"Prénom": "Eve", "Nom": "Garcon"},
    ]
    assert [fields.fill(row)["email"] for row in rows] == [
        "egarcon@acme.example",
        "egarcon2@acme.example",
        "egarcon3@acme.example",
    ]


def test_a_date_column_is_read_as_an_iso_date_and_a_bad_one_names_its_column():
    fields = Fields({"start": FromColumn(column="Date d'entrée", date=True)})
    assert fields.fill({"Date d'entrée": "2021-03-04"}) == {"start": "2021-03-04"}
    assert fields.fill({"Date d'entrée": ""}) == {"start": ""}
    with pytest.raises(Refused, match=r"^Date d'entrée: '31/02/2021' is not a date"):
        fields.fill({"Date d'entrée": "31/02/2021"})


def test_a_template_naming_an_unknown_field_refuses_the_row_naming_the_field():
    with pytest.raises(Refused, match=r"^login: template: 'prenom' is undefined"):
        Fields({"login": FromTemplate(template="{{ prenom }}")}).fill({})


def test_an_invalid_template_is_refused_with_the_plan():
    with pytest.raises(ValidationError, match="invalid template"):
        FromTemplate(template="{{ login ")


def test_leave_out_drops_people_who_left_or_start_after_the_wave_and_keeps_empty_dates():
    rules = [
        LeaveOut(column="Sortie", before="today"),
        LeaveOut(column="Entrée", after=date(2026, 12, 1)),
    ]
    fields = Fields({}, rules, today=date(2026, 11, 25))
    assert fields.left_out({"Sortie": "2026-11-24", "Entrée": "2020-01-01"}) is rules[0]
    assert fields.left_out({"Sortie": "2026-11-25", "Entrée": "2026-12-02"}) is rules[1]
    assert fields.left_out({"Sortie": "", "Entrée": "2026-12-01"}) is None
    with pytest.raises(Refused, match=r"^Sortie: 'bientôt' is not a date"):
        fields.left_out({"Sortie": "bientôt", "Entrée": ""})


def test_a_leave_out_rule_gives_one_bound():
    with pytest.raises(ValidationError, match="one of before or after"):
        LeaveOut(column="Sortie")
    with pytest.raises(ValidationError, match="one of before or after"):
        LeaveOut(column="Sortie", before="today", after="today")


def test_only_column_fields_are_read_from_the_source():
    assert source_columns(FIELDS) == ["Prénom", "Nom"]
