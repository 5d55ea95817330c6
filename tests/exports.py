"""Exports written the way French HR and legacy tools write them, for tests: no file is edited by hand."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HR_HEADER = ["Matricule", "Nom", "Prénom", "Identifiant", "E-mail", "Site", "Fonction", "Date d'entrée"]


def hr_rows(sites: dict[str, int]) -> list[list[str]]:
    """People of each site, accented names, dd/mm/yyyy dates; logins unique."""
    rows, number = [], 0
    for site, count in sites.items():
        for _ in range(count):
            number += 1
            rows.append(
                [
                    f"{number:06d}",
                    f"Garçon{number}",
                    "Élodie",
                    f"egarcon{number}",
                    f"elodie.garcon{number}@acme.example",
                    site,
                    "Comptable",
                    f"{number % 28 + 1:02d}/03/2021",
                ]
            )
    return rows


def write_csv(
    path: Path,
    rows: list[list[str]],
    encoding: str = "cp1252",
    delimiter: str = ";",
    above: tuple[str, ...] = (),
    blank_every: int = 0,
) -> Path:
    """A CSV with CRLF line ends, optional lines above the header and blank lines among the rows."""
    lines = list(above)
    for index, row in enumerate(rows):
        lines.append(delimiter.join(row))
        if blank_every and index and index % blank_every == 0:
            lines.append("")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str | None = None, sheet: str = "Export") -> Path:
    """A workbook whose sheet may open with a title row and a blank row above the header."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path
