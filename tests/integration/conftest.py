"""Fixtures for integration tests: a Tryton template built once, a fresh database per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ERPFLOW_TEST_CACHE", REPO / ".erpflow" / "test-cache"))


@pytest.fixture(scope="session")
def tryton_template() -> Path:
    """The template database, cached across sessions per trytond version (rebuilt if missing)."""
    import trytond

    from erpflow.targets.tryton_db import ensure_template

    return ensure_template(CACHE / f"tryton-{trytond.__version__}")


@pytest.fixture(scope="session")
def tryton_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every test database of the session: trytond's SQLite folder is process-wide."""
    return tmp_path_factory.mktemp("tryton")


@pytest.fixture
def tryton_db(tryton_home: Path, tryton_template: Path):
    """A fresh database copied from the template, under a unique name (trytond caches pools by name)."""
    from erpflow.targets.tryton_db import ensure_database

    database = ensure_database(tryton_home, f"t{uuid.uuid4().hex[:12]}", template=tryton_template)
    yield database
    for path in tryton_home.glob(f"{database.name}.sqlite*"):
        path.unlink()


@pytest.fixture
def tryton(tryton_db):
    """A TrytonTarget on the fresh database; emails are checked for syntax only (no DNS here)."""
    from erpflow.targets.tryton import TrytonTarget

    return TrytonTarget(tryton_db, check_email_dns=False)
