"""The errors erpflow reports to its users.

    ErpflowError                 anything a user can act on; the CLI prints one line, exits 2
    ├── InputError               bad plan, method or source file: names file, line and field
    ├── UnknownWave              no event recorded for that wave name
    ├── CommandRefused           the ledger refuses a command (wrong state); nothing recorded
    ├── LedgerUnavailable        the event store cannot be opened or written
    └── SettingsError            an ERPFLOW_* variable has a value erpflow cannot use

Target adapters raise erpflow.targets.errors.TargetError and its subclasses.
"""

from __future__ import annotations


class ErpflowError(Exception):
    """Something a user can act on, stated in one line."""


class InputError(ErpflowError):
    """A plan, method or source file is malformed."""

    def __init__(self, file: str, reason: str, line: int | None = None, field: str | None = None):
        reason = " ".join(str(reason).split())  # one line, whatever a parser said
        self.file, self.line, self.field, self.reason = file, line, field, reason
        where = f"{file}:{line}" if line else file
        what = f"{field}: {reason}" if field else reason
        super().__init__(f"{where}: {what}")


class UnknownWave(ErpflowError):
    """No event was ever recorded for this wave."""

    def __init__(self, name: str):
        super().__init__(f"no wave named {name!r} in the ledger (run `erpflow run PLAN` first)")


class CommandRefused(ErpflowError):
    """The aggregate's state does not allow this command; nothing was recorded."""


class LedgerUnavailable(ErpflowError):
    """The event store could not be opened or written."""


class SettingsError(ErpflowError):
    """An ERPFLOW_* environment variable has a value erpflow cannot use."""

    def __init__(self, variable: str, reason: str, value: str = ""):
        shown = f" (got {value!r})" if value else ""
        super().__init__(f"{variable}: {' '.join(reason.split())}{shown}")
