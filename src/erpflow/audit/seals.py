"""Sealing the log at the end of each operation and wave, and verifying it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from erpflow.application.ledger import Ledger
from erpflow.model.context import Context
from erpflow.audit.chain import GENESIS, ChainStore, extend, link, notifications


def seal(ledger: Ledger, ctx: Context) -> int:
    """Extend the chain to the end of the log, record its head on the wave, and chain that record too."""
    store = ChainStore(ledger.store_env)
    position, head = extend(ledger, store)
    wave = ledger.wave(ctx.wave)
    wave.seal(position, head, ctx.as_dict())
    ledger.save(wave)
    return extend(ledger, store)[0]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int  # records whose digest matched
    position: int | None = None  # the first position where the log differs from its chain
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"verified: {self.checked} events, every one as it was sealed"
        return f"position {self.position}: {self.problem} ({self.checked} events before it verified)"


def verify(ledger: Ledger) -> Verdict:
    """Recompute the chain over the log and compare it with the sealed digests, record by record."""
    chain = ChainStore(ledger.store_env).digests()
    expected = iter(sorted(chain))
    previous, checked, seals = GENESIS, 0, []
    for record in notifications(ledger):
        want = next(expected, None)
        if want is None:
            return Verdict(False, checked, record.id, "a record no seal covers: written after the last seal (by a run in progress) or inserted")
        if want < record.id:
            return Verdict(False, checked, want, "a sealed record is missing: deleted")
        if want > record.id:
            return Verdict(False, checked, record.id, "a record the chain does not know: inserted")
        digest = link(previous, record.id, record.originator_id, record.originator_version, record.topic,
                      record.state)
        if digest != chain[record.id]:
            return Verdict(False, checked, record.id, "its content differs from what was sealed: edited or reordered")
        if record.topic.endswith("Wave.Sealed"):
            seals.append(ledger.mapper.to_domain_event(record))
        previous, checked = digest, checked + 1
    missing = next(expected, None)
    if missing is not None:
        return Verdict(False, checked, missing, "a sealed record is missing: deleted")
    for sealed in seals:
        if chain.get(sealed.position, GENESIS if sealed.position == 0 else None) != sealed.head:
            return Verdict(False, checked, sealed.position, "the chain table was rewritten: a seal does not match")
    return Verdict(True, checked)


def sealed_heads(ledger: Ledger) -> list[dict[str, Any]]:
    return [{"position": e.position, "head": e.head} for _, e in ledger.read_log()
            if type(e).__qualname__ == "Wave.Sealed"]
