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

from bench.figures import Figure, median_pair, say

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


def overhead(people: int, folder: Path, tryton_template: Path, api_url: str, pairs: int) -> Figure:
    """The accounts operation through the flow vs a bare loop of the same Tryton calls on the same batches, each in
    a process of its own (`bench.scale`), in ``pairs`` interleaved pairs (which goes first alternating): the pair of
    median ratio counts. The same Tryton calls took a quarter more CPU in a process that had run a flow before
    them than in a fresh one (25.4 s and 32.2 s for 10,000 people), and the machine's speed drifts between runs a
    minute apart: a process each keeps the first out, a pair each shares the second."""
    measured = []
    for n in range(pairs):
        work = folder / f"overhead{people}-{n}"
        sides = {
            bare: _side(people, work / ("bare" if bare else "flow"), tryton_template, api_url, bare)
            for bare in ((False, True) if n % 2 else (True, False))
        }
        measured.append((sides[False]["wall_s"], sides[True]["wall_s"]))
        say(f"  overhead {people:,}, pair {n + 1}: flow {measured[-1][0]:.2f} s, bare loop {measured[-1][1]:.2f} s")
    (seconds, baseline), ratios = median_pair(measured)
    goal = 2.0 if people <= 1_000 else 1.10
    return Figure(
        "Orchestration overhead",
        f"accounts of {people:,} people through the flow (median of {pairs} interleaved pairs, a process each; "
        f"ratios {ratios})",
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


def _side(people: int, work: Path, tryton_template: Path, api_url: str, bare: bool) -> dict[str, float]:
    """`bench.scale` in a process of its own: the flow, or the bare loop, of ``people`` in folder ``work``."""
    env = {**os.environ, "PREFECT_API_URL": api_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            str(people),
            str(work),
            str(tryton_template),
            *(["--bare"] if bare else []),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _scale(people: int, folder: Path, tryton_template: Path, api_url: str, bare: bool) -> dict[str, float]:
    result = _side(people, folder / f"scale{people}{'-bare' if bare else ''}", tryton_template, api_url, bare)
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
