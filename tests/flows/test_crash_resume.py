"""Crash anywhere, resume, nothing done twice and nothing lost.

Each wave runs as a user runs it, `erpflow run` in a real subprocess against the session's Prefect server;
ERPFLOW_FAULT makes the process SIGKILL itself at a batch boundary of one operation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from erpflow.application.faults import POINTS
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import prepare
from erpflow.application.waves import view
from erpflow.inputs.plan import load_plan
from erpflow.model.run import Runs
from erpflow.settings import Settings
from erpflow.targets.bundle import Targets

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
ERPFLOW = Path(sys.executable).with_name("erpflow")
OPERATIONS = ("accounts", "configuration", "migration", "training")


@pytest.fixture(scope="session")
def prefect_url(prefect_api) -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.fixture
def erpflow(prefect_url: str, tryton_template: Path, tmp_path: Path):
    """Runs the erpflow command in a subprocess with its own home, against the session's Prefect server."""
    home = tmp_path / "home"

    def run(*args: str, fault: str | None = None, store: str = "", background: bool = False, **extra: str):
        env = {
            **os.environ,
            "ERPFLOW_HOME": str(home),
            "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template),
            "PREFECT_API_URL": prefect_url,
            "ERPFLOW_ACTOR": "integrator",
            "ERPFLOW_EVENT_STORE": store,
            "COLUMNS": "200",
            **extra,
        }
        env.pop("ERPFLOW_FAULT", None)
        if fault:
            env["ERPFLOW_FAULT"] = fault
        command = [str(ERPFLOW), *args]
        if background:
            return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    run.home = home
    return run


def expected_refs(plan: Path) -> dict[tuple[str, str], set[str]]:
    """Per (operation, batch key): the refs of every item, sent or rejected before sending."""
    prepared = prepare(plan, None)
    return {
        (op, b.key): {i.ref for i in b.items} | {o.ref for o in b.rejected}
        for op, batches in prepared.batches.items()
        for b in batches
    }


def check_exactly_once(plan: Path, settings: Settings) -> None:
    """Every item has exactly one outcome in the ledger, and Tryton holds no duplicate."""
    ledger = Ledger(settings)
    for (operation, key), refs in expected_refs(plan).items():
        batch = ledger.batch("pilot", operation, key)
        assert batch is not None and batch.done, (operation, key)
        outcomes = Counter(o["ref"] for o in batch.outcomes)
        assert set(outcomes) == refs and max(outcomes.values()) == 1, (operation, key, outcomes)
    wave = view(ledger, "pilot")
    assert wave.state == "completed"
    assert all(r["balanced"] for r in wave.reconciliations.values()) and len(wave.reconciliations) == 3
    erp = Targets(load_plan(plan)[0], settings).erp
    prepared = prepare(plan, None)
    logins = [u.login for b in prepared.batches["accounts"] for u in b.items]
    codes = [p.code for b in prepared.batches["migration"] for p in b.items]
    assert erp.count("res.user", [("login", "in", logins)]) == len(logins)
    assert erp.count("party.party", [("code", "in", codes)]) + erp.count(
        "product.product", [("code", "in", codes)]
    ) == len(codes)
    assert erp.count("company.company") == 1 and erp.count("account.fiscalyear") == 1
    invitations = sum(len(b.items) for b in prepared.batches["training"])
    assert len(list((settings.home / "outbox" / "pilot").glob("*/*.eml"))) == invitations


@pytest.mark.parametrize("point", POINTS)
def test_a_wave_killed_at_each_operation_resumes_with_nothing_done_twice_or_lost(point, erpflow, tmp_path):
    plan = small_pilot(tmp_path)
    settings = Settings(home=erpflow.home)

    first = erpflow("run", str(plan), fault=f"accounts:{point}")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    for operation in OPERATIONS:
        status = erpflow("status", "pilot")
        assert status.returncode == 0, status.stderr
        assert "interrupted (run " in status.stdout and "erpflow resume pilot" in status.stdout
        row = [
            c.strip()
            for c in next(line for line in status.stdout.splitlines() if line.startswith(f"│ {operation}")).split("│")
        ]
        done, in_doubt = int(row[3].split("/")[0]), int(row[5])
        # other batches of the same window may have been attempted too when the process died
        assert (done >= 1) if point == "after-event" else (in_doubt >= 1), status.stdout

        following = OPERATIONS.index(operation) + 1
        fault = f"{OPERATIONS[following]}:{point}" if following < len(OPERATIONS) else None
        resumed = erpflow("resume", "pilot", fault=fault)
        if fault:
            assert resumed.returncode == -signal.SIGKILL, resumed.stderr[-2000:]
        else:
            assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
            assert "taking over wave pilot" in resumed.stderr
            assert "Wave pilot (pilot, Lyon): completed" in resumed.stdout

    check_exactly_once(plan, settings)
    verified = erpflow("verify")  # what the killed runs wrote was chained as it was stored
    assert verified.returncode == 0 and verified.stdout.startswith("verified: "), verified.stderr
    history = erpflow("history", "pilot")
    assert history.returncode == 0 and history.stdout.count("Runs.RunAbandoned") == 4, history.stderr
    if point != "after-event":  # (after-event, other batches of the window may have been in doubt too)
        assert "interrupted attempt:" in history.stdout
    ledger = Ledger(settings)
    reconciled = [e for _, e in ledger.wave_events("pilot") if type(e).__qualname__ == "Batch.Reconciled"]
    abandoned = [e for _, e in ledger.wave_events("pilot") if isinstance(e, Runs.RunAbandoned)]
    assert len(abandoned) == 4
    reconciled_ops = {e.ctx["operation"] for e in reconciled}
    if point != "after-event":
        assert reconciled_ops == set(OPERATIONS)
    if point == "after-write":  # the interrupted write is found in the target before anything is written again
        for operation in ("accounts", "migration", "training"):
            assert any(e.found for e in reconciled if e.ctx["operation"] == operation), operation


def test_two_runs_of_one_wave_at_once_exactly_one_proceeds(erpflow, tmp_path):
    plan = small_pilot(tmp_path)
    release = tmp_path / "release"
    first = erpflow(
        "run", str(plan), background=True, fault="accounts:before-write:hold", ERPFLOW_FAULT_RELEASE=str(release)
    )
    deadline = time.monotonic() + 240
    while not release.with_suffix(".held").exists():  # the first run holds the wave, mid-way through a batch
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.1)
    second = erpflow("run", str(plan))
    release.touch()
    results = [(first.wait(timeout=300), *first.communicate()), (second.returncode, second.stdout, second.stderr)]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    refused = next(stderr for code, _, stderr in results if code == 2)
    assert "error: wave 'pilot' is already being run by run " in refused
    check_exactly_once(plan, Settings(home=erpflow.home))


@pytest.mark.postgres
def test_two_waves_at_once_on_postgresql_both_complete(erpflow, tmp_path, postgres_url):
    plans = [small_pilot(tmp_path / name, wave=name) for name in ("pilot-a", "pilot-b")]
    runs = [erpflow("run", str(plan), store=postgres_url, background=True) for plan in plans]
    results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    ledger = Ledger(Settings(home=erpflow.home, event_store=postgres_url))
    for plan in plans:
        wave = view(ledger, plan.stem)
        assert wave.state == "completed" and all(r["balanced"] for r in wave.reconciliations.values())
        for (operation, key), refs in expected_refs(plan).items():
            assert {o["ref"] for o in ledger.batch(plan.stem, operation, key).outcomes} == refs
