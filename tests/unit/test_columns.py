"""What inspect infers of a column from its values: a few bad cells do not hide the type."""

from __future__ import annotations

import pytest

from erpflow.inputs.columns import infer
from erpflow.inputs.suggest import guess_columns


@pytest.mark.parametrize(
    "values, kind",
    [
        ([], "empty"),
        (["001000", "001001"], "code"),
        (["12", "7"], "integer"),
        (["2026-03-02", "2025-12-31"], "date"),
        (["25/01/2024", "14/11/2021"], "date (dd/mm/yyyy)"),
        (["01/25/2024", "11/14/2021"], "mm/dd/yyyy"),
        (["02.03.26", "31.12.25"], "date (dd.mm.yy)"),
        (["12.5", "3"], "decimal"),
        (["101,44", "1 234,50", "7"], "decimal (,)"),
        (["a@b.fr"] * 9 + ["pas-une-adresse"], "e-mail"),
        (["Lyon", "12"], "text"),
    ],
)
def test_a_columns_type_is_what_most_of_its_values_share(values: list[str], kind: str):
    assert kind in infer(values)


def test_headers_map_to_fields_in_french_and_english():
    headers = ("Matricule", "NOM", "Prénom", "Login", "Adresse e-mail", "Établissement", "Intitulé de poste")
    assert guess_columns("accounts", headers) == {
        "login": "Login",
        "first_name": "Prénom",
        "last_name": "NOM",
        "email": "Adresse e-mail",
        "site": "Établissement",
        "role": "Intitulé de poste",
    }
