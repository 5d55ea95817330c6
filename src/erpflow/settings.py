"""Settings from the environment (ERPFLOW_ prefix); credentials are SecretStr."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ERPFLOW_", extra="ignore")

    home: Path = Field(Path(".erpflow"), description="where the embedded event store and ERP live")
    event_store: SecretStr = Field(SecretStr(""), description="empty: SQLite under home; or postgresql://...")
    method: Path | None = Field(None, description="the method folder; default: domain/ beside or above the plan")
    actor: str = Field(default_factory=_user, description="who runs erpflow, recorded in every event")
    smtp_password: SecretStr | None = None
    tryton_template: Path | None = Field(
        None, description="a prepared Tryton template database file to copy instead of building one")
    check_email_dns: bool = Field(
        False, description="let Tryton also check that every e-mail domain resolves (needs DNS)")

    @property
    def events_path(self) -> Path:
        return self.home / "events.sqlite"

    @property
    def tryton_home(self) -> Path:
        return self.home / "tryton"
