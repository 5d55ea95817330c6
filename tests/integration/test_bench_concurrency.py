"""The concurrency bench sets up a PostgreSQL database as the template, serves it by trytond under gunicorn with
several worker processes, runs accounts batches 1, 2 and 4 at once through it and drops the database at the end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench.figures import POSTGRES

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.tryton, pytest.mark.slow]


def bench_databases() -> set[str]:
    with psycopg.connect(POSTGRES) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'erpflow_bench_%'")}


def test_the_concurrency_bench_runs_batches_at_once_on_several_workers_and_drops_its_database():
    before = bench_databases()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.concurrency",
            "--workers",
            "2",
            "--batches",
            "4",
            "--size",
            "5",
            "--rounds",
            "1",
            "--seed",
            "40",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    runs = dict(
        re.findall(
            r"2 workers x 1 threads, (\d) at once: [\d,]+ users/s .*CPU s: workers [\d.]+ \((\d) busy", done.stdout
        )
    )
    assert sorted(runs) == ["1", "2", "4"] and runs["4"] == "2", done.stdout  # both workers served the 4 batches
    assert done.stdout.count(": ratio ") == 2 and "4 at once against trytond under gunicorn" in done.stdout
    assert bench_databases() == before
