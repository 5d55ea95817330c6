"""The hash chain over the notification log.

Each record's digest covers the previous digest and the record as stored: its position, aggregate id and
version, event topic and the bytes of its state. The event store's recorder writes each digest into
``erpflow_chain`` in the transaction that stores the record (see erpflow.store.chained).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from erpflow.store.chained import GENESIS, link

__all__ = ["GENESIS", "PAGE", "link", "notifications"]
PAGE = 1000


def notifications(ledger: Any, start: int = 1) -> Iterator[Any]:
    """The stored records of the log from ``start`` on, as stored (state bytes undecoded)."""
    while True:
        page = ledger.recorder.select_notifications(start, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1
