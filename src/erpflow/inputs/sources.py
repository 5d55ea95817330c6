"""Read the tables HR and legacy tools export (CSV or XLSX), keeping each row's line in the original file.

What the plan does not say about a source is detected: its encoding, its delimiter and the line of its header
(the first holding every required column, else the first as full as the rows below it: a title row is passed over).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from erpflow.inputs.delimited import Record, records, sniff_delimiter
from erpflow.inputs.encodings import decode_named
from erpflow.inputs.files import read_bytes
from erpflow.inputs.nearmiss import did_you_mean
from erpflow.inputs.options import SourceOptions, iso_date
from erpflow.inputs.text import control_character, visible
from erpflow.inputs.workbook import sheet_records
from erpflow.model.errors import InputError

__all__ = ["Row", "Table", "is_workbook", "read_table"]

HEADER_SEARCH = 50  # lines searched for a header


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: dict[str, str]
    problem: str = ""  # set when the row itself is malformed (wrong number of fields, a control character)


@dataclass(frozen=True)
class Table:
    """A source as read: its columns and settings; its rows parsed from the decoded text when asked for."""

    path: Path
    columns: tuple[str, ...]
    digest: str
    settings: dict[str, Any] = field(default_factory=dict)  # encoding, delimiter, sheet, header_row as read
    detected: tuple[str, ...] = ()  # which of the settings were detected rather than said in the plan
    records: Callable[[], Iterable[Record]] = field(default=tuple, repr=False, compare=False)  # every record
    date_format: str | None = field(default=None, repr=False)

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """Every row, read once and kept."""
        return tuple(self.stream())

    def stream(self) -> Iterator[Row]:
        """The rows one at a time, parsed as they are asked for: a large export is never held whole. A row with a
        control character in a cell, or the wrong number of fields, comes with its problem."""
        header, workbook, width = self.settings["header_row"], is_workbook(self.path), len(self.columns)
        for line, cells in self.records():
            if line <= header or not _filled(cells):
                continue
            if workbook:
                cells = cells[:width] + [c for c in cells[width:] if c]
            problem = (
                ""
                if len(cells) == width or (workbook and len(cells) < width)
                else f"{len(cells)} fields where the header has {width}"
            )
            texts = [cell.strip() for cell in cells]
            if self.date_format:
                texts = [iso_date(text, self.date_format) or text for text in texts]
            values = {col: (texts[i] if i < len(texts) else "") for i, col in enumerate(self.columns)}
            yield _checked(Row(line, values, problem))

    def where(self, row: Row) -> str:
        return f"{self.path.name}:{row.line}"


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _checked(row: Row) -> Row:
    """The row, rejected when a cell holds a control character."""
    if not row.problem:
        for column, value in row.values.items():
            problem = control_character(value)
            if problem:
                return replace(row, problem=f"{column}: {problem}")
    return row


def _filled(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell.strip())


def _head(found: Iterable[Record], header: int | None) -> list[Record]:
    """The records a header is looked for in: the first HEADER_SEARCH, or those up to the plan's header line."""
    head: list[Record] = []
    for record in found:
        head.append(record)
        if (record[0] >= header) if header is not None else len(head) >= HEADER_SEARCH:
            break
    return head


def _header_index(path: Path, found: list[Record], header: int | None, required: list[str]) -> int:
    """The index in ``found`` of the header record: at the line the plan says, or detected."""
    if header is not None:
        index = next((i for i, (line, _) in enumerate(found) if line >= header), None)
        if index is None or found[index][0] != header or not _filled(found[index][1]):
            raise InputError(str(path), "no header on this line (header_row or skip_rows in the plan)", line=header)
        return index
    sample = [(i, cells) for i, (_, cells) in enumerate(found[:HEADER_SEARCH]) if _filled(cells)]
    if not sample:
        raise InputError(str(path), "empty file: no header row", line=1)
    if required:
        for i, cells in sample:
            if set(required) <= {cell.strip() for cell in cells}:
                return i
    widest = max(_filled(cells) for _, cells in sample)
    least = 1 if widest < 2 else max(2, (widest + 1) // 2)
    return next(i for i, cells in sample if _filled(cells) >= least)


def read_table(
    path: Path,
    sheet: str | None = None,
    required: Iterable[str] = (),
    encoding: str | None = None,
    options: SourceOptions | None = None,
) -> Table:
    """Read a CSV or XLSX file's header as the options say, detecting what they leave out; check required
    columns. Its rows are parsed when asked for (`Table.rows`, `Table.stream`)."""
    options = options or SourceOptions(sheet=sheet, encoding=encoding)
    required = list(required)
    data = read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    settings: dict[str, Any] = {}
    detected: list[str] = []
    every: Callable[[], Iterable[Record]]
    if is_workbook(path):
        settings["sheet"], kept = sheet_records(path, options.sheet, options.decimal_separator)
        detected += [] if options.sheet else ["sheet"]
        every = partial(iter, kept)
    else:
        text, settings["encoding"] = decode_named(path, data, options.encoding)
        settings["delimiter"] = options.delimiter or sniff_delimiter(text[:65536])
        detected += [name for name in ("encoding", "delimiter") if getattr(options, name) is None]
        every = partial(records, path, text, settings["delimiter"])
    del data
    found = _head(every(), options.header)
    index = _header_index(path, found, options.header, required)
    header_line, header = found[index]
    settings["header_row"] = header_line
    detected += [] if options.header else ["header_row"]
    columns = [cell.strip() for cell in header]
    if is_workbook(path):
        while columns and not columns[-1]:
            columns.pop()
    for column in columns:
        problem = control_character(column)
        if problem:
            raise InputError(str(path), f"column '{visible(column)}': {problem}", line=header_line)
    missing = [col for col in required if col not in columns]
    if missing:
        raise InputError(
            str(path),
            f"column {missing[0]!r} not found{did_you_mean(missing[0], columns)}; columns are: {', '.join(columns)}",
            line=header_line,
        )
    return Table(path, tuple(columns), digest, settings, tuple(detected), every, options.date_format)
