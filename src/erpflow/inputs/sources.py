"""Read the tables HR and legacy tools export (CSV or XLSX), keeping each row's line."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from erpflow.inputs.encodings import decode
from erpflow.inputs.files import read_bytes
from erpflow.inputs.text import control_character, visible
from erpflow.model.errors import InputError

DELIMITERS = ";,\t|"


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    problem: str = ""  # set when the row itself is malformed (wrong number of fields, a control character)


@dataclass(frozen=True)
class Table:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    digest: str

    def where(self, row: Row) -> str:
        return f"{self.path.name}:{row.line}"


def _checked(row: Row) -> Row:
    """The row, rejected when a cell holds a control character."""
    if not row.problem:
        for column, value in row.values.items():
            problem = control_character(value)
            if problem:
                return replace(row, problem=f"{column}: {problem}")
    return row


def _read_csv(path: Path, data: bytes, encoding: str | None) -> tuple[list[str], list[Row]]:
    text = decode(path, data, encoding)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise InputError(str(path), "empty file: no header row", line=1)
        columns = [cell.strip() for cell in header]
        rows: list[Row] = []
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                problem = "" if len(cells) == len(columns) else \
                    f"{len(cells)} fields where the header has {len(columns)}"
                values = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)}
                rows.append(Row(start, values, problem))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(str(path), f"malformed CSV: {exc}", line=reader.line_num) from None
    return columns, rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[Row]]:
    from openpyxl import load_workbook  # imported here: only XLSX sources pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(str(path), f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(str(path), f"no sheet {sheet!r}; sheets are: {', '.join(book.sheetnames)}")
        cells = (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
        header = next(cells, None)
        if not header or not any(_cell(c) for c in header):
            raise InputError(str(path), "empty sheet: no header row", line=1)
        columns = [_cell(c) for c in header]
        rows = []
        for line, values in enumerate(cells, start=2):
            texts = [_cell(v) for v in values]
            if any(texts):
                rows.append(Row(line, {col: (texts[i] if i < len(texts) else "") for i, col in enumerate(columns)}))
        return columns, rows
    finally:
        book.close()


def read_table(path: Path, sheet: str | None = None, required: Iterable[str] = (),
               encoding: str | None = None) -> Table:
    """Read a CSV (delimiter and encoding detected, unless the encoding is given) or XLSX file; check required
    columns; a row with a control character in a cell is kept with its problem, to be rejected."""
    data = read_bytes(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        columns, rows = _read_xlsx(path, sheet)
    else:
        columns, rows = _read_csv(path, data, encoding)
    for column in columns:
        problem = control_character(column)
        if problem:
            raise InputError(str(path), f"column '{visible(column)}': {problem}", line=1)
    missing = [col for col in required if col not in columns]
    if missing:
        raise InputError(str(path), f"column {missing[0]!r} not found; columns are: {', '.join(columns)}", line=1)
    return Table(path, tuple(columns), tuple(_checked(row) for row in rows), hashlib.sha256(data).hexdigest())
