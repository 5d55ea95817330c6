"""Verifying the log against its hash chain, record by record, in pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DataError, Notification

from erpflow.application.ledger import Ledger
from erpflow.audit.chain import GENESIS, PAGE, link
from erpflow.store.chained import ChainedRecorder

INSERTED = "a record the chain does not know: inserted (or its chain row deleted)"
DELETED = "a chained record is missing: deleted"
EDITED = "its content differs from what was chained: edited or reordered"
REWRITTEN = "the chain table was rewritten: a seal does not match"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int  # records whose digest matched
    position: int | None = None  # the first position where the log differs from its chain
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"verified: {self.checked} events, every one as it was chained"
        return f"position {self.position}: {self.problem} ({self.checked} events before it verified)"


def verify(ledger: Ledger) -> Verdict:
    """Recompute the chain over the log and compare it with the stored digests, record by record.

    Each page of records is read before its chain rows: a record and its digest are committed together, so a
    run writing meanwhile is never mistaken for tampering.
    """
    chained = ledger.chain
    previous, checked, start = GENESIS, 0, 1
    seals: list[Any] = []
    while True:
        records = _page(ledger, start)
        stop = records[-1].id if len(records) == PAGE else None
        chain = chained.select_chain(start, stop)
        if (
            stop is None
            and chain
            and (not records or chain[-1][0] > records[-1].id)
            and len(_page(ledger, start)) > len(records)
        ):
            continue  # records were written after this page was read: read it again
        digests = iter(chain)
        for record in records:
            position, digest = next(digests, (None, None))
            if position is None or position > record.id:
                return Verdict(False, checked, record.id, INSERTED)
            if position < record.id:
                return Verdict(False, checked, position, DELETED)
            previous = link(
                previous, record.id, record.originator_id, record.originator_version, record.topic, record.state
            )
            if previous != digest:
                return Verdict(False, checked, record.id, EDITED)
            if record.topic.endswith("Wave.Sealed"):  # written by erpflow before each write was chained
                seals.append(ledger.to_event(record))
            checked += 1
        missing = next(digests, None)
        if missing is not None:
            return Verdict(False, checked, missing[0], DELETED)
        if stop is None:
            break
        start = stop + 1
    for sealed in seals:
        if _digest_at(chained, sealed.position) != sealed.head:
            return Verdict(False, checked, sealed.position, REWRITTEN)
    return Verdict(True, checked)


def _page(ledger: Ledger, start: int) -> list[Notification]:
    """A page of records from ``start``. A record whose aggregate id is not a UUID keeps it as stored: its digest
    then differs from the chain's at its own position."""
    try:
        return list(ledger.recorder.select_notifications(start, PAGE))
    except DataError:
        return [
            Notification(id=position, originator_id=_uuid_or_text(stored), originator_version=v, topic=t, state=s)
            for position, stored, v, t, s in ledger.chain.select_rows(start, PAGE)
        ]


def _uuid_or_text(stored: Any) -> Any:
    try:
        return UUID(str(stored))
    except ValueError:
        return stored


def _digest_at(chained: ChainedRecorder, position: int) -> str | None:
    if position == 0:
        return GENESIS
    rows = chained.select_chain(position, position)
    return rows[0][1] if rows else None
