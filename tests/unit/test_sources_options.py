"""Sources as the plan says them, or as detected: header row, delimiter, encoding, decimals and dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erpflow.inputs.options import SourceOptions
from erpflow.inputs.sources import read_table
from erpflow.model.errors import InputError
from tests.exports import write_csv, write_xlsx


def test_a_title_row_above_a_csv_header_is_detected_and_lines_stay_the_files(tmp_path: Path):
    path = write_csv(
        tmp_path / "hr.csv",
        [["Nom", "Prénom", "Site"], ["Garçon", "Élodie", "Lyon"], ["Lefèvre", "Zoé", "Lyon"]],
        above=("Export RH - paie - 2026", ""),
        blank_every=1,
    )
    table = read_table(path, required=["Nom"])
    assert table.settings == {"encoding": "cp1252", "delimiter": ";", "header_row": 3}
    assert table.detected == ("encoding", "delimiter", "header_row")
    assert [(row.line, row.values["Nom"]) for row in table.rows] == [(4, "Garçon"), (6, "Lefèvre")]


def test_the_header_row_the_plan_says_wins_over_detection(tmp_path: Path):
    path = write_csv(
        tmp_path / "x.csv",
        [["A", "B"], ["a1", "b1"], ["Nom", "Site"], ["Zoé", "Lyon"]],
        encoding="utf-8-sig",
        delimiter=",",
    )
    table = read_table(path, options=SourceOptions(header_row=3))
    assert table.columns == ("Nom", "Site") and [r.line for r in table.rows] == [4]
    assert read_table(path, options=SourceOptions(skip_rows=2)).columns == ("Nom", "Site")
    with pytest.raises(InputError, match=r"x.csv:9: no header on this line"):
        read_table(path, options=SourceOptions(header_row=9))


def test_an_xlsx_title_row_decimals_as_text_and_excel_dates(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "clients.xlsx",
        [
            ["Code client", "Prix", "Prix texte", "Créé le", "Modifié le"],
            ["C1", 12.5, "1.234,50", date(2026, 3, 2), "02/03/2026"],
            ["C2", 7, "3,10", None, "31/12/2025"],
        ],
        title="Export clients - ancien logiciel - 2026",
    )
    table = read_table(
        path, required=["Code client"], options=SourceOptions(decimal_separator=",", date_format="dd/mm/yyyy")
    )
    assert table.settings == {"sheet": "Export", "header_row": 3}
    assert [row.line for row in table.rows] == [4, 5]
    assert table.rows[0].values == {
        "Code client": "C1",
        "Prix": "12,5",
        "Prix texte": "1.234,50",
        "Créé le": "2026-03-02",
        "Modifié le": "2026-03-02",
    }
    assert table.rows[1].values["Modifié le"] == "2025-12-31"


def test_the_delimiter_and_encoding_the_plan_says_are_used(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes("Nom|Ville\r\nLefèvre|Orléans, centre\r\n".encode("cp850"))
    table = read_table(path, options=SourceOptions(delimiter="|", encoding="cp850"))
    assert table.rows[0].values == {"Nom": "Lefèvre", "Ville": "Orléans, centre"}
    assert table.detected == ("header_row",)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"header_row": 2, "skip_rows": 1}, "header_row or skip_rows, not both"),
        ({"date_format": "jj/mm/aaaa"}, "unknown date format"),
        ({"delimiter": ":"}, "delimiter"),
    ],
)
def test_contradictory_or_unknown_options_are_refused(options: dict, message: str):
    with pytest.raises(ValueError, match=message):
        SourceOptions(**options)


@pytest.mark.parametrize(
    "text, separator, number",
    [
        ("1\u202f234,50", ",", "1234.50"),
        ("1 234,5", ",", "1234.5"),
        ("1.234,50", ",", "1234.50"),
        ("12,5", ",", "12.5"),
        ("12.5", ",", "12.5"),
        ("1 234.50", ".", "1234.50"),
        ("douze", ",", "douze"),
    ],
)
def test_numbers_stored_as_text_read_as_the_source_writes_them(text: str, separator: str, number: str):
    assert SourceOptions(decimal_separator=separator).number(text) == number


def test_a_missing_column_names_its_near_miss(tmp_path: Path):
    path = write_csv(tmp_path / "x.csv", [["Nom", "Prenom"], ["Garçon", "Élodie"]])
    with pytest.raises(InputError, match=r"x.csv:1: column 'Prénom' not found; did you mean 'Prenom'\?; columns are"):
        read_table(path, required=["Nom", "Prénom"])
