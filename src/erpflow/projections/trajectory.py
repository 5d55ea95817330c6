"""The trajectory of a roll-out: every wave plan of a folder in order, where each stands, and what remains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.inputs.plan import WavePlan, load_plan
from erpflow.model.decisions import GateDecisions
from erpflow.model.errors import InputError
from erpflow.model.run import Runs
from erpflow.model.vocabulary import Decision
from erpflow.model.wave import Wave


@dataclass
class WaveStep:
    name: str
    kind: str
    sites: list[str]
    after: str | None
    training: tuple[date, date]  # first and last day of the planned training calendars
    state: str = "not started"
    gate: str = ""  # the latest recorded decision: go, no-go, or empty
    started: datetime | None = None
    finished: datetime | None = None  # when its gate went go
    remaining: timedelta | None = None  # estimated time until its gate goes go

    @property
    def cycle_time(self) -> timedelta | None:
        return self.finished - self.started if self.started and self.finished else None


@dataclass
class Trajectory:
    waves: list[WaveStep]
    cycle_time: timedelta | None  # the mean measured from start to go, over the waves that reached it
    remaining: timedelta | None  # until the last wave's go, along the longest chain of `after:`


def read_plans(folder: Path) -> list[WavePlan]:
    """Every wave plan (*.yaml) of a folder; a file that is not a valid plan is an error naming it."""
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise InputError(str(folder), "no wave plan (*.yaml) in this folder")
    plans = [load_plan(path)[0] for path in paths]
    names = [p.wave for p in plans]
    for plan, path in zip(plans, paths, strict=True):
        if names.count(plan.wave) > 1:
            raise InputError(str(path), f"wave {plan.wave!r} is planned by more than one file")
        if plan.after is not None and plan.after not in names:
            raise InputError(str(path), f"after: {plan.after!r} is not a wave planned in {folder}")
    return _ordered(plans, paths)


def _ordered(plans: list[WavePlan], paths: list[Path]) -> list[WavePlan]:
    """Each wave after the one it follows; otherwise by first training day."""
    remaining = sorted(plans, key=lambda p: (min(c.start_date for c in p.training.calendars), p.wave))
    ordered: list[WavePlan] = []
    while remaining:
        ready = next((p for p in remaining if p.after is None or p.after in {o.wave for o in ordered}), None)
        if ready is None:
            cycle = remaining[0]
            raise InputError(
                str(paths[plans.index(cycle)]),
                f"waves {', '.join(p.wave for p in remaining)} follow each other in a circle (after:)",
            )
        ordered.append(ready)
        remaining.remove(ready)
    return ordered


def trajectory(ledger: Ledger, plans: list[WavePlan], now: datetime | None = None) -> Trajectory:
    now = now or datetime.now(UTC)
    steps = {
        p.wave: WaveStep(
            p.wave,
            p.kind,
            list(p.sites),
            p.after,
            (min(c.start_date for c in p.training.calendars), max(c.end_date for c in p.training.calendars)),
        )
        for p in plans
    }
    for _, event in ledger.read_log():
        step = steps.get(getattr(event, "ctx", {}).get("wave", ""))
        if step is None:
            continue
        if isinstance(event, (Runs.Started, Wave.Started)) and step.started is None:
            step.started = event.timestamp
        elif isinstance(event, (GateDecisions.Decided, Wave.GateDecided)):
            step.gate = event.decision
            step.finished = event.timestamp if event.decision == Decision.GO else None
    for step in steps.values():
        if (found := waves.find(ledger, step.name)) is not None:
            step.state = found.state
    return estimate(list(steps.values()), now)


def estimate(steps: list[WaveStep], now: datetime) -> Trajectory:
    """Each wave's remaining time from the mean cycle time measured so far, and the whole along the longest
    chain of waves that follow each other. ``steps`` come in order: a wave after the one it follows."""
    measured = [s.cycle_time for s in steps if s.cycle_time is not None]
    if not measured:
        return Trajectory(steps, None, None)
    mean = sum(measured, timedelta()) / len(measured)
    until: dict[str, timedelta] = {}
    for step in steps:
        if step.finished:
            step.remaining = timedelta()
        elif step.started:
            step.remaining = max(mean - (now - step.started), timedelta())
        else:
            step.remaining = mean
        until[step.name] = until.get(step.after or "", timedelta()) + step.remaining
    return Trajectory(steps, mean, max(until.values()))
