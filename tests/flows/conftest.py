"""Fixtures for whole waves: a Prefect test server for the session, the demo pilot run once through the flow."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from erpflow.settings import Settings
from tests.plans import edit_plan

REPO = Path(__file__).resolve().parents[2]


def copy_pilot(folder: Path, *, wave: str = "pilot", mail: dict | None = None) -> Path:
    """The demo plan with its method and files under ``folder``, on a database of its own.

    Each copy gets a unique Tryton database name: trytond caches its pools by name, process-wide.
    ``mail`` replaces the plan's training.mail section.
    """
    shutil.copytree(REPO / "domain", folder / "domain")
    shutil.copytree(REPO / "deployments" / "demo", folder / "demo")
    (folder / "plans").mkdir()
    path = folder / "plans" / f"{wave}.yaml"
    shutil.copy(REPO / "deployments" / "plans" / "pilot.yaml", path)
    changes: dict = {"wave": wave, "target.database": f"w{uuid.uuid4().hex[:12]}"}
    if mail is not None:
        changes["training.mail"] = mail
    return edit_plan(path, changes)


def operation_counts(settings: Settings, wave: str) -> dict[str, dict]:
    """Per operation: its state, batches (done, total, skipped by the latest run) and item counts."""
    from erpflow.application.ledger import Ledger
    from erpflow.projections.status import wave_status

    status = wave_status(Ledger(settings), wave)
    return {
        op.operation: {
            "state": op.state,
            "done": op.batches_done,
            "batches": op.batches,
            "skipped": op.batches_skipped,
            **op.items,
        }
        for op in status.operations
    }


def small_pilot(folder: Path, wave: str = "pilot", mail: dict | None = None) -> Path:
    """The demo pilot cut to a few dozen rows per file, so that a run costs seconds."""
    plan = copy_pilot(folder, wave=wave, mail=mail)
    for name, rows in (("hr_export.csv", 60), ("legacy_customers.csv", 20), ("legacy_products.csv", 15)):
        path = folder / "demo" / name
        lines = path.read_bytes().splitlines(keepends=True)
        path.write_bytes(b"".join(lines[: rows + 1]))
    return plan


@dataclass
class WaveRun:
    plan: Path
    settings: Settings
    state: object  # the Prefect state of the flow run
    counts: dict  # operation_counts right after the run

    @property
    def flow_run_id(self):
        return self.state.state_details.flow_run_id


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One Prefect test server for the session: it takes 15-25 s to start here."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def wave_env(tryton_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """Runs a plan copy through the flow with its own erpflow home; the environment stays set for the session."""
    from erpflow.orchestration.flows import run_wave

    with pytest.MonkeyPatch.context() as env:
        env.setenv("ERPFLOW_TRYTON_TEMPLATE", str(tryton_template))
        env.setenv("ERPFLOW_ACTOR", "integrator")

        def run(plan: Path, home: Path, **variables: str) -> WaveRun:
            with pytest.MonkeyPatch.context() as local:
                local.setenv("ERPFLOW_HOME", str(home))
                for name, value in variables.items():
                    local.setenv(name, value)
                state = run_wave(str(plan), return_state=True)
                settings = Settings()
                counts = operation_counts(settings, plan.stem) if state.is_completed() else {}
                return WaveRun(plan, settings, state, counts)

        yield run


@pytest.fixture(scope="session")
def pilot(prefect_api, wave_env, tmp_path_factory: pytest.TempPathFactory) -> WaveRun:
    """The demo pilot, run once through the flow; tests read what it left behind."""
    folder = tmp_path_factory.mktemp("pilot")
    return wave_env(copy_pilot(folder), folder / "home")


@pytest.fixture
def pilot_copy(pilot: WaveRun, tmp_path: Path) -> WaveRun:
    """The session's pilot in a home of its own, for a test that runs or records more: the session's pilot
    stays as its run left it, whatever the order of the tests."""
    home = tmp_path / "pilot-home"
    shutil.copytree(pilot.settings.home, home)
    return WaveRun(pilot.plan, Settings(home=home), pilot.state, dict(pilot.counts))


@pytest.fixture
def cli(prefect_api, tryton_template: Path, tmp_path: Path):
    """The erpflow command through typer's CliRunner, with a home of its own; ``cli.env`` may be changed."""
    from typer.testing import CliRunner

    from erpflow.cli import app

    env = {
        "ERPFLOW_HOME": str(tmp_path / "home"),
        "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template),
        "ERPFLOW_ACTOR": "integrator",
    }

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), env=env)

    invoke.env, invoke.settings = env, Settings(home=tmp_path / "home")
    return invoke
