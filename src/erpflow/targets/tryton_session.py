"""Tryton's session: one proteus configuration on an embedded database (local mode) or a trytond server
(XML-RPC), the calls made through it, and the errors it turns into TargetError.

Calls to an embedded database are serialised by one process-wide lock: trytond's configuration (the SQLite folder)
is process-wide. Calls to a server run ``concurrency`` at a time, each thread with its own proteus configuration
(an XML-RPC connection is not shared between threads)."""

from __future__ import annotations

import sqlite3
import threading
import xmlrpc.client
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from erpflow.model.accounts import Protected, mark
from erpflow.targets.errors import TargetError, TargetUnavailable
from erpflow.targets.tryton_db import TrytonDatabase
from erpflow.targets.tryton_remote import RemoteTryton

_LOCK = threading.RLock()
CONCURRENCY = 4  # calls in flight at once to one Tryton server, by default
ALL = {"active_test": False}


class Refused(Exception):
    """An item the adapter itself refuses; becomes a rejected outcome."""


_EMBEDDED: dict[tuple[str, str, int], Any] = {}  # (name, file, inode) -> its proteus configuration


def connect(database: TrytonDatabase | RemoteTryton) -> Any:
    """A proteus configuration: on an embedded database (local mode), or on a trytond server (XML-RPC).

    An embedded database's configuration is made once per process and file: making one loads trytond's pool for
    the database again (seconds), and every target on that file shares the process-wide lock anyway. A later
    target reads the user's preferences afresh (a company created since changes them)."""
    from proteus import config

    if isinstance(database, RemoteTryton):
        return database.open()
    if not database.path.exists():
        raise TargetUnavailable(f"Tryton database {database.path} does not exist")
    _use_config_file(database)
    key = (database.name, str(database.path.resolve()), database.path.stat().st_ino)
    try:
        with _LOCK:
            made = _EMBEDDED.get(key)
            if made is None:
                made = config.set_trytond(database=database.name, config_file=str(database.config_file))
                _EMBEDDED[key] = made
            else:
                made._context = made.get_proxy("res.user").get_preferences(True, {})
            return made
    except Exception as exc:
        raise TargetUnavailable(f"cannot open Tryton database {database.name}: {reason(exc)}") from exc


def skip_email_dns_check() -> None:
    """Make trytond check email syntax only (process-wide): without DNS it refuses every address."""
    import trytond.tools.email_ as email_

    check = email_._validate_email
    if not getattr(check, "syntax_only", False):

        def syntax_only(email: str, **kwargs: Any) -> Any:
            return check(email, **{**kwargs, "check_deliverability": False})

        syntax_only.syntax_only = True  # type: ignore[attr-defined]
        email_._validate_email = syntax_only


class TrytonSession:
    """One Tryton database, embedded or on a server. ``check_email_dns=False`` on machines without DNS (an
    embedded database only: a server checks as it is configured)."""

    def __init__(
        self,
        database: TrytonDatabase | RemoteTryton,
        *,
        check_email_dns: bool = True,
        programme: str = "default",
        protected: Protected = Protected(),
        concurrency: int = CONCURRENCY,
    ):
        self.database = database
        self.mark, self.protected = mark(programme), protected
        self.remote = isinstance(database, RemoteTryton)
        self._local = threading.local()  # per thread: its proteus configuration (remote), whether it holds the target
        self._shared: Any = None  # the embedded database's configuration, shared under _LOCK
        self._gate: Any = threading.BoundedSemaphore(concurrency) if self.remote else _LOCK
        self._creating = threading.Lock()  # looking up or creating records shared by batches (groups, categories)
        if not check_email_dns and not self.remote:
            skip_email_dns_check()

    @property
    def _config(self) -> Any:
        return getattr(self._local, "config", None) if self.remote else self._shared

    @_config.setter
    def _config(self, value: Any) -> None:
        if self.remote:
            self._local.config = value
        else:
            self._shared = value

    def fingerprint(self, models: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """Per model: how many records, the latest creation and the latest write (any write changes it)."""
        with self._session():
            result = {}
            for model in models:
                rows = self._read(model, [], ["create_date", "write_date"])
                result[model] = (
                    len(rows),
                    max((str(r["create_date"]) for r in rows), default=""),
                    max((str(r["write_date"] or "") for r in rows), default=""),
                )
            return result

    def count(self, model: str, domain: Sequence[Any] = ()) -> int:
        """Records of ``model`` matching ``domain``, inactive ones included."""
        with self._session():
            return self._call(model, "search_count", list(domain), **ALL)

    def names(self, model: str, field: str, domain: Sequence[Any] = ()) -> set[str]:
        """The values of ``field`` over the records of ``model`` (read only): group names, currency codes..."""
        with self._session():
            return {str(r[field]) for r in self._read(model, list(domain), [field]) if r[field]}

    @contextmanager
    def _session(self) -> Iterator[None]:
        """Hold the target for a call (a thread's nested sessions share its hold); errors become TargetError."""
        from trytond.exceptions import TrytonException

        if getattr(self._local, "held", False):
            yield
            return
        with self._gate:
            self._local.held = True
            try:
                if self._config is None:
                    self._config = connect(self.database)
                if isinstance(self.database, TrytonDatabase):
                    _use_config_file(self.database)
                yield
            except (sqlite3.OperationalError, OSError, xmlrpc.client.ProtocolError) as exc:
                if self.remote:  # the server restarted or the session expired: the next call logs in again
                    self._config = None
                raise TargetUnavailable(f"Tryton database {self.database.name}: {reason(exc)}") from exc
            except (TrytonException, xmlrpc.client.Fault) as exc:
                raise TargetError(reason(exc)) from exc
            finally:
                self._local.held = False

    def _call(self, model: str, method: str, *args: Any, **context: Any) -> Any:
        return getattr(self._config.get_proxy(model), method)(*args, {**self._config.context, **context})

    def _read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return self._call(model, "search_read", domain, 0, None, None, fields, **ALL)

    def _company(self) -> dict[str, Any] | None:
        rows = self._read("company.company", [], ["party.name", "currency.code", "timezone"])
        return min(rows, key=lambda r: r["id"]) if rows else None

    def _require_company(self) -> int:
        if (company := self._company()) is None:
            raise Refused("no company in Tryton yet: a company item must come first")
        return company["id"]


def reason(exc: BaseException) -> str:
    """One line: Tryton's message and description, never a traceback."""
    if isinstance(exc, xmlrpc.client.Fault):  # a server's UserError: "message - description"
        return " ".join(exc.faultString.split()).removesuffix(" -").replace(" - ", " ", 1)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if description := getattr(exc, "description", ""):
        text = f"{text} {description}"
    return " ".join(str(text).split())


def _use_config_file(database: TrytonDatabase) -> None:
    import trytond.config

    folder = str(database.path.parent.resolve())
    if trytond.config.get("database", "path", default=None) != folder:
        trytond.config.update_etc(str(database.config_file))
