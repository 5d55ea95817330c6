"""One accounts operation of N people through the flow, in a process of its own: prints wall time, events, peak RSS.

Usage: python -m bench.scale N FOLDER TEMPLATE (PREFECT_API_URL names a running server).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def main(people: int, folder: Path, template: Path) -> dict[str, float]:
    from bench.workload import accounts_plan

    plan = accounts_plan(folder, people, database=f"scale{people}")
    os.environ.update(ERPFLOW_HOME=str(folder / "home"), ERPFLOW_TRYTON_TEMPLATE=str(template))
    from erpflow.application.ledger import Ledger
    from erpflow.orchestration.flows import run_wave
    from erpflow.settings import Settings

    start = time.perf_counter()
    state = run_wave(str(plan), only="accounts", return_state=True)
    wall = time.perf_counter() - start
    assert state.is_completed(), state.message
    events = sum(1 for _ in Ledger(Settings()).read_log())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"people": people, "wall_s": wall, "events": events, "people_per_s": people / wall, "peak_rss_mb": peak}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
