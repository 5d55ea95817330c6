"""The environment Prefect needs here, set before Prefect is imported."""

from __future__ import annotations

import os
from pathlib import Path

from erpflow.settings import Settings


def prepare_prefect_env(settings: Settings) -> None:
    """Defaults only: a value already in the environment wins."""
    defaults = {
        "PREFECT_HOME": str((settings.home / "prefect").resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "erpflow",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
