"""Where a wave stands, per operation, rebuilt from its events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.application.waves import WaveView
from erpflow.model.batch import Batch
from erpflow.model.errors import CommandRefused
from erpflow.model.ids import attendance_id, gate_id, runs_id, wave_id
from erpflow.model.vocabulary import BatchState, OperationState

ITEM_STATUSES = ("created", "updated", "unchanged", "sent", "confirmed", "rejected")


@dataclass
class OperationStatus:
    operation: str
    state: str = OperationState.NOT_STARTED
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
    outcomes: list[tuple[str, dict]] = field(default_factory=list)  # (operation, outcome) of batches done
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)  # section -> leave_out rule -> rows


def wave_status(ledger: Ledger, name: str, at: int | None = None) -> WaveStatus:
    """The state of every operation from the wave's streams and its batches' streams; with ``at``, as it was
    when the log ended at that position (each stream read up to its last event at or before it)."""
    wave, batch = _readers(ledger, name, at)
    operations, outcomes = [], []
    for op in wave.cycle:
        status = OperationStatus(op)
        recorded = wave.operations.get(op)
        if recorded:
            status.state = recorded["state"]
            status.batches = len(recorded["batches"])
            status.batches_skipped = recorded["summary"].get("batches_skipped", 0)
            for key in recorded["batches"]:
                found = batch(op, key)
                if found is None:
                    continue
                status.batches_done += found.done
                status.batches_failed += found.status == BatchState.FAILED
                status.batches_in_doubt += found.in_doubt
                status.items.update(found.counts)
                outcomes += [(op, outcome) for outcome in found.outcomes] if found.done else []
        operations.append(status)
    state = _state(wave) if at is None else wave.state
    return WaveStatus(
        wave.name,
        wave.kind,
        wave.sites,
        state,
        len(wave.runs),
        operations,
        dict(wave.reconciliations),
        outcomes,
        wave.rows_left_out,
    )


def _readers(ledger: Ledger, name: str, at: int | None) -> tuple[WaveView, Callable[[str, str], Batch | None]]:
    if at is None:
        return waves.view(ledger, name), lambda op, key: ledger.batch(name, op, key)
    versions: dict[UUID, int] = {}
    for position, event in ledger.wave_events(name):
        if position > at:
            break
        versions[event.originator_id] = event.originator_version
    if wave_id(name) not in versions:
        ledger.wave(name)  # an unknown wave is its own error
        raise CommandRefused(f"wave {name!r} had no event yet at position {at}")

    def get(aggregate: UUID) -> Any:
        return ledger.repository.get(aggregate, version=versions[aggregate]) if aggregate in versions else None

    wave = get(wave_id(name))
    runs, sheets, decisions = get(runs_id(name)), get(attendance_id(name)), get(gate_id(name))
    present = {**wave.carried.attendance, **(sheets.present if sheets else {})}
    view = WaveView(
        wave,
        runs.current if runs else wave.carried.runs,
        present,
        decisions.latest if decisions and decisions.latest else wave.carried.gate,
    )
    return view, lambda op, key: get(ledger.naming.batch(name, op, key))


def position_at(ledger: Ledger, name: str, moment: datetime) -> int:
    """The position of the wave's last event at or before a moment."""
    position = 0
    for found, event in ledger.wave_events(name):
        assert isinstance(event, Aggregate.Event)  # a wave's stream holds aggregate events only
        if event.timestamp > moment:
            break
        position = found
    if not position:
        ledger.wave(name)
        raise CommandRefused(f"wave {name!r} had no event yet at {moment.isoformat()}")
    return position


def _state(wave: WaveView) -> str:
    """The recorded state, except that a run whose process is gone or whose lease expired is interrupted."""
    if wave.run_id is None:
        return wave.state
    if wave.taken_over_because(datetime.now(UTC)):
        return f"interrupted (run {wave.run_id}): resume with `erpflow resume {wave.name}`"
    return f"running (run {wave.run_id})"
