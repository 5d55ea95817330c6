"""One accounts operation of N people through the flow (or, with --bare, a bare loop of the same Tryton calls),
in a process of its own: prints wall time, events, peak RSS.

Usage: python -m bench.scale N FOLDER TEMPLATE [--bare] (PREFECT_API_URL names a running server).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def bare_loop(people: int, folder: Path, template: Path) -> dict[str, float]:
    """The same batches as the flow prepares, sent to a fresh database by a loop of Tryton calls."""
    from bench.workload import accounts_plan
    from erpflow.application.preparation import prepare
    from erpflow.targets.tryton import TrytonTarget
    from erpflow.targets.tryton_db import ensure_database

    plan = accounts_plan(folder, people, database=f"bare{people}")
    batches = prepare(plan, None).batches["accounts"]
    target = TrytonTarget(ensure_database(folder / "bare", f"bare{people}", template), check_email_dns=False)
    target.count("res.user")  # the pool loaded, as the flow's bench does before timing
    start = time.perf_counter()
    for batch in batches:
        target.upsert_users(batch.items)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"people": people, "wall_s": wall, "people_per_s": people / wall, "peak_rss_mb": peak}


def main(people: int, folder: Path, template: Path) -> dict[str, float]:
    from bench.workload import accounts_plan

    plan = accounts_plan(folder, people, database=f"scale{people}")
    os.environ.update(ERPFLOW_HOME=str(folder / "home"), ERPFLOW_TRYTON_TEMPLATE=str(template))
    from erpflow.application.ledger import Ledger
    from erpflow.orchestration.flows import run_wave
    from erpflow.settings import Settings
    from erpflow.targets.tryton import TrytonTarget
    from erpflow.targets.tryton_db import ensure_database

    settings = Settings()
    target = TrytonTarget(ensure_database(settings.tryton_home, f"scale{people}", template), check_email_dns=False)
    target.count("res.user")  # the pool loaded before timing, as for the bare loop
    start = time.perf_counter()
    state = run_wave(str(plan), only="accounts", return_state=True)
    wall = time.perf_counter() - start
    assert state.is_completed(), state.message
    assert target.count("res.user", [("login", "like", "user%")]) == people
    events = sum(1 for _ in Ledger(settings).read_log())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"people": people, "wall_s": wall, "events": events, "people_per_s": people / wall, "peak_rss_mb": peak}


if __name__ == "__main__":
    run = bare_loop if "--bare" in sys.argv else main
    print(json.dumps(run(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
