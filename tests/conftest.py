"""Fixtures shared by every test: isolated erpflow homes, event stores and Tryton databases."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from erpflow.orchestration.prefect_env import prepare_prefect_env
from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ERPFLOW_TEST_CACHE", REPO / ".erpflow" / "test-cache"))
prepare_prefect_env(Settings(home=CACHE))  # before anything imports Prefect
POSTGRES = os.environ.get("ERPFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_configure(config: pytest.Config) -> None:
    """The tests read what the commands print at a width of 200 columns, whatever the terminal (a pytest worker
    process has none, and rich would fold every line at 80)."""
    os.environ["COLUMNS"] = "200"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "erpflow-home"


@pytest.fixture
def postgres_url():
    """A fresh schema in the test PostgreSQL database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES}?schema={schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, home: Path) -> Settings:
    """Settings for an empty event store: SQLite under home, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return Settings(home=home, event_store="", actor="tester")
    return Settings(home=home, event_store=request.getfixturevalue("postgres_url"), actor="tester")


@pytest.fixture(scope="session")
def tryton_template() -> Path:
    """The template database, cached across sessions per trytond version (rebuilt if missing)."""
    import trytond

    from erpflow.targets.tryton_db import ensure_template

    return ensure_template(CACHE / f"tryton-{trytond.__version__}")


@pytest.fixture(scope="session")
def tryton_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every test database of the session: trytond's SQLite folder is process-wide."""
    return tmp_path_factory.mktemp("tryton")


@pytest.fixture
def tryton_db(tryton_home: Path, tryton_template: Path):
    """A fresh database copied from the template, under a unique name (trytond caches pools by name)."""
    from erpflow.targets.tryton_db import ensure_database

    database = ensure_database(tryton_home, f"t{uuid.uuid4().hex[:12]}", template=tryton_template)
    yield database
    for path in tryton_home.glob(f"{database.name}.sqlite*"):
        path.unlink()


# trytond as a server, with e-mails checked for syntax only: this machine has no DNS (a real server checks).
_TRYTOND = (
    "import sys; from erpflow.targets.tryton import skip_email_dns_check; skip_email_dns_check(); "
    "from trytond.cli import main; sys.argv[0] = 'trytond'; sys.exit(main())"
)


@dataclass
class TrytonServer:
    url: str
    database: str
    password: str


@pytest.fixture
def tryton_server(tryton_db, tryton_template: Path, tmp_path: Path):
    """A real trytond server on a loopback port, serving the fresh database over XML-RPC."""
    import urllib.request

    port = free_port()
    conf = tmp_path / "trytond-server.conf"
    conf.write_text(tryton_db.config_file.read_text() + f"\n[web]\nlisten = 127.0.0.1:{port}\n")
    with open(tmp_path / "trytond.log", "wb") as log:  # the server keeps its own copy of the file
        server = subprocess.Popen(
            [sys.executable, "-c", _TRYTOND, "-c", str(conf), "-d", tryton_db.name],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("TRYTON")},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"trytond stopped: {(tmp_path / 'trytond.log').read_text()[-2000:]}")
                time.sleep(0.25)
        password = tryton_template.with_name("admin.pass").read_text().strip()
        yield TrytonServer(url, tryton_db.name, password)
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(params=["embedded", "server"])
def tryton(request, tryton_db):
    """A TrytonTarget on the fresh database: embedded (local proteus), or through a trytond server (XML-RPC).
    E-mails are checked for syntax only (no DNS here)."""
    from pydantic import SecretStr

    from erpflow.targets.tryton import TrytonTarget
    from erpflow.targets.tryton_remote import RemoteTryton

    if request.param == "embedded":
        return TrytonTarget(tryton_db, check_email_dns=False)
    server = request.getfixturevalue("tryton_server")
    return TrytonTarget(RemoteTryton(server.url, server.database, "admin", SecretStr(server.password)))


SMTP_USER, SMTP_PASSWORD = "erpflow", "smtp-Pa55-w0rd"


@dataclass
class SmtpCollector:
    """A real SMTP server's handler: keeps every envelope; refuses the address refused@acme.example."""

    port: int = 0
    envelopes: list = field(default_factory=list)
    user: str = SMTP_USER
    password: str = SMTP_PASSWORD

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@acme.example":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    return free_port()


def _login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    """Accepts SMTP_USER with SMTP_PASSWORD only."""
    ok = getattr(auth_data, "login", b"") == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _serve(login: bool):
    collector = SmtpCollector()
    extra = {"authenticator": _login, "auth_require_tls": False, "auth_required": True} if login else {}
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), **extra)
    controller.start()
    collector.port = controller.port
    return controller, collector


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on a free local port, no login."""
    controller, collector = _serve(login=False)
    yield collector
    controller.stop()


@pytest.fixture
def smtp_login_server():
    """An aiosmtpd server that requires a login (SMTP_USER / SMTP_PASSWORD), without TLS."""
    controller, collector = _serve(login=True)
    yield collector
    controller.stop()


@dataclass
class Chromium:
    """Debian's headless Chromium, with name resolution off: a page that needs the network shows it."""

    path: str

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                self.path,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def dom(self, url: str) -> str:
        """The page's DOM after it rendered."""
        return self._run("--virtual-time-budget=5000", "--dump-dom", url).stdout

    def screenshot(self, url: str, png: Path, width: int = 1100, height: int = 2600) -> Path:
        self._run(f"--window-size={width},{height}", f"--screenshot={png}", url)
        return png


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium package")
    return Chromium(path)


SCIM_TOKEN = "scim-t0ken-s3cret"


@dataclass
class ScimServer:
    url: str
    token: str
    log: Path


BULK = {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}  # what scim_server announces by default


def _service_provider_config(bulk: dict | None) -> dict:
    """scim2-server's default announcement, with the given /Bulk capabilities."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True},
        "bulk": bulk or {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 1000},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {"type": "oauthbearertoken", "name": "bearer_token", "description": "HTTP Bearer Token"}
        ],
    }


@pytest.fixture
def scim_server(tmp_path: Path):
    """Starts a real SCIM 2.0 server (scim2-server, in memory) on a loopback port; ``bulk`` sets what it
    announces of /Bulk (None: no /Bulk at all)."""
    import json
    import urllib.request

    servers = []

    def start(bulk: dict | None = BULK):
        port = free_port()
        config = tmp_path / f"spc-{port}.json"
        config.write_text(json.dumps(_service_provider_config(bulk)))
        log = tmp_path / f"scim-{port}.log"
        with open(log, "wb") as out:  # it logs every request: a file, never an undrained pipe
            servers.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("scim2-server")),
                        "--hostname",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--bearer-token",
                        SCIM_TOKEN,
                        "--service-provider-config",
                        str(config),
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        url = f"http://127.0.0.1:{port}/v2/"
        request = urllib.request.Request(
            url + "ServiceProviderConfig", headers={"Authorization": f"Bearer {SCIM_TOKEN}"}
        )
        for _ in range(120):
            try:
                urllib.request.urlopen(request, timeout=1)
                return ScimServer(url, SCIM_TOKEN, log)
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"scim2-server did not start: {log.read_text()[-2000:]}")

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
