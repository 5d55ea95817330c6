"""Training attendance from a sign-in sheet (CSV or XLSX with the columns session, login, present).

Every row is checked against the invitations the wave recorded before anything is recorded: one bad row refuses
the whole sheet, naming its file and line.
"""

from __future__ import annotations

from pathlib import Path

from erpflow.model.errors import InputError
from erpflow.inputs.sources import read_table

YES, NO = {"yes", "y", "oui", "1", "x", "present", "true"}, {"no", "n", "non", "0", "", "absent", "false"}


def read_sheet(path: Path, invited: dict[str, set[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]], str]:
    """Per session, the logins present and absent; and the sheet's digest. ``invited``: session -> logins."""
    table = read_table(path, required=["session", "login", "present"])
    present: dict[str, list[str]] = {}
    absent: dict[str, list[str]] = {}
    for row in table.rows:
        if row.problem:
            raise InputError(str(path), row.problem, line=row.line)
        session, login = row.values["session"].strip(), row.values["login"].strip().lower()
        mark = row.values["present"].strip().lower()
        if session not in invited:
            raise InputError(str(path), f"session {session!r} is not a training session of this wave",
                             line=row.line, field="session")
        if login not in invited[session]:
            raise InputError(str(path), f"{login!r} was not invited to session {session!r}", line=row.line,
                             field="login")
        if mark not in YES | NO:
            raise InputError(str(path), f"{mark!r} is neither yes nor no", line=row.line, field="present")
        (present if mark in YES else absent).setdefault(session, []).append(login)
    return present, absent, table.digest
