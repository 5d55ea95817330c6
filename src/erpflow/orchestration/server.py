"""A local Prefect server, its work pool, erpflow's deployments and workers: `erpflow serve`, and the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from erpflow.children import dying_with_parent
from erpflow.model.errors import ErpflowError

POOL = "erpflow"
PREFECT_FILE = Path("deployments") / "prefect.yaml"
ADDRESS = "api-url"  # written by `erpflow serve` under its home while it runs, read by `erpflow trigger`


class ServerError(ErpflowError):
    """The Prefect server, a deployment or a worker could not be started."""


def _prefect() -> list[str]:
    return [str(Path(sys.executable).with_name("prefect"))]


def _healthy(api_url: str) -> bool:
    """Whether a Prefect API answers at ``api_url``."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
            return answer.status == 200
    except (OSError, ValueError):
        return False


def announced_api(home: Path) -> str | None:
    """The API URL of the server `erpflow serve` runs under ``home``, if it runs and answers."""
    try:
        url = (home / ADDRESS).read_text().strip()
    except OSError:
        return None
    return url if _healthy(url) else None


@dataclass
class LocalPrefect:
    """A Prefect server on loopback with its own database under ``home``, and the processes started with it."""

    home: Path
    port: int = 4200
    processes: list[subprocess.Popen] = field(default_factory=list)
    announced: bool = False

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_UI_URL": self.ui_url,
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_EXTRA_LOGGERS": "erpflow",
            "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
            **extra,
        }
        env.pop("PREFECT_TEST_MODE", None)
        return env

    def _spawn(self, args: list[str], log: str, **env: str) -> subprocess.Popen:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / log, "ab") as out:
            process = subprocess.Popen(
                _prefect() + args,
                env=self.env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=dying_with_parent(),
            )
        self.processes.append(process)
        return process

    def start(self, timeout: float = 120) -> LocalPrefect:
        """Start the server (UI included, loopback only) and wait until its API answers."""
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise ServerError(
                    f"port {self.port} is already in use (another `erpflow serve`?); choose another with --port"
                )
        server = self._spawn(["server", "start", "--host", "127.0.0.1", "--port", str(self.port)], "server.log")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise ServerError(f"the Prefect server stopped at start; see {self.home / 'server.log'}")
            if _healthy(self.api_url):
                return self
            time.sleep(0.5)
        raise ServerError(f"the Prefect server did not answer within {timeout:.0f} s; see {self.home / 'server.log'}")

    def run(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            _prefect() + list(args), env=self.env(), cwd=cwd, capture_output=True, text=True, timeout=300
        )
        if done.returncode:
            raise ServerError(f"prefect {' '.join(args)} failed: {(done.stdout + done.stderr).strip()[-2000:]}")
        return done.stdout

    def deploy(self, project: Path) -> None:
        """Create the process work pool (once) and every deployment of deployments/prefect.yaml."""
        pools = self.run("work-pool", "ls")
        if POOL not in pools:
            self.run("work-pool", "create", POOL, "--type", "process")
        self.run("--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_FILE), cwd=project)

    def worker(self, name: str, limit: int | None = None, **env: str) -> subprocess.Popen:
        """A worker pulling from the pool, ``limit`` flow runs at a time; its runs inherit ``env`` (erpflow's
        settings)."""
        args = ["worker", "start", "--pool", POOL, "--name", name, *(["--limit", str(limit)] if limit else [])]
        return self._spawn(
            args, f"worker-{name}.log", PREFECT_WORKER_QUERY_SECONDS=env.pop("PREFECT_WORKER_QUERY_SECONDS", "2"), **env
        )

    def announce(self) -> None:
        """Let `erpflow trigger` in another terminal find this server without PREFECT_API_URL."""
        (self.home / ADDRESS).write_text(self.api_url + "\n")
        self.announced = True

    def stop(self) -> None:
        """Stop workers first, then the server."""
        if self.announced:  # not another server's, started under the same home
            (self.home / ADDRESS).unlink(missing_ok=True)
        for process in reversed(self.processes):
            self.halt(process)

    def halt(self, process: subprocess.Popen) -> None:
        """SIGINT twice (a worker needs two), then SIGKILL."""
        for sig in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
            if process.poll() is not None:
                break
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
        if process in self.processes:
            self.processes.remove(process)
