"""Fixtures shared by every test: isolated erpflow homes and event stores."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("ERPFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "erpflow-home"


@pytest.fixture
def postgres_url():
    """A fresh schema in the test PostgreSQL database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES}?schema={schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, home: Path) -> Settings:
    """Settings for an empty event store: SQLite under home, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return Settings(home=home, event_store="", actor="tester")
    return Settings(home=home, event_store=request.getfixturevalue("postgres_url"), actor="tester")
