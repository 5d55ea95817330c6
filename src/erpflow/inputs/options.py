"""How a plan says a source is written: encoding, delimiter, sheet, header row, decimal separator, date format.

Every option left out is detected (encoding, delimiter, header row) or takes its usual value.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from erpflow.inputs.fields import Encoding

__all__ = ["DateFormat", "SourceOptions", "date_pattern", "iso_date", "number_text"]

TOKENS = {"dd": ("%d", r"\d{1,2}"), "mm": ("%m", r"\d{1,2}"), "yyyy": ("%Y", r"\d{4}"), "yy": ("%y", r"\d{2}")}
SPACES = re.compile("[ \u00a0\u202f]")  # thousands separators French tools write: space, no-break, narrow no-break
POINT_THOUSANDS = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d*)?$")
FORMAT = re.compile(r"^(dd|mm|yyyy|yy)([/.-])(dd|mm|yyyy|yy)\2(dd|mm|yyyy|yy)$")


def _date_format(text: str) -> str:
    found = FORMAT.match(text.strip().lower())
    parts = found.group(1, 3, 4) if found else ()
    if not found or sorted(p[0] for p in parts) != ["d", "m", "y"]:
        raise ValueError(f"unknown date format {text!r}: write it like dd/mm/yyyy, yyyy-mm-dd or dd.mm.yy")
    return text.strip().lower()


DateFormat = Annotated[str, AfterValidator(_date_format)]


def date_pattern(date_format: str) -> tuple[re.Pattern[str], str]:
    """The regular expression a cell in this format matches, and its strptime format."""
    found = FORMAT.match(date_format)
    assert found is not None
    sep = found.group(2)
    parts = found.group(1, 3, 4)
    regex = re.escape(sep).join(TOKENS[p][1] for p in parts)
    return re.compile(f"^{regex}$"), sep.join(TOKENS[p][0] for p in parts)


def iso_date(text: str, date_format: str) -> str | None:
    """The ISO date a cell written in ``date_format`` holds; None when it is not such a date."""
    pattern, strptime = date_pattern(date_format)
    if not pattern.match(text):
        return None
    try:
        return datetime.strptime(text, strptime).date().isoformat()
    except ValueError:
        return None


def number_text(value: int | float, decimal_separator: str) -> str:
    """A workbook's number written as the file's text numbers are: 12.5 -> '12,5' when the separator is ','."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
    return text.replace(".", decimal_separator)


class SourceOptions(BaseModel):
    """Options of a CSV or XLSX source: what the plan says overrides what is detected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: Encoding | None = Field(None, description="the source's encoding, when it is not UTF-8 or cp1252")
    delimiter: Literal[";", ",", "\t", "|"] | None = Field(None, description="a CSV's delimiter")
    sheet: str | None = Field(None, description="an XLSX's sheet (default: the first)")
    header_row: int | None = Field(None, ge=1, le=10000, description="line of the header (1 = the first)")
    skip_rows: int | None = Field(None, ge=0, le=9999, description="lines above the header")
    decimal_separator: Literal[".", ","] = "."
    date_format: DateFormat | None = Field(None, description="e.g. dd/mm/yyyy: such cells are read as ISO dates")

    @model_validator(mode="after")
    def one_header(self) -> SourceOptions:
        if self.header_row is not None and self.skip_rows is not None:
            raise ValueError("give header_row or skip_rows, not both")
        return self

    def number(self, text: str) -> str:
        """A number written in the source, as Decimal reads it: '1 234,50' -> '1234.50' when the separator is ','."""
        text = SPACES.sub("", text)
        if self.decimal_separator == ",":
            text = text.replace(".", "") if POINT_THOUSANDS.match(text) else text
            return text.replace(",", ".")
        return text

    @property
    def header(self) -> int | None:
        """The header's line (1-based) the plan says, or None to detect it."""
        return self.header_row if self.skip_rows is None else self.skip_rows + 1
