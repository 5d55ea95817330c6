"""A wave as its streams tell it: the plan and operations, its runs, attendance and the latest gate decision.

Reads the streams of today and what an older store recorded on the wave itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpflow.application.lease import holder_gone
from erpflow.application.ledger import Ledger
from erpflow.model.context import Context, code_version
from erpflow.model.decisions import Attendance, GateDecisions
from erpflow.model.ids import attendance_id, gate_id, runs_id
from erpflow.model.run import Lease, Runs, RunState
from erpflow.model.wave import Wave


def context(wave: str, actor: str, operation: str = "", flow_run_id: str = "") -> Context:
    """What every event of a command carries."""
    return Context(wave, actor, flow_run_id, operation, code_version())


def runs(ledger: Ledger, wave: Wave) -> Runs | None:
    return ledger._get(runs_id(wave.name))


def gate_decisions(ledger: Ledger, wave: str) -> GateDecisions | None:
    return ledger._get(gate_id(wave))


def attendance(ledger: Ledger, wave: str) -> Attendance | None:
    return ledger._get(attendance_id(wave))


@dataclass
class WaveView:
    """The Wave aggregate with its runs, attendance and latest decision; read-only."""

    wave: Wave
    run: RunState
    attendance: dict[str, list[str]]
    gate: dict[str, Any] | None

    def __getattr__(self, name: str) -> Any:  # name, kind, sites, cycle, plan, inputs, reconciliations...
        return getattr(self.wave, name)

    @property
    def operations(self) -> dict[str, dict[str, Any]]:
        self.wave.interrupt(self.run.run_id)
        return self.wave.operations

    @property
    def state(self) -> str:
        return self.run.state

    @property
    def run_id(self) -> str | None:
        return self.run.run_id

    @property
    def lease(self) -> Lease | None:
        return self.run.lease

    @property
    def runs(self) -> list[str]:
        return self.run.runs

    @property
    def plan_path(self) -> str:
        return self.run.plan_path

    def held_by(self) -> str:
        return self.run.held_by(self.wave.name)

    def taken_over_because(self, now: datetime) -> str | None:
        """Why the run in progress may be taken over (its process is gone, its lease expired); None while it
        holds the wave, or when no run is in progress."""
        if self.run.run_id is None:
            return None
        gone = self.run.lease is not None and holder_gone(self.run.lease.holder)
        if not self.run.lapsed(now, gone):
            return None
        return "its process is gone" if gone else "its lease expired"


def view(ledger: Ledger, name: str, wave: Wave | None = None) -> WaveView:
    """The wave named ``name`` (UnknownWave if none), or ``wave`` as read at some version, with its streams."""
    wave = wave or ledger.wave(name)
    found_runs = runs(ledger, wave)
    present = dict(wave.carried.attendance)
    if (sheets := attendance(ledger, name)) is not None:
        present.update(sheets.present)
    decisions = gate_decisions(ledger, name)
    latest = decisions.latest if decisions is not None and decisions.latest else wave.carried.gate
    return WaveView(wave, found_runs.current if found_runs else wave.carried.runs, present, latest)


def find(ledger: Ledger, name: str) -> WaveView | None:
    return view(ledger, name) if ledger.find_wave(name) is not None else None
