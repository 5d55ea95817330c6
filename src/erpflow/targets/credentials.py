"""Credentials for the targets: from erpflow's settings (the environment), else from a Prefect Secret block.

Block names: erpflow-smtp-password, erpflow-tryton-password, erpflow-scim-token. A credential is a SecretStr
from here on: its value is read only where it is sent, never logged or recorded.
"""

from __future__ import annotations

from pydantic import SecretStr

from erpflow.settings import Settings

BLOCKS = {
    "smtp_password": "erpflow-smtp-password",
    "tryton_password": "erpflow-tryton-password",
    "scim_token": "erpflow-scim-token",
}


def credential(settings: Settings, name: str) -> SecretStr | None:
    """The setting if set; otherwise the Prefect Secret block of that name, when Prefect has one."""
    value = getattr(settings, name)
    if value is not None and value.get_secret_value():
        return value
    try:
        from prefect.blocks.system import Secret

        block = Secret.load(BLOCKS[name])
        assert isinstance(block, Secret)  # called outside an event loop, Prefect's load returns the block itself
        return SecretStr(str(block.get()))
    except ValueError:  # no such block
        return None
