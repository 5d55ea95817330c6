"""Reference data of an embedded Tryton database read straight from its SQLite file, read-only.

For the checks `erpflow plan` makes before any write (groups, chart templates, currencies, countries): no trytond
import, no copy of the database, nothing written.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from erpflow.model.accounts import Holder
from erpflow.targets.errors import TargetUnavailable

NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")


class TrytonFile:
    """One embedded database (or its template) as a file; ``names`` as TrytonSession.names answers it."""

    def __init__(self, path: Path):
        self.path = path

    def names(self, model: str, field: str, domain: Sequence[Any] = ()) -> set[str]:
        """The values of ``field`` over the records of ``model`` matching ``domain`` (equalities only)."""
        if not (NAME.match(model) and NAME.match(field)):
            raise ValueError(f"not a Tryton model or field name: {model!r}, {field!r}")
        where, params = [], []
        for name, operator, value in domain:
            if operator != "=" or not NAME.match(name):
                raise ValueError(f"only equalities on plain fields: {(name, operator, value)!r}")
            where.append(f'"{name}" IS NULL' if value is None else f'"{name}" = ?')
            params += [] if value is None else [value]
        sql = f'SELECT "{field}" FROM "{model.replace(".", "_")}"' + (f" WHERE {' AND '.join(where)}" if where else "")
        return {str(row[0]) for row in self._select(sql, params) if row[0]}

    def holders(self, prefixes: Sequence[str], mark: str) -> dict[str, Holder]:
        """The users whose login starts with one of ``prefixes`` (or more: LIKE's ``_``); ``managed`` when they are in
        the group ``mark``."""
        prefixes = list(dict.fromkeys(prefixes))
        if not prefixes:
            return {}
        sql = (
            'SELECT u.login, u.name, u.email, EXISTS (SELECT 1 FROM "res_user-res_group" m JOIN res_group g '
            'ON g.id = m."group" WHERE m."user" = u.id AND g.name = ?) FROM res_user u WHERE '
            + " OR ".join(["u.login LIKE ?"] * len(prefixes))
        )
        rows = self._select(sql, [mark, *(f"{p}%" for p in prefixes)])
        return {row[0]: Holder(row[0], row[1] or "", row[2] or "", bool(row[3])) for row in rows}

    def _select(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        try:
            with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as db:
                return db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise TargetUnavailable(f"Tryton database {self.path.name}: {exc}") from None
