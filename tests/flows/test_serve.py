"""`make serve` as a new user runs it: `erpflow serve` in one terminal, `erpflow trigger` in another, with no
Prefect setting at all; Ctrl-C stops everything."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.settings import Settings

from ..conftest import free_port
from .conftest import REPO, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
ERPFLOW = str(Path(sys.executable).with_name("erpflow"))


def lines_of(process: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue, text: str, timeout: float) -> str:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        if text in seen[-1]:
            return "".join(seen)
    raise AssertionError(f"no {text!r} within {timeout:.0f} s in:\n{''.join(seen)}")


def test_serve_then_trigger_from_another_terminal_with_no_prefect_setting(tryton_template: Path, tmp_path: Path):
    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env |= {"ERPFLOW_HOME": str(home), "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template), "COLUMNS": "200"}
    plan = small_pilot(tmp_path)

    def trigger() -> subprocess.CompletedProcess:
        return subprocess.run(
            [ERPFLOW, "trigger", str(plan), "--watch"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
        )

    refused = trigger()
    assert refused.returncode == 2 and "make serve" in refused.stderr and "Traceback" not in refused.stderr

    port = free_port()
    serve = subprocess.Popen(
        [ERPFLOW, "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        banner = wait_for_line(lines_of(serve), "Prefect UI:", timeout=180)
        assert f"http://127.0.0.1:{port}" in banner
        twice = subprocess.run(
            [ERPFLOW, "serve", "--port", str(port)], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert twice.returncode == 2 and f"port {port} is already in use" in twice.stderr, twice.stderr
        done = trigger()
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"http://127.0.0.1:{port}/runs/flow-run/" in done.stdout
        assert "flow run 'pilot: full cycle': Completed" in done.stdout
        assert view(Ledger(Settings(home=home)), "pilot").state == "completed"  # the worker ran it under that home
    finally:
        os.kill(serve.pid, signal.SIGTERM)  # as a service manager stops it; Ctrl-C (SIGINT) takes the same path
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            raise
    assert not (home / "prefect-server" / "api-url").exists()
    with pytest.raises(OSError):  # the server went with it
        import urllib.request

        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
