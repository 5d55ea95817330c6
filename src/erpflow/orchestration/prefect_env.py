"""The environment Prefect needs here, set before Prefect is imported, and the temporary server of a run
that has no Prefect server to talk to."""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from erpflow.children import dying_with_parent
from erpflow.settings import Settings

SERVER_LOG = "temporary-server.log"


def prepare_prefect_env(settings: Settings, own_server: bool = False) -> None:
    """Defaults only: a value already in the environment wins. With ``own_server``, no PREFECT_API_URL and Prefect
    not yet imported (a test harness configures its own), start a temporary server as a child of this process (it
    dies with it, however it dies) and point Prefect at it."""
    defaults = {
        "PREFECT_HOME": str((settings.home / "prefect").resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "erpflow",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    home = Path(os.environ["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if own_server and not os.environ.get("PREFECT_API_URL") and "prefect" not in sys.modules:
        os.environ["PREFECT_API_URL"] = start_temporary_server(home)


def start_temporary_server(home: Path, timeout: float | None = None) -> str:
    """Start Prefect's server (API only, loopback, its log in ``home``) and answer its API URL once healthy; it is
    stopped at exit, and killed by the kernel if this process is killed."""
    from erpflow.orchestration.server import ServerError

    timeout = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))
    deadline = time.monotonic() + timeout
    while True:
        port = _free_port()
        server = _spawn(home, port)
        atexit.register(_stop, server)
        url = f"http://127.0.0.1:{port}/api"
        while time.monotonic() < deadline and server.poll() is None and not _healthy(url):
            time.sleep(0.2)
        if server.poll() is None and _healthy(url):
            return url
        _stop(server)
        if time.monotonic() >= deadline:
            raise ServerError(
                f"the temporary Prefect server did not start within {timeout:.0f} s; see {home / SERVER_LOG}"
            )


def _spawn(home: Path, port: int) -> subprocess.Popen:
    spec = importlib.util.find_spec("prefect")  # not imported: Prefect reads its settings once, at import
    packages = Path(spec.origin).parent.parent if spec and spec.origin else Path(sys.prefix)
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
    }
    env.pop("PREFECT_API_URL", None)
    with open(home / SERVER_LOG, "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(packages),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=dying_with_parent(),
        )


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return answer.status == 200
    except (OSError, ValueError):
        return False
