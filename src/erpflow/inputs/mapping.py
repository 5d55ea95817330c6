"""How a plan fills a field beyond one column, and which rows it leaves out.

A field is a column (``Nom``, or ``{column: Sortie, date: true}`` for a date), a constant (``{value: FR}``) or a
Jinja2 template (``{template: "{{ login }}@acme.fr"}``), filled after the columns and constants, in order, from the
fields filled before it; ``unique: true`` numbers clashes in file order: dupont, dupont2..., passing over values held
outside the file by someone else (``Claims``: logins in the target). The filter ``fold`` writes a name as a login:
accents folded, lower case, spaces and apostrophes dropped. ``leave_out`` rules drop the rows whose date in a column
is before or after a date (or ``today``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import date
from typing import Annotated, Literal, Protocol

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Claims",
    "Constant",
    "Fields",
    "FromColumn",
    "FromTemplate",
    "LeaveOut",
    "Refused",
    "fold",
    "numbered",
    "source_columns",
]

LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l"})
DROPPED = re.compile(r"[\s'’`\"]+")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fold(text: str) -> str:
    """A name as a login writes it: 'Élodie Le Goff-d’Arc' -> 'elodielegoff-darc'."""
    decomposed = unicodedata.normalize("NFKD", str(text).translate(LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return DROPPED.sub("", bare).lower()


_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_env.filters["fold"] = fold


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FromColumn(Strict):
    column: str = Field(min_length=1)
    date: bool = Field(False, description="the cell is a date (ISO, the source's date_format, or Excel's)")


class Constant(Strict):
    value: str


def _template(text: str) -> str:
    try:
        _env.from_string(text)
    except TemplateError as exc:
        raise ValueError(f"invalid template: {exc.message}") from None
    return text


class FromTemplate(Strict):
    template: Annotated[str, AfterValidator(_template)]
    unique: bool = Field(False, description="number clashes in file order: dupont, dupont2, dupont3...")


Filled = str | FromColumn | Constant | FromTemplate


def _column(filled: Filled) -> FromColumn | None:
    return FromColumn(column=filled) if isinstance(filled, str) else filled if isinstance(filled, FromColumn) else None


def source_columns(fields: Mapping[str, Filled]) -> list[str]:
    """The columns of the source the fields read."""
    return [c.column for c in map(_column, fields.values()) if c is not None]


class LeaveOut(Strict):
    """Rows whose date in ``column`` is before (or after) a date, or ``today``, are left out; an empty cell stays."""

    column: str = Field(min_length=1)
    before: date | Literal["today"] | None = None
    after: date | Literal["today"] | None = None

    @model_validator(mode="after")
    def one_bound(self) -> LeaveOut:
        if (self.before is None) == (self.after is None):
            raise ValueError("give one of before or after")
        return self

    def describe(self) -> str:
        """The rule in words, naming no row: "'Date de sortie' before today"."""
        return (
            f"{self.column!r} before {self.before}"
            if self.before is not None
            else f"{self.column!r} after {self.after}"
        )

    def leaves_out(self, cell: str, today: date) -> bool:
        """Whether the row goes; raises Refused when the cell is not a date."""
        if not cell.strip():
            return False
        day = _date(self.column, cell)
        bound = self.before if self.before is not None else self.after
        limit = today if bound == "today" else bound
        assert isinstance(limit, date)
        return day < limit if self.before is not None else day > limit


class Refused(ValueError):
    """A row the mapping cannot fill: the column (or field) and the reason."""

    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column, self.reason = column, reason


def _date(column: str, cell: str) -> date:
    text = cell.strip()[:10]
    try:
        if ISO.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise Refused(column, f"{cell.strip()!r} is not a date (ISO, Excel's, or the source's date_format)")


class Claims(Protocol):
    """Values of a unique field already held outside the file (logins in the target)."""

    def prefetch(self, field: str, texts: Collection[str]) -> None:
        """Ask once for the values numbered from each of ``texts``, before the rows that need them."""

    def held(self, field: str, text: str, filled: Mapping[str, str]) -> dict[str, bool]:
        """The values numbered from ``text`` (text, text2...) held outside the file, each with whether it is held by
        the row being filled (``filled``: its fields so far)."""


def numbered(text: str, value: str) -> int | None:
    """The number ``value`` carries as numbered from ``text`` (1 for text itself), or None when it is not one."""
    if value == text:
        return 1
    rest = value[len(text) :] if value.startswith(text) else ""
    return int(rest) if rest.isdigit() and not rest.startswith("0") and int(rest) >= 2 else None


class Fields:
    """Fills the fields of the rows of one table, in file order (so that clashes are numbered the same each time);
    ``claims`` says which values of unique fields someone outside the file holds."""

    def __init__(
        self,
        fields: Mapping[str, Filled],
        leave_out: list[LeaveOut] | None = None,
        today: date | None = None,
        claims: Claims | None = None,
    ):
        self.fields, self.rules = dict(fields), list(leave_out or [])
        self.columns = {name: _column(how) for name, how in self.fields.items()}  # once, not once a row
        self.today = today or date.today()
        self.taken: dict[str, set[str]] = {}
        self.compiled: dict[str, Template] = {}
        self.claims = claims

    def prefetch(self, rows: list[Mapping[str, str]]) -> None:
        """Ask ``claims`` once for the values the unique fields of these rows start from."""
        if self.claims is None:
            return
        for name, how in self.fields.items():
            if isinstance(how, FromTemplate) and how.unique:
                texts = []
                for values in rows:
                    try:
                        texts.append(self.fill(values, number=False).get(name, ""))
                    except Refused:
                        continue
                self.claims.prefetch(name, [t for t in texts if t])

    def left_out(self, values: Mapping[str, str]) -> LeaveOut | None:
        """The rule leaving this row out, if any; raises Refused for a cell that is not a date."""
        return next((rule for rule in self.rules if rule.leaves_out(values[rule.column], self.today)), None)

    def fill(self, values: Mapping[str, str], number: bool = True) -> dict[str, str]:
        """The fields of one row (the row's cells by column); raises Refused naming the column or field.
        ``number`` False leaves unique values as their template writes them, and takes none."""
        filled: dict[str, str] = {}
        for name, how in self.fields.items():
            column = self.columns[name]
            if column is not None:
                cell = values[column.column].strip()
                filled[name] = _date(column.column, cell).isoformat() if column.date and cell else cell
            elif isinstance(how, Constant):
                filled[name] = how.value
        for name, how in self.fields.items():
            if isinstance(how, FromTemplate):
                filled[name] = self._render(name, how, filled, number)
        return filled

    def _render(self, name: str, how: FromTemplate, filled: dict[str, str], number: bool = True) -> str:
        try:
            if name not in self.compiled:
                self.compiled[name] = _env.from_string(how.template)
            text = self.compiled[name].render(filled).strip()
        except UndefinedError as exc:
            raise Refused(
                name, f"template: {exc.message} (a template sees the columns and constants, and the templates above it)"
            ) from None
        except TemplateError as exc:
            raise Refused(name, f"template: {exc.message}") from None
        if not how.unique or not text or not number:
            return text
        taken = self.taken.setdefault(name, set())
        held = self.claims.held(name, text, filled) if self.claims is not None else {}
        own = sorted((numbered(text, v) or 0, v) for v, mine in held.items() if mine and v not in taken)
        unique, count = (own[0][1], 0) if own else (text, 1)
        while not own and (unique in taken or unique in held):
            count += 1
            unique = f"{text}{count}"
        taken.add(unique)
        return unique
