"""structlog through the standard library, so erpflow's lines reach Prefect's UI with their context."""

from __future__ import annotations

import logging
import re
from typing import Any

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict

SECRET = re.compile(r"pass(word)?|secret|token|api_?key|authorization", re.IGNORECASE)
REDACTED = "**********"


def redact(_: Any, __: str, event: EventDict) -> EventDict:
    """Mask any value whose key names a secret, and every SecretStr."""
    return {k: REDACTED if (SECRET.search(k) or isinstance(v, SecretStr)) else v for k, v in event.items()}


def render(_: Any, __: str, event: EventDict) -> str:
    message = event.pop("event", "")
    event.pop("level", None)
    return " ".join([str(message), *(f"{k}={v}" for k, v in sorted(event.items()))])


def configure(level: int = logging.INFO) -> None:
    """One processor chain for every erpflow logger (named erpflow.*)."""
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level, redact, render],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.getLogger("erpflow").setLevel(level)
