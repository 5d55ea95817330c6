"""Per-wave reads: the CLI's read commands on one wave, in a store crowded with other waves vs the wave alone.

The wave is a real pilot run (an HR export of 300 people, 100 of them at the wave's site, and the whole
cycle; `erpflow run deployments/plans/pilot.yaml`, 15-40 s), or the store of one given with ``--wave-home``. Its
stored events are copied, with their wave, after ``others`` events of other waves written through the ledger as
bench/ledger.py writes them; the store holding the wave alone is a copy of the run's own store. Each command
runs in-process through typer's CliRunner, as `erpflow COMMAND` runs it; rounds alternate between the two stores
and the best of each side counts.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

from bench.figures import Figure, fill, say, timed

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "deployments" / "plans" / "pilot.yaml"
WAVE = "pilot"


def run_pilot(home: Path, tryton_template: Path) -> Path:
    """A home holding the pilot wave, run through the CLI in a subprocess."""
    env = {**os.environ, "ERPFLOW_HOME": str(home), "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template)}
    env.pop("ERPFLOW_EVENT_STORE", None)
    subprocess.run(
        [sys.executable, "-m", "erpflow.cli", "run", str(PLAN)], env=env, cwd=REPO, check=True, capture_output=True
    )
    return home


def _copy_store(source: Path, home: Path) -> None:
    home.mkdir(parents=True)
    with sqlite3.connect(source / "events.sqlite") as old, sqlite3.connect(home / "events.sqlite") as new:
        old.backup(new)
    new.close()
    old.close()


def _crowd(source: Path, home: Path, others: int) -> int:
    """A store of ``others`` events of other waves, then the wave's own events, each with its wave; the total."""
    from eventsourcing.persistence import StoredEvent

    from erpflow.application.ledger import Ledger
    from erpflow.projections.items import update
    from erpflow.settings import Settings

    ledger = Ledger(Settings(home=home))
    total = fill(ledger, others)
    with sqlite3.connect(source / "events.sqlite") as old:
        rows = old.execute(
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state, w.wave FROM "
            f"{ledger.recorder.events_table_name} e JOIN erpflow_waves w ON w.position = e.rowid "
            "ORDER BY e.rowid"
        ).fetchall()
    old.close()
    ledger.recorder.insert_events(
        [StoredEvent(originator_id=UUID(r[0]), originator_version=r[1], topic=r[2], state=r[3]) for r in rows],
        waves=[r[4] for r in rows],
    )
    update(ledger)  # the items read model as the runs of these waves leave it when they complete
    return total + len(rows)


def _moment(home: Path) -> str:
    """The time of the wave's middle event: what `show --at` is asked for."""
    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    events = [event for _, event in Ledger(Settings(home=home)).wave_events(WAVE)]
    return events[len(events) // 2].timestamp.isoformat()


def reads(
    folder: Path, tryton_template: Path | None, others: int = 1_000_002, rounds: int = 7, wave_home: Path | None = None
) -> list[Figure]:
    from typer.testing import CliRunner

    from erpflow.cli import app

    source = wave_home or run_pilot(folder / "pilot", tryton_template)
    alone, crowded = folder / "reads-alone", folder / "reads-crowded"
    _copy_store(source, alone)
    total = _crowd(source, crowded, others)
    own = total - others // 3 * 3
    say(f"  reads: {total:,} events in the crowded store, {own} of them the wave's")
    at = _moment(alone)
    commands = [
        ("history", ["history", WAVE]),
        ("status", ["status", WAVE]),
        ("items", ["items", WAVE]),
        ("show --at", ["show", WAVE, "--at", at]),
        ("report", ["report", WAVE]),
    ]
    runner = CliRunner()
    env: dict[str, str | None] = {"ERPFLOW_EVENT_STORE": None}

    def invoke(home: Path, args: list[str]) -> str:
        result = runner.invoke(app, args, env={**env, "ERPFLOW_HOME": str(home)}, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        return result.output

    # the first `items` on each store brings the wave's rows of the items read model up to date (tracked per wave,
    # from its first event); timed apart
    first = {home: timed(lambda home=home: invoke(home, ["items", WAVE])) for home in (alone, crowded)}
    best: dict[tuple[str, Path], float] = {}
    outputs: dict[tuple[str, Path], str] = {}
    for _ in range(rounds):
        for name, args in commands:
            for home in (alone, crowded):
                output = ""

                def work(home: Path = home, args: list[str] = args) -> None:
                    nonlocal output
                    output = invoke(home, args)

                seconds = timed(work)
                best[name, home] = min(best.get((name, home), float("inf")), seconds)
                outputs[name, home] = output
    figures = []
    for name, _ in commands:
        # positions differ between the stores, not what is shown: the same lines on each
        lines = [len(outputs[name, home].splitlines()) for home in (alone, crowded)]
        assert lines[0] == lines[1], f"`{name}` differs between the stores: {lines}"
        seconds, baseline = best[name, crowded], best[name, alone]
        figures.append(
            Figure(
                "Per-wave reads",
                f"`erpflow {name}` of the pilot wave (300 people, {own} events) "
                f"beside {others:,} events of other waves, SQLite",
                seconds,
                baseline,
                f"the same on a store holding the wave alone (best of {rounds})",
                "s",
                "< 1 s and <= 1.2x",
                seconds < 1 and seconds / baseline <= 1.2,
            )
        )
    figures.append(
        Figure(
            "Per-wave reads",
            f"first `erpflow items` of the wave beside {others:,} events of other "
            "waves (its rows of the read model brought up to date), SQLite",
            first[crowded],
            first[alone],
            "the same on a store holding the wave alone",
            "s",
            "",
            None,
        )
    )
    return figures
