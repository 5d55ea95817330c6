"""What keeping the Prefect UI live costs a run: the accounts of N people through the flow (then a rerun that skips
every batch) with the live view (progress and counts per batch, events mirrored and the anomalies table as batches
finish) against the same flow telling Prefect as it did before (a progress value per batch, the events mirrored once
per operation). Both in this process, on databases of their own, against one Prefect server, after a warm-up run,
alternating, the best of two rounds each.

Usage: python -m bench.live [N [BATCH_SIZE]] (PREFECT_API_URL names a running server; else a temporary one starts).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROUNDS = 2  # each side, alternating; the best of each counts


class Before:
    """The flow's Prefect side as it was: the progress value per batch, the events mirrored once per operation."""

    def __init__(self, ledger: Any, wave: str):
        from erpflow.orchestration.live import LiveView

        self.view = LiveView(ledger, wave)

    def __enter__(self) -> Before:
        self.view.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.view.__exit__(*exc)

    def started(self, operation: str, batches: Sequence[Any]) -> None:
        from erpflow.orchestration.live import Tally

        self.view.tallies[operation] = Tally(len(batches), 0)
        self.view._create_progress(operation)

    def finished(self, operation: str, batch: Any, result: Any) -> None:
        from prefect.artifacts import update_progress_artifact

        tally = self.view.tallies[operation]
        tally.add(batch.size, result)
        update_progress_artifact(self.view.progress[operation], tally.percent)

    def flush(self) -> None:
        """Nothing waits: every call above was made as the batch finished."""

    def mirror(self) -> int:
        from erpflow.orchestration import mirror

        return mirror.publish(self.view.ledger, mirror.to_prefect)


SPENT = {"seconds": 0.0, "batches": 0}  # the live view's own time, in the flow's thread


def timed_view() -> type:
    """The live view, timing its own work as each batch finishes."""
    import time

    from erpflow.orchestration.live import LiveView

    class Timed(LiveView):
        def finished(self, operation: str, batch: Any, result: Any) -> None:
            start = time.perf_counter()
            super().finished(operation, batch, result)
            SPENT["seconds"] += time.perf_counter() - start
            SPENT["batches"] += 1

    return Timed


def run(folder: Path, people: int, batch_size: int, template: Path, live: bool) -> tuple[float, float]:
    """Seconds of the first run and of the rerun."""
    from bench.figures import timed
    from bench.workload import accounts_plan

    name = f"{folder.name}{people}"
    plan = accounts_plan(folder, people, database=name, batch_size=batch_size)
    os.environ.update(ERPFLOW_HOME=str(folder / "home"), ERPFLOW_TRYTON_TEMPLATE=str(template))
    from erpflow.orchestration import flows
    from erpflow.settings import Settings
    from erpflow.targets.tryton import TrytonTarget
    from erpflow.targets.tryton_db import ensure_database

    warm = TrytonTarget(ensure_database(Settings().tryton_home, name, template), check_email_dns=False)
    warm.count("res.user")  # the first use of a database loads its pool: counted on neither side
    flows.LiveView = timed_view() if live else Before  # type: ignore[misc, assignment]
    states = []
    first = timed(lambda: states.append(flows.run_wave(str(plan), only="accounts", return_state=True)))
    again = timed(lambda: states.append(flows.run_wave(str(plan), only="accounts", return_state=True)))
    assert all(state.is_completed() for state in states), [state.message for state in states]
    return first, again


def main(people: int, batch_size: int) -> None:
    from bench.__main__ import template
    from erpflow.orchestration.prefect_env import start_temporary_server

    tryton = template()
    with tempfile.TemporaryDirectory() as scratch:
        if not os.environ.get("PREFECT_API_URL"):
            os.environ["PREFECT_API_URL"] = start_temporary_server(Path(scratch))
        os.environ.setdefault("PREFECT_HOME", str(Path(scratch) / "prefect"))
        run(Path(scratch) / "warmup", batch_size, batch_size, tryton, live=True)  # first imports and pools
        rounds = [
            (
                run(Path(scratch) / f"before{n}", people, batch_size, tryton, live=False),
                run(Path(scratch) / f"live{n}", people, batch_size, tryton, live=True),
            )
            for n in range(ROUNDS)
        ]
        before = (min(r[0][0] for r in rounds), min(r[0][1] for r in rounds))
        after = (min(r[1][0] for r in rounds), min(r[1][1] for r in rounds))
    batches = -(-people // batch_size)
    for what, new, old in (("first run", after[0], before[0]), ("rerun, every batch skipped", after[1], before[1])):
        print(
            f"accounts of {people:,} people in {batches} batches, {what}: {new:.3f} s live, {old:.3f} s as before, "
            f"ratio {new / old:.2f}, {1000 * (new - old) / batches:+.1f} ms per batch"
        )
    print(
        f"the live view's own work: {1000 * SPENT['seconds'] / SPENT['batches']:.1f} ms per batch finished "
        f"(mean of {SPENT['batches']}, in the flow's thread while the next batch runs)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
