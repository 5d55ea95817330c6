"""erpflow on a real Prefect: `prefect server start`, the work pool, `prefect deploy`, real workers, waves triggered
as deployment runs; what they leave is read back through the Prefect API and from the ledger."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view
from erpflow.model.wave import Wave
from erpflow.orchestration.server import LocalPrefect
from erpflow.settings import Settings

from ..conftest import free_port
from .conftest import REPO, operation_counts, small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
ERPFLOW = str(Path(sys.executable).with_name("erpflow"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    local = LocalPrefect(tmp_path_factory.mktemp("prefect-server"), free_port())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ERPFLOW_PROJECT_DIR", str(REPO))
        try:
            local.start()
            local.deploy(REPO)
            yield local
        finally:
            local.stop()


def trigger(local: LocalPrefect, plan: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ERPFLOW, "trigger", str(plan), *args], env=local.env(), capture_output=True, text=True, timeout=300
    )


def settings_env(home: Path, template: Path, **extra: str) -> dict[str, str]:
    return {"ERPFLOW_HOME": str(home), "ERPFLOW_TRYTON_TEMPLATE": str(template), "ERPFLOW_ACTOR": "integrator", **extra}


def ledger_count(settings: Settings, wave: str) -> int:
    return sum(1 for _ in Ledger(settings).wave_events(wave))


def mirrored(client, wave: str, expected: int, deadline: float = 30.0) -> list:
    """The domain events mirrored about a wave (not its chain anchors), once as many as expected have been stored
    (they are stored async). Pages are read by offset: an event stored between two pages shifts the next one, which
    then repeats an event and misses another, so such a read is made again (an event Prefect really holds twice is
    in every read, and still returned)."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    page_filter = EventFilter(
        resource=EventResourceFilter(id=[f"erpflow.wave.{wave}"]),
        event=EventNameFilter(exclude_name=["erpflow.chain.anchored"]),
        occurred=EventOccurredFilter(since=datetime(2020, 1, 1, tzinfo=UTC)),
    )
    found: list = []
    for _ in range(int(deadline / 0.5)):
        page = client.read_events(filter=page_filter, limit=50)
        found = list(page.events)
        while page.next_page and len(found) < 10 * expected:
            page = client.read_events_page(page.next_page)
            found += page.events
        if len(found) >= expected and len({e.id for e in found}) == len(found):
            break
        time.sleep(0.5)
    return found


def test_a_wave_triggered_as_a_deployment_run_completes_with_artifacts_and_mirrored_events(
    server: LocalPrefect, tryton_template: Path, tmp_path: Path
):
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from erpflow.application.preparation import prepare

    home = tmp_path / "home"
    worker = server.worker("solo", **settings_env(home, tryton_template))
    plan = small_pilot(tmp_path)
    try:
        done = trigger(server, plan, "--watch")
    finally:
        server.halt(worker)
    assert done.returncode == 0, done.stdout + done.stderr
    link = re.search(rf"{server.ui_url}/runs/flow-run/([0-9a-f-]{{36}})", done.stdout)
    assert link and "flow run 'pilot: full cycle': Completed" in done.stdout

    settings = Settings(home=home)
    wave = view(Ledger(settings), "pilot")
    assert wave.state == "completed" and wave.runs == [link.group(1)]
    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        run = client.read_flow_run(link.group(1))
        form = client.read_deployment(run.deployment_id).parameter_openapi_schema["properties"]  # the UI's run form
        assert (
            form["plan_path"]["description"].startswith("the wave plan")
            and "reason" in form["force_reason"]["description"]
        )
        assert run.name == "pilot: full cycle" and {"wave:pilot", "kind:pilot", "erpflow"} <= set(run.tags)
        artifacts = {
            a.key: a for a in client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
        }
        assert "## Gate pilot-exit: fail" in artifacts["pilot-summary"].data
        assert artifacts["pilot-migration"].type == "progress" and artifacts["pilot-migration"].data == 100.0
        table = artifacts["pilot-anomalies"]
        assert table.type == "table" and "C10017" in table.data and "legacy_customers.csv:18" in table.data

        expected = ledger_count(settings, "pilot")
        events = mirrored(client, "pilot", expected)
        names = [e.event for e in events]
        assert len(events) == expected and len({e.id for e in events}) == expected  # each once, none missing
        assert {
            "erpflow.wave.started",
            "erpflow.batch.succeeded",
            "erpflow.anomaly.raised",
            "erpflow.wave.operation-finished",
            "erpflow.wave.completed",
        } <= set(names)
        started = next(e for e in events if e.event == "erpflow.wave.started")
        assert started.resource.id == "erpflow.wave.pilot"
        assert any(r.id == f"prefect.flow-run.{run.id}" for r in started.related)

        # a gateway that lost its position sends everything again: Prefect keeps each event once
        from erpflow.store.tables import StoreTables

        StoreTables(Ledger(settings).store_env).query(
            "DELETE FROM erpflow_tracking WHERE projection = ?", "prefect-events"
        )
        again = subprocess.run(
            [ERPFLOW, "events", "publish"],
            env={**server.env(), **settings_env(home, tryton_template)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0 and f"{expected} event(s) published" in again.stdout, again.stderr
        time.sleep(3)
        assert len(mirrored(client, "pilot", expected)) == expected

        # live as batches finish: counts told per batch, events mirrored before their operation ends
        status = operation_counts(settings, "pilot")
        batches = {op: counts["batches"] for op, counts in status.items()}
        counts = [
            json.loads(a.data)
            for a in sorted(
                client.read_artifacts(
                    artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pilot-counts"])),
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
                ),
                key=lambda a: a.created,
            )
        ]
        # one as each operation starts, then one per batch (or per few, when they finish faster than Prefect takes them)
        assert len(batches) < len(counts) <= sum(batches.values()) + len(batches)
        most = max(batches, key=batches.__getitem__)  # the operation of most batches: told while it ran
        told = list(dict.fromkeys(row["batches"] for rows in counts for row in rows if row["operation"] == most))
        assert batches[most] > 1 and told[0] == f"0/{batches[most]}" and told[-1] == f"{batches[most]}/{batches[most]}"
        assert len(told) > 2, told
        assert artifacts["pilot-migration"].description.startswith(
            f"pilot: migration, {batches['migration']}/{batches['migration']} batches; items: "
            f"{status['migration']['created']} done, {status['migration']['rejected']} rejected"
        )

        def operation(event) -> str:
            return next(r.id.rpartition(".")[2] for r in event.related if r.role == "operation")

        ended = {operation(e): e.occurred for e in events if e.event == "erpflow.wave.operation-finished"}
        succeeded = [e for e in events if e.event == "erpflow.batch.succeeded"]
        assert len(succeeded) == sum(batches.values())
        for event in succeeded:  # each mirrored as its batch finished, not in a burst once its operation ended
            assert event.received < ended[operation(event)], (event.event, operation(event))
        assert table.data.count("erpflow trace ") >= 1 and '"source": "legacy_customers.csv:18"' in table.data

    # a rerun and the exit gate, triggered while no worker runs: named and tagged from their creation
    wave_tags = set(prepare(plan).tags()) | {"erpflow"}
    rerun, gate = trigger(server, plan), trigger(server, plan, "--deployment", "approve-gate/gate")
    assert rerun.returncode == 0 and gate.returncode == 0, rerun.stderr + gate.stderr
    assert "flow run 'pilot: full cycle' (" in rerun.stdout and "flow run 'pilot: exit gate' (" in gate.stdout
    rerun_id, gate_id = (re.search(r"/runs/flow-run/([0-9a-f-]{36})", t.stdout).group(1) for t in (rerun, gate))
    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        for run_id, name in ((rerun_id, "pilot: full cycle"), (gate_id, "pilot: exit gate")):
            created = client.read_flow_run(run_id)
            assert created.state.is_scheduled() and created.name == name and wave_tags <= set(created.tags)
    worker = server.worker("again", **settings_env(home, tryton_template))
    try:
        assert wait_for(server, rerun_id) == "COMPLETED"
        with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
            tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[rerun_id])))
            assert sorted(t.name for t in tasks) == sorted(f"{op}[{n} done before]" for op, n in batches.items())
            assert {(t.state.type.value, t.state.name) for t in tasks} == {("COMPLETED", "Skipped")}
            assert wait_for(server, gate_id, paused=True) == "PAUSED"
            from prefect.flow_runs import resume_flow_run

            resume_flow_run(gate_id, run_input={"decision": "no-go", "approver": "marie.dupont", "comment": "wait"})
        assert wait_for(server, gate_id) == "COMPLETED"
    finally:
        server.halt(worker)
    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        decided = client.read_flow_run(gate_id)
        assert decided.state.name == "No-go" and wave_tags <= set(decided.tags)
        gate_artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pilot-gate"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[gate_id])),
        )
    gate_artifacts.sort(key=lambda a: a.created)  # the criteria as the run paused, then the decision
    assert [a.data.startswith("**Decision: no-go** by marie.dupont: wait") for a in gate_artifacts] == [False, True]
    assert view(Ledger(settings), "pilot").gate["decision"] == "no-go"


@pytest.mark.postgres
def test_two_workers_on_one_pool_run_two_waves_at_once_into_one_event_store(
    server: LocalPrefect, tryton_template: Path, tmp_path: Path, postgres_url: str
):
    """Two machines in small: each worker has its own home (its embedded Tryton), the event store is shared."""
    workers = {
        name: server.worker(
            name, limit=1, **settings_env(tmp_path / name, tryton_template, ERPFLOW_EVENT_STORE=postgres_url)
        )
        for name in ("north", "south")
    }
    plans = {wave: small_pilot(tmp_path / wave, wave=wave) for wave in ("lyon", "lille")}
    try:
        started = {wave: trigger(server, plan) for wave, plan in plans.items()}
        assert all(s.returncode == 0 for s in started.values()), [s.stderr for s in started.values()]
        runs = {wave: re.search(r"/runs/flow-run/([0-9a-f-]{36})", s.stdout).group(1) for wave, s in started.items()}
        states = {wave: wait_for(server, run) for wave, run in runs.items()}
    finally:
        for worker in workers.values():
            server.halt(worker)
    assert states == {"lyon": "COMPLETED", "lille": "COMPLETED"}
    ran_on = {
        wave: {
            name
            for name in workers
            if f"Flow run '{wave}: full cycle' submitted to infrastructure"
            in (server.home / f"worker-{name}.log").read_text()
        }
        for wave in runs
    }
    assert sorted(map(len, ran_on.values())) == [1, 1] and ran_on["lyon"] != ran_on["lille"]  # one each

    shared = Settings(home=tmp_path / "reader", event_store=postgres_url)
    ledger = Ledger(shared)
    for wave, run in runs.items():
        recorded = view(ledger, wave)
        assert recorded.state == "completed" and recorded.runs == [run]
        assert recorded.reconciliations["customers"] == {"read": 20, "loaded": 19, "rejected": 1, "balanced": True}
    verified = subprocess.run(
        [ERPFLOW, "verify"],
        env={**os.environ, "ERPFLOW_HOME": str(tmp_path / "reader"), "ERPFLOW_EVENT_STORE": postgres_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def wait_for(local: LocalPrefect, run: str, deadline: float = 240.0, paused: bool = False) -> str:
    """The run's final state type, or PAUSED as soon as it pauses when ``paused``."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: local.api_url}), get_client(sync_client=True) as client:
        for _ in range(int(deadline)):
            state = client.read_flow_run(run).state
            if state.is_final() or (paused and state.is_paused()):
                return state.type.value
            time.sleep(1)
    return "TIMEOUT"


class Hooks(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        Hooks.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_example_automation_notifies_a_blocking_anomaly_and_nothing_else(server: LocalPrefect, tmp_path: Path):
    """A real webhook receiver stands for the team's chat: the notification block posts to it."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        block = CustomWebhookNotificationBlock(
            name="team chat",
            url=f"http://127.0.0.1:{receiver.server_port}/",
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        )
        block_id = block.save("team-chat", overwrite=True)
    automation = tmp_path / "automation.yaml"
    automation.write_text(
        (REPO / "deployments" / "automations" / "blocking-anomaly.yaml")
        .read_text()
        .replace("BLOCK_DOCUMENT_ID", str(block_id))
    )
    server.run("automation", "create", "--from-file", str(automation))

    env = {**server.env(), "ERPFLOW_HOME": str(tmp_path / "home"), "ERPFLOW_ACTOR": "key.user"}
    ledger = Ledger(Settings(home=tmp_path / "home"))
    ledger.save(
        Wave(
            name="nice",
            kind="progressive",
            sites=["Nice"],
            cycle=["migration"],
            plan_digest="0" * 64,
            inputs={},
            plan={},
            ctx={"wave": "nice", "actor": "integrator"},
        )
    )
    for severity, item, reason in (
        ("major", "C00042", "postcode missing"),
        ("blocking", "closing", "month-end closing fails in the ERP"),
    ):
        raised = subprocess.run(
            [
                ERPFLOW,
                "anomaly",
                "raise",
                "nice",
                "--item",
                item,
                "--reason",
                reason,
                "--operation",
                "migration",
                "--severity",
                severity,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert raised.returncode == 0, raised.stderr
    published = subprocess.run([ERPFLOW, "events", "publish"], env=env, capture_output=True, text=True, timeout=60)
    assert published.returncode == 0 and "3 event(s) published" in published.stdout, published.stderr
    receiver_deadline = time.monotonic() + 90
    while not Hooks.received and time.monotonic() < receiver_deadline:
        time.sleep(0.5)
    time.sleep(3)  # a notification for the major anomaly, if one were wrongly sent, would have come by now too
    receiver.shutdown()
    assert len(Hooks.received) == 1, Hooks.received
    assert Hooks.received[0]["subject"] == "erpflow: blocking anomaly in wave nice"
    assert "migration / closing: month-end closing fails in the ERP (raised by key.user" in Hooks.received[0]["body"]
