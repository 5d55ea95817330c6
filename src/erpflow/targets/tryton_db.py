"""The embedded Tryton database: SQLite files under one home, copied from a template built once.

Layout of a home: ``trytond.conf``, ``admin.pass`` (random admin password, mode 600),
``erpflow_template.sqlite`` and one ``NAME.sqlite`` per database. The template is built under a file lock
(``erpflow_template.lock``), so never twice at once; a build or a copy killed midway leaves files named after
its process, removed at the next start.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog

from erpflow.children import dying_with_parent, remove_stale
from erpflow.targets.errors import TargetError

log = structlog.stdlib.get_logger("erpflow.tryton")

MODULES = ("company", "party", "country", "currency", "account", "product")
TEMPLATE = "erpflow_template"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$")
_BUILD = TEMPLATE + r"_build(?P<pid>\d+)\.sqlite.*"
_COPY = r"\..+\.copy(?P<pid>\d+)"
_ADMIN = "import sys; from trytond.cli.admin import main; sys.argv[0] = 'trytond-admin'; sys.exit(main())"


class TrytonSetupError(TargetError):
    """The Tryton database could not be created."""


@dataclass(frozen=True)
class TrytonDatabase:
    config_file: Path
    name: str
    path: Path


def write_config(home: Path) -> Path:
    """The trytond configuration of a home (SQLite files in the home itself)."""
    home.mkdir(parents=True, exist_ok=True)
    conf = home / "trytond.conf"
    text = f"[database]\nuri = sqlite://\npath = {home.resolve()}\n"
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    return conf


def ensure_template(home: Path) -> Path:
    """The template database file of ``home``, built if missing (about 15 s on a quiet machine); a process
    asking while another builds it waits for that build."""
    conf = write_config(home)
    final = home / f"{TEMPLATE}.sqlite"
    if final.exists():
        remove_stale(home, _BUILD)
        return final
    with _locked(home / f"{TEMPLATE}.lock"):
        if final.exists():
            return final
        for leftover in home.glob(f"{TEMPLATE}_build*.sqlite*"):  # a killed build's: none runs, we hold the lock
            leftover.unlink()
        log.info("building the Tryton template database, once per home (about 20 s)", home=str(home))
        _build(home, conf, final)
    return final


def _build(home: Path, conf: Path, final: Path) -> None:
    build = f"{TEMPLATE}_build{os.getpid()}"
    (home / f"{build}.sqlite").touch()
    try:
        initialise(conf, build, _password_file(home))
        _checkpoint(home / f"{build}.sqlite")
        os.replace(home / f"{build}.sqlite", final)
    finally:
        for leftover in home.glob(f"{build}.sqlite*"):
            leftover.unlink()


def initialise(conf: Path, name: str, password_file: Path) -> None:
    """Set up the existing, empty database ``name`` of the trytond configuration ``conf`` as the template is:
    erpflow's modules and the reference data, the admin's password read from ``password_file``."""
    env = {**_clean_env(), "TRYTONPASSFILE": str(password_file)}
    # An empty line answers the admin email prompt: --email checks the domain in DNS.
    _run([sys.executable, "-c", _ADMIN, "-c", str(conf), "-d", name, "--all"], env, stdin="\n")
    _run([sys.executable, "-c", _ADMIN, "-c", str(conf), "-d", name, "-u", *MODULES, "--activate-dependencies"], env)
    _run([sys.executable, "-m", __name__, str(conf), name], env)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``, released when the block ends or the process dies."""
    with open(path, "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def ensure_database(home: Path, name: str, template: Path | None = None) -> TrytonDatabase:
    """The database ``name`` under ``home``, copied from ``template`` (built in ``home`` if not given)."""
    if not _NAME.match(name):
        raise TrytonSetupError(f"invalid Tryton database name {name!r}")
    conf = write_config(home)
    remove_stale(home, _COPY)
    path = home / f"{name}.sqlite"
    if not path.exists():
        source = template if template is not None else ensure_template(home)
        if not source.exists():
            raise TrytonSetupError(f"Tryton template {source} does not exist")
        partial = path.with_name(f".{name}.copy{os.getpid()}")
        log.info("creating the Tryton database", database=name, path=str(path))
        shutil.copyfile(source, partial)
        os.replace(partial, path)
    return TrytonDatabase(config_file=conf, name=name, path=path)


def _password_file(home: Path) -> Path:
    path = home / "admin.pass"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(24) + "\n")
    return path


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TRYTON")}


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> None:
    try:
        done = subprocess.run(
            args, env=env, input=stdin, capture_output=True, text=True, timeout=1800, preexec_fn=dying_with_parent()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TrytonSetupError(f"Tryton setup failed: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise TrytonSetupError(f"Tryton setup failed (exit {done.returncode}):\n{tail}")


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def load_reference_data(config_file: str, name: str) -> None:
    """All ISO 4217 currencies and ISO 3166-1 countries from pycountry (no subdivisions: ~90 s more)."""
    import pycountry
    from proteus import Model, config
    from trytond.tools import remove_forbidden_chars

    ctx = config.set_trytond(database=name, config_file=config_file).context
    for model, key, rows in (
        (
            "currency.currency",
            "code",
            [
                {"code": c.alpha_3, "name": remove_forbidden_chars(c.name), "numeric_code": c.numeric}
                for c in pycountry.currencies
            ],
        ),
        (
            "country.country",
            "code",
            [
                {
                    "code": c.alpha_2,
                    "code3": c.alpha_3,
                    "code_numeric": c.numeric,
                    "name": remove_forbidden_chars(c.name),
                }
                for c in pycountry.countries
            ],
        ),
    ):
        proxy = Model.get(model)._proxy
        have = {r[key] for r in proxy.search_read([], 0, None, None, [key], {**ctx, "active_test": False})}
        proxy.create([row for row in rows if row[key] not in have], ctx)


if __name__ == "__main__":
    load_reference_data(sys.argv[1], sys.argv[2])
