"""structlog through the standard library, so erpflow's lines reach Prefect's UI with their context."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
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


def to_file(path: Path) -> logging.Handler:
    """Send every log line that would reach the terminal (Prefect's, erpflow's, warnings) to ``path`` instead;
    call it after Prefect has set up its logging. Answers the file's handler."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(path, encoding="utf-8")
    file.setFormatter(logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"))
    logging.captureWarnings(True)
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        terminal = [h for h in logger.handlers if _to_terminal(h)]
        for handler in terminal:
            logger.removeHandler(handler)
        if terminal and file not in logger.handlers:
            logger.addHandler(file)
    if file not in logging.getLogger().handlers:
        logging.getLogger().addHandler(file)
    return file


def _to_terminal(handler: logging.Handler) -> bool:
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    return handler.stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
