"""What `erpflow run` shows on the terminal: a progress bar per operation and a summary; Prefect's and erpflow's
log lines in a log file under the home (on the terminal with --verbose); no ERROR line, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton, pytest.mark.once]

BAR = re.compile(r"^(accounts|migration|training)\s+━+\s+(\d+)/\2\s+\d+ rejected\s+\S+ items/s", re.MULTILINE)


def erpflow(home: Path, template: Path, *args: str) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "ERPFLOW_HOME": str(home),
        "ERPFLOW_TRYTON_TEMPLATE": str(template),
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "erpflow.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_successful_run_shows_progress_bars_and_a_summary_and_logs_to_a_file(
    prefect_api, tryton_template: Path, tmp_path: Path
):
    plan, home = small_pilot(tmp_path / "project"), tmp_path / "home"
    done = erpflow(home, tryton_template, "run", str(plan))
    terminal = done.stdout + done.stderr
    assert done.returncode == 0, terminal
    assert "ERROR" not in terminal and "Traceback" not in terminal, terminal
    assert {m.group(1) for m in BAR.finditer(terminal)} == {"accounts", "migration", "training"}, terminal
    assert "completed, 1 run(s)" in done.stdout, terminal
    summary = re.search(
        r"^pilot: \d+ item\(s\) in \d+ s \(0 in batches already done, skipped\), \d+ rejected; log: (.+\.log)$",
        done.stdout,
        re.MULTILINE,
    )
    assert summary, terminal
    assert "Flow run" not in terminal and "erpflow.application.engine" not in terminal, terminal
    logged = Path(summary.group(1)).read_text()
    assert Path(summary.group(1)).parent == home / "logs"
    assert "Finished in state Completed()" in logged and "erpflow.application.engine - batch done" in logged


def test_a_verbose_rerun_shows_the_log_lines_and_no_error(prefect_api, tryton_template: Path, tmp_path: Path):
    plan, home = small_pilot(tmp_path / "project"), tmp_path / "home"
    assert erpflow(home, tryton_template, "run", str(plan), "--only", "accounts").returncode == 0
    rerun = erpflow(home, tryton_template, "run", str(plan), "--verbose")  # the accounts' batch done before
    terminal = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, terminal
    assert "ERROR" not in terminal and "Traceback" not in terminal, terminal
    assert "Finished in state Completed()" in rerun.stderr, terminal
    assert "batch skipped" in rerun.stderr and "log:" not in rerun.stdout, terminal
    assert not (home / "logs").exists() or len(list((home / "logs").iterdir())) == 1


def test_a_rerun_that_would_change_nothing_says_so_without_a_flow_run_or_an_event(
    prefect_api, tryton_template: Path, tmp_path: Path
):
    from prefect import get_client

    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    plan, home = small_pilot(tmp_path / "project"), tmp_path / "home"
    assert erpflow(home, tryton_template, "run", str(plan)).returncode == 0
    ledger = Ledger(Settings(home=home))
    last = max(position for position, _ in ledger.wave_events("pilot"))
    with get_client(sync_client=True) as client:
        flow_runs = client.count_flow_runs()

    again = erpflow(home, tryton_template, "run", str(plan))
    terminal = again.stdout + again.stderr
    assert again.returncode == 0 and not again.stderr, terminal
    assert again.stdout.startswith(
        "Nothing to do: every batch of accounts, configuration, migration, training, steps of wave pilot is done "
        "with these very inputs (--force --reason runs them again)."
    ), terminal
    assert "completed, 1 run(s)" in again.stdout and "erpflow gate pilot" in again.stdout, terminal
    assert max(position for position, _ in ledger.wave_events("pilot")) == last
    with get_client(sync_client=True) as client:
        assert client.count_flow_runs() == flow_runs

    hr = tmp_path / "project" / "demo" / "hr_export.csv"
    hr.write_bytes(b"".join(hr.read_bytes().splitlines(keepends=True)[:-1]))  # one person fewer: other batches
    changed = erpflow(home, tryton_template, "run", str(plan))
    assert changed.returncode == 0 and "completed, 2 run(s)" in changed.stdout, changed.stdout + changed.stderr
    with get_client(sync_client=True) as client:
        assert client.count_flow_runs() == flow_runs + 1
