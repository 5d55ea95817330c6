"""An XLSX sheet's rows as text, numbered as Excel numbers them, dates as ISO and numbers as the file writes them."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from erpflow.inputs.delimited import Record
from erpflow.inputs.options import number_text
from erpflow.model.errors import InputError

__all__ = ["sheet_records"]


def cell_text(value: object, decimal_separator: str = ".") -> str:
    """A cell as text: an Excel date as an ISO date, a number with the source's decimal separator."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return number_text(value, decimal_separator)
    return str(value).strip()


def sheet_records(path: Path, sheet: str | None, decimal_separator: str) -> tuple[str, list[Record]]:
    """The sheet's name and every row (blank ones included) with its Excel row number."""
    from openpyxl import load_workbook  # imported here: only XLSX sources pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(str(path), f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(str(path), f"no sheet {sheet!r}; sheets are: {', '.join(book.sheetnames)}")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        rows = [
            (line, [cell_text(v, decimal_separator) for v in values])
            for line, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
        return worksheet.title, rows
    finally:
        book.close()
