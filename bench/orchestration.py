"""The run path against a running Prefect server: overhead against a bare loop, a rerun that changes nothing,
throughput and memory at 100,000 people."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.figures import Figure, say, timed

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def prefect_server() -> Iterator[str]:
    """A Prefect server in a process of its own, warmed by one flow run: its first requests (database
    migrations checked, caches filled) belong to its start, not to the run measured."""
    from prefect import flow
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        pass

    with prefect_test_harness(server_startup_timeout=120):
        warm_up()
        yield PREFECT_API_URL.value()


def overhead(people: int, folder: Path, tryton_template: Path) -> Figure:
    """The accounts operation through the flow vs a bare loop of the same Tryton calls on the same batches."""
    from bench.workload import accounts_plan
    from erpflow.application.preparation import prepare
    from erpflow.orchestration.flows import run_wave
    from erpflow.settings import Settings
    from erpflow.targets.tryton import TrytonTarget
    from erpflow.targets.tryton_db import ensure_database

    work = folder / f"overhead{people}"
    plan = accounts_plan(work, people, database=f"flow{people}")
    prepared = prepare(plan, None)
    bare = TrytonTarget(ensure_database(work / "bare", f"bare{people}", tryton_template), check_email_dns=False)
    bare.count("res.user")  # the first use of a database loads its pool: not counted on either side
    baseline = timed(lambda: [bare.upsert_users(b.items) for b in prepared.batches["accounts"]])

    os.environ.update(ERPFLOW_HOME=str(work / "home"), ERPFLOW_TRYTON_TEMPLATE=str(tryton_template))
    settings = Settings()
    warm = TrytonTarget(ensure_database(settings.tryton_home, f"flow{people}", tryton_template), check_email_dns=False)
    warm.count("res.user")
    state = None

    def flow() -> None:
        nonlocal state
        state = run_wave(str(plan), only="accounts", return_state=True)

    seconds = timed(flow)
    assert state is not None and state.is_completed(), state
    assert warm.count("res.user", [("login", "like", "user%")]) == people
    goal = 2.0 if people <= 1_000 else 1.10
    return Figure(
        "Orchestration overhead",
        f"accounts of {people:,} people through the flow",
        seconds,
        baseline,
        "bare loop of the same Tryton calls",
        "s",
        f"<= {goal:.2f}x",
        seconds / baseline <= goal,
    )


def _erpflow_run(plan: Path, env: dict[str, str]) -> float:
    erpflow = str(Path(sys.executable).with_name("erpflow"))
    start = time.perf_counter()
    done = subprocess.run([erpflow, "run", str(plan)], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"erpflow run failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def noop_rerun(people: int, folder: Path, tryton_template: Path, api_url: str) -> list[Figure]:
    """`erpflow run PLAN` of a whole wave (every operation of the cycle), then the same command again: the rerun
    changes nothing. Both in processes of their own, as a user runs them, against the running Prefect server."""
    from bench.workload import accounts_plan

    work = folder / f"rerun{people}"
    plan = accounts_plan(work, people, database=f"rerun{uuid.uuid4().hex[:6]}")
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "ERPFLOW_HOME": str(work / "home"),
        "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template),
    }
    first = _erpflow_run(plan, env)
    again = _erpflow_run(plan, env)
    start = time.perf_counter()  # as a deployment runs it: the flow itself, every batch found done and skipped
    subprocess.run(
        [sys.executable, "-c", f"from erpflow.orchestration.flows import run_wave; run_wave({str(plan)!r})"],
        env=env,
        capture_output=True,
        check=True,
    )
    through_flow = time.perf_counter() - start
    return [
        Figure(
            "Rerun",
            f"`erpflow run` again on a whole wave of {people:,} people already done (nothing changes)",
            again,
            first,
            "the first run of the same command",
            "s",
            "< 5 s",
            again < 5,
        ),
        Figure(
            "Rerun",
            f"the same rerun as a flow run (as a deployment runs it), every batch skipped, {people:,} people",
            through_flow,
            first,
            "the first run of the same command",
            "s",
            "",
            None,
        ),
    ]


def _scale(people: int, folder: Path, tryton_template: Path, api_url: str, bare: bool) -> dict[str, float]:
    env = {**os.environ, "PREFECT_API_URL": api_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            str(people),
            str(folder / f"scale{people}{'-bare' if bare else ''}"),
            str(tryton_template),
            *(["--bare"] if bare else []),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    say(f"  scale {people:,}{' (bare loop)' if bare else ''}: {result}")
    return result


def scale(sizes: list[int], folder: Path, tryton_template: Path, api_url: str) -> list[Figure]:
    """The flow at each size, and a bare loop at the largest, each in a process of its own (peak RSS per run)."""
    results = [_scale(people, folder, tryton_template, api_url, bare=False) for people in sizes]
    small, large = results[0], results[-1]
    bare = _scale(large["people"], folder, tryton_template, api_url, bare=True)
    return [
        Figure(
            "Scale",
            f"accounts of {r['people']:,} people: {r['wall_s']:.0f} s, {r['people_per_s']:.0f} people/s",
            r["peak_rss_mb"],
            small["peak_rss_mb"],
            f"peak RSS at {small['people']:,} people",
            "MB peak RSS",
            "flat with N",
            r is small or r["peak_rss_mb"] <= 1.25 * small["peak_rss_mb"],
        )
        for r in results
    ] + [
        Figure(
            "Scale",
            f"throughput of the flow at {large['people']:,} people (peak RSS of the bare loop: "
            f"{bare['peak_rss_mb']:.0f} MB)",
            large["people_per_s"],
            bare["people_per_s"],
            "bare loop of the same Tryton calls, same size",
            "people/s",
            ">= 0.90x",
            large["people_per_s"] >= 0.9 * bare["people_per_s"],
        )
    ]
