"""Where a wave stands, per operation, rebuilt from its events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..lease import holder_gone
from ..ledger import Ledger
from ..model.wave import Wave

ITEM_STATUSES = ("created", "updated", "unchanged", "sent", "rejected")


@dataclass
class OperationStatus:
    operation: str
    state: str = "not started"  # not started | running | done | failed
    batches: int = 0
    batches_done: int = 0
    batches_failed: int = 0
    batches_skipped: int = 0  # in the latest run: already done before it
    batches_in_doubt: int = 0  # attempted with no outcome: the run stopped while they ran
    items: Counter[str] = field(default_factory=Counter)

    @property
    def batches_pending(self) -> int:
        return self.batches - self.batches_done - self.batches_failed - self.batches_in_doubt


@dataclass
class WaveStatus:
    name: str
    kind: str
    sites: list[str]
    state: str
    runs: int
    operations: list[OperationStatus]
    reconciliations: dict[str, dict[str, int]]


def wave_status(ledger: Ledger, name: str) -> WaveStatus:
    """The state of every operation from the Wave stream and its batches' streams."""
    wave = ledger.wave(name)
    operations = []
    for op in wave.cycle:
        status = OperationStatus(op)
        recorded = wave.operations.get(op)
        if recorded:
            status.state = recorded["state"]
            status.batches = len(recorded["batches"])
            status.batches_skipped = recorded["summary"].get("batches_skipped", 0)
            for key in recorded["batches"]:
                batch = ledger.batch(name, op, key)
                if batch is None:
                    continue
                status.batches_done += batch.done
                status.batches_failed += batch.status == "failed"
                status.batches_in_doubt += batch.in_doubt
                status.items.update(batch.counts)
        operations.append(status)
    return WaveStatus(wave.name, wave.kind, wave.sites, _state(wave), len(wave.runs), operations,
                      dict(wave.reconciliations))


def _state(wave: Wave) -> str:
    """The recorded state, except that a run whose process is gone or whose lease expired is interrupted."""
    if wave.run_id is None:
        return wave.state
    gone = wave.lease is not None and holder_gone(wave.lease.holder)
    if wave.lease_lapsed(datetime.now(UTC), gone):
        return f"interrupted (run {wave.run_id}): resume with `erpflow resume {wave.name}`"
    return f"running (run {wave.run_id})"


def markdown(status: WaveStatus) -> str:
    """A short report for a Prefect artifact or a terminal."""
    lines = [f"# Wave {status.name} ({status.kind}, {', '.join(status.sites)}): {status.state}", "",
             "| operation | state | batches done | " + " | ".join(ITEM_STATUSES) + " |",
             "|---|---|---|" + "---|" * len(ITEM_STATUSES)]
    for op in status.operations:
        counts = " | ".join(str(op.items.get(s, 0)) for s in ITEM_STATUSES)
        lines.append(f"| {op.operation} | {op.state} | {op.batches_done}/{op.batches} | {counts} |")
    if status.reconciliations:
        lines += ["", "| dataset | read | loaded | rejected | balanced |", "|---|---|---|---|---|"]
        for name, r in status.reconciliations.items():
            lines.append(f"| {name} | {r['read']} | {r['loaded']} | {r['rejected']} | "
                         f"{'yes' if r['balanced'] else 'NO'} |")
    return "\n".join(lines)
