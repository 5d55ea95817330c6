"""Row handling every source shares: a row the reader flagged, a missing or repeated key, an invalid field."""

from __future__ import annotations

from pydantic import ValidationError

from erpflow.inputs.sources import Row, Table
from erpflow.model.items import ItemOutcome


class Screen:
    """Rejections of the rows of one table, with their source line; the first row of a key wins."""

    def __init__(self, table: Table, key: str):
        self.table, self.key = table, key  # key names the natural key in messages: "login", "legacy id"
        self.first: dict[str, int] = {}

    def check(self, row: Row, key: str, missing: str | None = None) -> ItemOutcome | None:
        """The row's rejection, or None when it may go on. Every row must be checked, in file order, so
        that a later duplicate names the first; ``missing`` is the reason for an empty key (None: not checked)."""
        first = self.first.setdefault(key, row.line) if key else row.line
        if row.problem:
            return self.reject(row, key, row.problem)
        if not key and missing is not None:
            return self.reject(row, key, missing)
        if first != row.line:
            return self.reject(row, key, f"duplicate {self.key} {key!r} (first at line {first})")
        return None

    def reject(self, row: Row, key: str, reason: str) -> ItemOutcome:
        return ItemOutcome(key or f"line {row.line}", "rejected", reason=reason, source=self.table.where(row))

    def invalid(self, row: Row, key: str, exc: ValidationError, columns: dict[str, str]) -> ItemOutcome:
        return self.reject(row, key, reason(exc, columns))


def reason(exc: ValidationError, columns: dict[str, str]) -> str:
    """A one-line reason naming the source column of the first invalid field."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    column = columns.get(name, name)
    message = error["msg"].removeprefix("Value error, ")
    return f"{column}: {message}" if column else message
