"""Ctrl-C or SIGTERM during `erpflow run`: the run stops within seconds, records its abort, says so in one
line and exits 130 or 143; `erpflow resume` then finishes the wave with nothing done twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.projections.history import history
from erpflow.settings import Settings

from .conftest import REPO, small_pilot
from .test_crash_resume import check_exactly_once

pytestmark = [pytest.mark.prefect, pytest.mark.tryton, pytest.mark.once]


@pytest.fixture
def erpflow(prefect_api, tryton_template: Path, tmp_path: Path):
    """`python -m erpflow.cli` in a real subprocess with its own home, against the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "ERPFLOW_HOME": str(tmp_path / "home"),
        "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template),
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "ERPFLOW_ACTOR": "integrator",
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "erpflow.cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    start.settings = Settings(home=tmp_path / "home")
    return start


def interrupt(process: subprocess.Popen, signum: int) -> tuple[float, str]:
    """Send the signal once the run has finished its first batch; the seconds it took to stop, and stderr."""
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "batch done" in line:
            break
    sent = time.monotonic()
    process.send_signal(signum)
    _, rest = process.communicate(timeout=60)
    return time.monotonic() - sent, "".join(seen) + rest


def test_ctrl_c_and_sigterm_stop_a_run_within_seconds_and_resume_finishes_it_once(erpflow, tmp_path: Path):
    plan = small_pilot(tmp_path / "project")
    for command, signum, code in ((("run", str(plan)), signal.SIGINT, 130), (("resume", "pilot"), signal.SIGTERM, 143)):
        process = erpflow(*command)
        took, stderr = interrupt(process, signum)
        assert process.returncode == code, stderr
        assert took < 10, took
        assert "Traceback" not in stderr, stderr
        said = [line for line in stderr.splitlines() if "interrupted" in line and "erpflow resume pilot" in line]
        assert len(said) == 1, stderr
    aborts = [e for e in history(Ledger(erpflow.settings), "pilot") if e["type"] == "Runs.Aborted"]
    assert [e["data"]["reason"] for e in aborts] == ["interrupted by SIGINT", "interrupted by SIGTERM"], aborts
    resumed = erpflow("resume", "pilot")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert "completed" in out
    check_exactly_once(plan, erpflow.settings)
