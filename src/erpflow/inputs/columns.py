"""What a source's columns hold: sample values and an inferred type (code, integer, decimal, date, e-mail, text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from erpflow.inputs.sources import Table

__all__ = ["Column", "describe"]

INTEGER = re.compile(r"^-?\d+$")
DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:[ .\u00a0\u202f]?\d{3})*(?:,\d+)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T[\d:]+)?$")
DAY_FIRST = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # empty, code, integer, decimal, decimal (,), date, date (dd/mm/yyyy), e-mail, text
    samples: tuple[str, ...]
    filled: int  # rows with a value

    @property
    def date_format(self) -> str | None:
        return self.type[len("date (") : -1] if self.type.startswith("date (") else None


MOSTLY = 0.9  # the share of a column's values a type must fit: a few bad cells do not hide it


def _mostly(values: list[str], *patterns: re.Pattern[str]) -> list[str]:
    """The values matching one of the patterns, when they are most of them; else an empty list."""
    fit = [v for v in values if any(p.match(v) for p in patterns)]
    return fit if len(fit) >= MOSTLY * len(values) else []


def _date_format(values: list[str]) -> str | None:
    found = [m for m in (DAY_FIRST.match(v) for v in _mostly(values, DAY_FIRST)) if m]
    if not found or len({(m.group(2), len(m.group(4))) for m in found}) != 1:
        return None
    month_first = any(int(m.group(3)) > 12 for m in found) and all(int(m.group(1)) <= 12 for m in found)
    sep, year = found[0].group(2), "yyyy" if len(found[0].group(4)) == 4 else "yy"
    return sep.join(("mm", "dd", year) if month_first else ("dd", "mm", year))


def infer(values: list[str]) -> str:
    """The type most of the values share, the narrowest first."""
    if not values:
        return "empty"
    integers = _mostly(values, INTEGER)
    if integers:
        return "code" if any(len(v) > 1 and v.lstrip("-").startswith("0") for v in integers) else "integer"
    if _mostly(values, ISO_DATE):
        return "date"
    day_first = _date_format(values)
    if day_first:
        return f"date ({day_first})"
    if _mostly(values, INTEGER, DECIMAL_POINT):
        return "decimal"
    if _mostly(values, INTEGER, DECIMAL_POINT, DECIMAL_COMMA):
        return "decimal (,)"
    if _mostly(values, EMAIL):
        return "e-mail"
    return "text"


def describe(table: Table, samples: int = 3) -> list[Column]:
    """Each column of the table with up to ``samples`` distinct values and its inferred type."""
    result = []
    for name in table.columns:
        values = [row.values[name] for row in table.rows if row.values.get(name, "")]
        distinct = tuple(dict.fromkeys(values))[:samples]
        result.append(Column(name, infer(values), distinct, len(values)))
    return result
