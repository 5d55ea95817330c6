"""Settings from the environment (ERPFLOW_ prefix); credentials are SecretStr."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
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
    tryton_password: SecretStr | None = Field(None, description="the password of a plan's Tryton server user")
    scim_token: SecretStr | None = Field(None, description="the bearer token of a plan's SCIM server")
    tryton_template: Path | None = Field(
        None, description="a prepared Tryton template database file to copy instead of building one"
    )
    programme: str = Field(
        "default",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
        description="the programme whose accounts erpflow manages (marked in the targets)",
    )
    lease_seconds: float = Field(600, gt=0, description="how long a run holds its wave without renewing")
    batch_retries: int = Field(2, ge=0, description="retries of a batch on a transient target error")
    retry_delay_seconds: float = Field(2, ge=0, description="first retry delay, doubled at each retry")
    parallel_batches: int = Field(4, ge=1, description="batches of one operation run at once")
    target_concurrency: int = Field(
        4, ge=1, description="calls in flight at once to one Tryton server or SCIM server (an embedded ERP: one)"
    )
    max_input_bytes: int = Field(4_000_000, gt=0, description="the largest YAML file (plan, method) read, in bytes")
    anchor_key: SecretStr | None = Field(
        None,
        description="the Ed25519 key signing chain anchors (PEM, or 32 bytes in hex); "
        "unset: a key generated under home on first use",
    )
    check_email_dns: bool = Field(
        False, description="let Tryton also check that every e-mail domain resolves (needs DNS)"
    )

    @field_validator("actor")
    @classmethod
    def _one_printable_line(cls, actor: str) -> str:
        from erpflow.model.context import check_actor
        from erpflow.model.errors import CommandRefused

        try:
            return check_actor(actor)
        except CommandRefused as exc:
            raise ValueError(str(exc).replace(f" {actor!r}", "")) from None

    @property
    def events_path(self) -> Path:
        return self.home / "events.sqlite"

    @property
    def anchors_path(self) -> Path:
        return self.home / "anchors"

    @property
    def anchor_key_path(self) -> Path:
        return self.home / "anchor-key.pem"

    @property
    def tryton_home(self) -> Path:
        return self.home / "tryton"


def load_settings() -> Settings:
    """The settings from the environment; a value that does not validate is one SettingsError naming it."""
    from pydantic import ValidationError

    from erpflow.model.errors import SettingsError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = "ERPFLOW_" + "_".join(str(part) for part in first["loc"][:1]).upper()
        value = first.get("input")
        reason = first["msg"].removeprefix("Value error, ")
        raise SettingsError(variable, reason, value if isinstance(value, str) else "") from None
