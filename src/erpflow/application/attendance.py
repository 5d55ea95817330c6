"""Recording training attendance from a sign-in sheet (CSV or XLSX with the columns session, login, present).

Every row is checked against the invitations the wave recorded before anything is recorded: one bad row refuses
the whole sheet, naming its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.inputs.sources import read_table
from erpflow.model.decisions import Attendance
from erpflow.model.errors import InputError

TRAINING = "training"
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
            raise InputError(
                str(path), f"session {session!r} is not a training session of this wave", line=row.line, field="session"
            )
        if login not in invited[session]:
            raise InputError(
                str(path), f"{login!r} was not invited to session {session!r}", line=row.line, field="login"
            )
        if mark not in YES | NO:
            raise InputError(str(path), f"{mark!r} is neither yes nor no", line=row.line, field="present")
        (present if mark in YES else absent).setdefault(session, []).append(login)
    return present, absent, table.digest


@dataclass(frozen=True)
class Recorded:
    present: int
    absent: int
    sessions: int


def record(ledger: Ledger, wave: str, sheet: Path, actor: str) -> Recorded:
    """Record a sign-in sheet in the wave's attendance stream, once every row checks out."""
    from erpflow.projections.gate import invitations

    ledger.wave(wave)
    invited = {name: session["invited"] for name, session in invitations(ledger, wave).items()}
    present, absent, digest = read_sheet(sheet, invited)
    ctx = waves.context(wave, actor, TRAINING).as_dict()
    sheets = waves.attendance(ledger, wave) or Attendance(wave=wave, ctx=ctx)
    sheets.record(str(sheet.resolve()), digest, present, absent, ctx)
    ledger.save(sheets)
    return Recorded(
        sum(map(len, present.values())), sum(map(len, absent.values())), len(present.keys() | absent.keys())
    )
