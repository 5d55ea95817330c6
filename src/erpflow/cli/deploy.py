"""Prefect commands: a local server with its worker, a wave triggered as a deployment run, events mirrored."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich.markup import escape

from erpflow.cli.common import PlanPath, app, err, load_settings, open_ledger, out, user_errors

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State

events = typer.Typer(help="Domain events mirrored to Prefect events.", no_args_is_help=True)
app.add_typer(events, name="events")


@app.command()
@user_errors
def serve(
    port: Annotated[int, typer.Option(help="loopback port of the API and UI")] = 4200,
    workers: Annotated[int, typer.Option(help="workers pulling from the erpflow pool")] = 1,
) -> None:
    """Start a Prefect server with its UI on loopback, deploy erpflow's flows and run workers until Ctrl-C."""
    from erpflow.orchestration.prefect_env import prepare_prefect_env
    from erpflow.orchestration.server import LocalPrefect

    settings = load_settings()
    prepare_prefect_env(settings)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (`make serve &`)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops the workers and server as Ctrl-C does
    local = LocalPrefect((settings.home / "prefect-server").resolve(), port)
    project = Path.cwd()
    os.environ["ERPFLOW_PROJECT_DIR"] = str(project)
    try:
        out.print(
            escape(f"starting the Prefect server on {local.ui_url} (log: {local.home / 'server.log'})"), highlight=False
        )
        local.start()
        local.deploy(project)
        for n in range(workers):
            local.worker(f"worker-{n + 1}", ERPFLOW_HOME=str(settings.home.resolve()))
        local.announce()
        out.print(
            f"[bold]Prefect UI:[/] {local.ui_url}    deployments: run-wave/wave, approve-gate/gate    "
            f"workers: {workers} on pool erpflow"
        )
        out.print(
            "In another terminal, from this folder:\n  .venv/bin/erpflow trigger deployments/plans/pilot.yaml\n"
            f"(elsewhere: export PREFECT_API_URL={local.api_url})\nCtrl-C stops the server and workers."
        )
        while all(p.poll() is None for p in local.processes):
            time.sleep(1)
        err.print("a Prefect process stopped; see the logs under " + str(local.home))
    except KeyboardInterrupt:
        pass
    finally:
        local.stop()


@app.command()
@user_errors
def trigger(
    path: PlanPath,
    deployment: Annotated[
        str, typer.Option(help="FLOW/DEPLOYMENT to run; approve-gate/gate decides the plan's wave's exit gate")
    ] = "run-wave/wave",
    watch: Annotated[bool, typer.Option("--watch", help="wait for the run to end; exit 1 unless it completed")] = False,
) -> None:
    """Check a plan, then start it as a run of erpflow's Prefect deployment and print the run's UI link."""
    from erpflow.application.preparation import prepare
    from erpflow.model.errors import InputError
    from erpflow.orchestration.server import ServerError
    from erpflow.settings import Settings

    if not os.environ.get("PREFECT_API_URL"):
        from erpflow.orchestration.server import announced_api

        if not (api := announced_api((load_settings().home / "prefect-server").resolve())):
            raise ServerError("no Prefect server: start one with `make serve`, or set PREFECT_API_URL to yours")
        os.environ["PREFECT_API_URL"] = api  # before Prefect is imported
    prepared = prepare(path, Settings().method)  # a bad plan is reported here, not in a worker's log
    wave = prepared.name
    plan = path.resolve()
    relative = plan.relative_to(Path.cwd()) if plan.is_relative_to(Path.cwd()) else plan
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_UI_URL

    from erpflow.orchestration.approval import gate_run_name
    from erpflow.orchestration.flows import run_name

    gate = deployment.partition("/")[0] == "approve-gate"
    try:
        run = run_deployment(  # named and tagged from its creation, not only once a worker starts it
            deployment,
            parameters={"wave": wave} if gate else {"plan_path": str(relative)},
            flow_run_name=gate_run_name(wave) if gate else run_name(wave),
            timeout=0,
            tags=prepared.tags(),
        )
    except ObjectNotFound:
        raise InputError(deployment, "no such deployment on the Prefect server; see `prefect deployment ls`") from None
    except Exception as exc:  # an unreachable or failing server
        raise ServerError(f"cannot start a run of {deployment}: {exc}".splitlines()[0]) from None
    assert isinstance(run, FlowRun)  # called outside an event loop, Prefect returns the flow run itself
    ui = PREFECT_UI_URL.value() or os.environ["PREFECT_API_URL"].removesuffix("/api")
    out.print(
        escape(f"flow run '{run.name}' ({run.id}) of {deployment} scheduled\n{ui}/runs/flow-run/{run.id}"),
        highlight=False,
    )
    if watch:
        state = _wait_for(run.id)
        out.print(escape(f"flow run '{run.name}': {state.name}"), highlight=False)
        if not state.is_completed():
            raise typer.Exit(1)


def _wait_for(run_id: UUID) -> State:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        while (state := client.read_flow_run(run_id).state) is None or not state.is_final():
            time.sleep(1)
    return state


@events.command("publish")
@user_errors
def publish(follow: Annotated[float, typer.Option(help="keep publishing every SECONDS (0: once)")] = 0) -> None:
    """Send the log's events after the last one published to Prefect, as erpflow.* events."""
    from erpflow.orchestration import mirror

    ledger = open_ledger()
    while True:
        sent = mirror.publish(ledger, mirror.to_prefect)
        out.print(f"{sent} event(s) published; position {mirror.position(ledger)}")
        if not follow:
            return
        time.sleep(follow)
