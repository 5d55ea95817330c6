"""A SIGKILLed `erpflow run` leaves nothing behind: no temporary Prefect server, no trytond-admin, no build file.

Each run is the user's: `erpflow run` in a subprocess of its own process group, with no PREFECT_API_URL (so it
starts its temporary server) and no prepared template (so it builds one). Slow: three runs, one template build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton, pytest.mark.slow]
ERPFLOW = Path(sys.executable).with_name("erpflow")


def group(pgid: int) -> list[str]:
    """The command lines of the live processes of a process group (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            state, _, pg = stat.rsplit(") ", 1)[1].split()[:3]
            if entry.name.isdigit() and int(pg) == pgid and state != "Z":
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError, IndexError):
            continue
    return found


def gone(pgid: int, within: float = 10) -> list[str]:
    deadline = time.monotonic() + within
    while (left := group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def wait_for(what, within: float = 600, every: float = 0.2) -> None:
    deadline = time.monotonic() + within
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


@pytest.fixture
def run(tmp_path: Path):
    plan = small_pilot(tmp_path / "project")
    env = {
        **os.environ,
        "ERPFLOW_HOME": str(tmp_path / "home"),
        "ERPFLOW_ACTOR": "integrator",
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    for name in ("PREFECT_API_URL", "ERPFLOW_TRYTON_TEMPLATE", "ERPFLOW_FAULT", "PREFECT_TEST_MODE"):
        env.pop(name, None)

    def start(**extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(ERPFLOW), "run", str(plan)],
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    start.tryton = tmp_path / "home" / "tryton"
    return start


def test_a_killed_run_leaves_no_process_and_the_template_is_built_once(run):
    first = run()
    wait_for(lambda: any("trytond-admin" in c for c in group(first.pid)) and "uvicorn" in " ".join(group(first.pid)))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert gone(first.pid) == []
    assert list(run.tryton.glob("erpflow_template_build*"))  # the killed build's file, removed by the next run

    second = run(ERPFLOW_FAULT="accounts:after-write")
    output = second.communicate(timeout=900)[0].decode()
    assert second.returncode == -signal.SIGKILL, output[-3000:]
    assert gone(second.pid) == []
    template = run.tryton / "erpflow_template.sqlite"
    assert template.exists() and not list(run.tryton.glob("erpflow_template_build*"))
    built = template.stat().st_mtime_ns

    third = run()
    output = third.communicate(timeout=900)[0].decode()
    assert third.returncode == 0, output[-3000:]
    assert gone(third.pid) == []
    assert template.stat().st_mtime_ns == built and "building the Tryton template" not in output
