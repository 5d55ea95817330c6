"""structlog through the standard library, so erpflow's lines reach Prefect's UI with their context."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def to_file(path: Path) -> Iterator[None]:
    """While inside, every log line that would reach the terminal (Prefect's, erpflow's) goes to ``path`` instead;
    enter it after Prefect has set up its logging. The terminal's handlers are put back on the way out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(path, encoding="utf-8")
    file.setFormatter(logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"))
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    moved = {logger: [h for h in logger.handlers if _to_terminal(h)] for logger in loggers}
    moved = {logger: handlers for logger, handlers in moved.items() if handlers}
    for logger, handlers in moved.items():
        for handler in handlers:
            logger.removeHandler(handler)
        logger.addHandler(file)
    if root not in moved:
        root.addHandler(file)
    try:
        yield
    finally:
        for logger in {root, *moved}:
            logger.removeHandler(file)
        for logger, handlers in moved.items():
            for handler in handlers:
                logger.addHandler(handler)
        file.close()


def _to_terminal(handler: logging.Handler) -> bool:
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    return handler.stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
