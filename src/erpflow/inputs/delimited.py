"""A CSV's records with the line each starts on, and its delimiter when the plan does not say it."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from erpflow.model.errors import InputError

__all__ = ["DELIMITERS", "Record", "records", "sniff_delimiter"]

DELIMITERS = ";,\t|"
SAMPLE_LINES = 50

Record = tuple[int, list[str]]  # the line the record starts on in the file, its cells


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most of the first lines into the same number of fields (more than one):
    a title row or a line of free text above the header does not mislead it."""
    lines = [line for line in text.splitlines()[:SAMPLE_LINES] if line.strip()]
    best, score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = Counter(len(cells) for cells in csv.reader(lines, delimiter=delimiter))
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        if width > 1 and (count, width) > score:
            best, score = delimiter, (count, width)
    return best


def records(path: Path, text: str, delimiter: str) -> Iterator[Record]:
    """Every record of the text (blank lines included, as empty lists) with the line it starts on, parsed as
    they are asked for."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(str(path), f"malformed CSV: {exc}", line=reader.line_num) from None
