"""The wave as a Prefect flow: one task per batch, every outcome recorded in the ledger."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import structlog
from prefect import flow, get_client, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.runtime import deployment, flow_run
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from erpflow.application import engine
from erpflow.application.ledger import Ledger
from erpflow.application.preflight import check_target
from erpflow.application.preparation import PreparedWave, prepare
from erpflow.application.steps import LedgerConfirmations
from erpflow.heap import kept_out_of_collections
from erpflow.inputs.method import AnomalyRules
from erpflow.inputs.plan import load_plan
from erpflow.logging import configure
from erpflow.model.context import Context
from erpflow.model.errors import ErpflowError
from erpflow.model.vocabulary import BatchOutcome
from erpflow.operations.batches import BatchPlan, slug
from erpflow.orchestration import mirror
from erpflow.orchestration.anchors import anchor_head, check_head
from erpflow.orchestration.live import LiveView, anomalies_table, anomaly_row
from erpflow.orchestration.steps import ask_for_confirmations
from erpflow.projections.anomalies import anomalies
from erpflow.projections.report import build_report
from erpflow.reports.commands import next_commands
from erpflow.reports.markdown import markdown
from erpflow.settings import Settings, load_settings
from erpflow.targets.bundle import Targets

log = structlog.stdlib.get_logger("erpflow.flow")


class Watcher(Protocol):
    """Told when an operation starts (in the flow's thread) and as each of its batches finishes (in its task's)."""

    def started(self, operation: str, batches: Sequence[BatchPlan]) -> None: ...

    def finished(self, operation: str, batch: BatchPlan, result: engine.BatchResult) -> None: ...


watchers: list[Watcher] = []  # the terminal's progress display, when the CLI runs the flow in its own process


class OperationFailed(ErpflowError):
    """Some batches of an operation failed: the wave stops after that operation."""


class TransientBatchFailure(Exception):
    """A batch failed on a transient target error: Prefect retries its task."""

    def __init__(self, result: engine.BatchResult):
        super().__init__(f"batch {result.key} failed: {result.reason}")
        self.result = result


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    return isinstance(state.data, TransientBatchFailure)


def run_name(wave: str, start_from: str | None = None, only: str | None = None, forced: bool = False) -> str:
    """A run's name in the Prefect UI: the wave and the part of its cycle it runs."""
    part = f"{only} only" if only else f"from {start_from}" if start_from else "full cycle"
    return f"{wave}: {part}{' (forced)' if forced else ''}"


def _run_name() -> str:
    given = flow_run.parameters
    try:
        wave = load_plan(Path(given["plan_path"]))[0].wave
    except Exception:  # the flow itself reports a bad plan with its reason
        wave = "invalid-plan"
    return run_name(wave, given.get("start_from"), given.get("only"), bool(given.get("force_reason")))


@task(cache_policy=NO_CACHE, task_run_name="{operation}[{key}]", retry_condition_fn=_transient)
def run_batch(
    operation: str,
    key: str,
    batch: BatchPlan,
    ledger: Ledger,
    ctx: Context,
    targets: Targets,
    force: str = "",
    rules: AnomalyRules | None = None,
) -> engine.BatchResult | State[engine.BatchResult]:
    """Run one batch unless the ledger says it is done (its task run then ends in a Completed state named
    Skipped); a transient failure raises, to be retried."""
    with structlog.contextvars.bound_contextvars(batch=key):
        result = engine.run_batch(ledger, ctx, ctx.flow_run_id, batch, targets, force, rules)
    if result.status == BatchOutcome.FAILED and result.retryable:
        raise TransientBatchFailure(result)
    _tell(operation, batch, result)
    if result.status == BatchOutcome.SKIPPED:
        return Completed(data=result, name="Skipped", message="already done in the ledger")
    return result


@task(cache_policy=NO_CACHE, task_run_name="{operation}[{count} done before]")
def skip_done(operation: str, count: int, keys: list[str]) -> State[list[str]]:
    """The batches of an operation the ledger says are done: one task run for them all, its state named Skipped."""
    return Completed(data=keys, name="Skipped", message=f"{count} batch(es) of {operation} already done in the ledger")


def _tell(operation: str, batch: BatchPlan, result: engine.BatchResult) -> None:
    for watcher in watchers:
        watcher.finished(operation, batch, result)


def _outcome(future: PrefectFuture[Any], operation: str, batch: BatchPlan) -> engine.BatchResult:
    try:
        result = future.result()
    except TransientBatchFailure as exc:  # retries exhausted
        _tell(operation, batch, exc.result)
        return exc.result
    assert isinstance(result, engine.BatchResult)  # a Skipped state's data comes back as the result itself
    return result


def tag_run(tags: list[str]) -> None:
    """Add ``tags`` to the current flow run's (a run created with them already is left as it is)."""
    run = flow_run.get_id()
    if run:
        current = set(flow_run.tags)
        if not set(tags) <= current:
            with get_client(sync_client=True) as client:
                client.update_flow_run(UUID(run), tags=sorted(current | set(tags)))


def _operation(
    ledger: Ledger,
    ctx: Context,
    prepared: PreparedWave,
    targets: Targets,
    settings: Settings,
    force: str,
    live: LiveView,
    ask_steps: bool = False,
) -> dict[str, int]:
    """The batches of one operation, a few at a time: as one finishes the next starts, the Prefect UI is brought
    up to date (progress, counts, events, anomalies) and, every few batches, the lease is renewed."""
    batches = prepared.batches[ctx.operation]
    if ask_steps:
        ask_for_confirmations(ledger, ctx, batches, targets)
        engine.renew_lease(ledger, ctx, settings.lease_seconds)
    engine.start_operation(ledger, ctx, batches)
    for watcher in watchers:
        watcher.started(ctx.operation, batches)
    live.started(ctx.operation, batches)
    delays = [settings.retry_delay_seconds * 2**n for n in range(settings.batch_retries)]
    task = run_batch.with_options(retries=settings.batch_retries, retry_delay_seconds=delays or 0)
    limit = max(1, engine.concurrency(ctx.operation, settings.parallel_batches, targets))
    done = engine.skipped(ledger, ctx, batches, force)  # one ledger read each
    if done:  # one task run for them all: a rerun skips hundreds of batches, a task run each cost seconds
        skip_done(ctx.operation, len(done), list(done))
        for b in batches:
            if b.key in done:
                _tell(ctx.operation, b, done[b.key])
                live.finished(ctx.operation, b, done[b.key])
    waiting = iter([b for b in batches if b.key not in done])
    running: dict[PrefectFuture[Any], BatchPlan] = {}

    def submit() -> None:
        if (b := next(waiting, None)) is not None:
            # prefect types submit's arguments as the task's own, though it takes quote() around any of them
            future = task.submit(
                ctx.operation,
                b.key,
                quote(b),
                quote(ledger),
                ctx,  # type: ignore[call-overload]
                quote(targets),
                force,
                quote(prepared.method.anomalies),
            )
            running[future] = b

    for _ in range(limit):
        submit()
    results: dict[str, engine.BatchResult] = dict(done)
    while running:
        future = next(as_completed(list(running)))
        batch = running.pop(future)
        results[batch.key] = _outcome(future, ctx.operation, batch)
        if len(results) % limit == 0 or len(results) == len(batches):  # renewed before the next batch starts
            engine.renew_lease(ledger, ctx, settings.lease_seconds)
        submit()
        live.finished(ctx.operation, batch, results[batch.key])  # told to Prefect by the view's own thread
    ordered = [results[b.key] for b in batches]
    live.flush()  # every batch's events mirrored before the operation's end is recorded
    summary = engine.finish_operation(ledger, ctx, prepared, ordered)
    log.info("operation finished", **summary)
    live.mirror()
    if summary.get("batches_failed"):
        first = next(r.reason for r in ordered if r.status == "failed")
        raise OperationFailed(
            f"{summary['batches_failed']} batch(es) of {ctx.operation} failed (first: {first}); "
            f"see `erpflow status {ctx.wave}`, then `erpflow resume {ctx.wave}`"
        )
    return summary


@flow(name="run-wave", flow_run_name=_run_name, log_prints=False)
def run_wave(
    plan_path: str,
    actor: str | None = None,
    start_from: str | None = None,
    only: str | None = None,
    force_reason: str = "",
    ask_steps: bool | None = None,
) -> dict[str, Any]:
    """Run a wave plan: its operations in the cycle's order (or from one on, or only one), one task per
    batch. Batches already done are skipped (one task run per operation, its state Skipped), unless
    ``force_reason`` says why they must run again.

    Args:
        plan_path: the wave plan (YAML), relative to the project folder or absolute
        actor: who runs the wave, recorded in every event (default: ERPFLOW_ACTOR, else the system user)
        start_from: start at this operation of the cycle (domain/cycle.yaml)
        only: run this operation alone; the operations it depends on must be done
        force_reason: run batches already done again, for this reason (recorded)
        ask_steps: pause on each business step nobody has confirmed, for its confirmation in a form
            (default: when the run comes from a deployment)
    """
    configure()
    settings = load_settings()
    prepared = prepare(Path(plan_path), settings.method)
    tag_run(prepared.tags())
    run_id = str(flow_run.get_id() or "local")
    ledger = Ledger(settings)
    targets = Targets(
        prepared.plan,
        settings,
        prepared.method.roles.guard,
        LedgerConfirmations(ledger),
        invitations=prepared.method.invitations,
    )
    ask = ask_steps if ask_steps is not None else deployment.id is not None
    operations = engine.operations_to_run(ledger, prepared, start_from, only)
    if deployment.id is not None:  # `erpflow run` checked the method against the target before starting Prefect
        check_target(prepared, settings)
    check_head(ledger, settings)
    ctx = engine.begin(ledger, prepared, actor or settings.actor, run_id, settings.lease_seconds)
    summaries: dict[str, Any] = {}
    with (
        kept_out_of_collections(),
        LiveView(ledger, prepared.name) as live,
        structlog.contextvars.bound_contextvars(wave=prepared.name),
    ):
        try:
            for operation in operations:
                with structlog.contextvars.bound_contextvars(operation=operation):
                    summaries[operation] = _operation(
                        ledger, ctx.for_operation(operation), prepared, targets, settings, force_reason, live, ask
                    )
        except BaseException as exc:
            engine.abort(ledger, ctx, _stopped_by(exc))
            anchor_head(ledger, prepared.name, "run aborted", settings)
            mirror_events(ledger)
            raise
        engine.complete(ledger, ctx, summaries)
        anchor_head(ledger, prepared.name, "run end", settings)
    mirror_events(ledger)
    _publish_report(ledger, prepared)
    return summaries


def _stopped_by(exc: BaseException) -> str:
    """Why a run stopped, in one line: the signal that interrupted it, or the error."""
    signum = getattr(exc, "signum", None) or getattr(exc, "signal", None)
    if signum is None and isinstance(exc, KeyboardInterrupt):
        signum = signal.SIGINT
    if signum is not None:
        return f"interrupted by {signal.Signals(signum).name}"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def mirror_events(ledger: Ledger) -> None:
    """Mirror the log's new events to Prefect events; if Prefect cannot take them now, a later call catches up."""
    try:
        sent = mirror.publish(ledger, mirror.to_prefect)
    except Exception as exc:
        log.warning("domain events not mirrored to Prefect yet", reason=str(exc).splitlines()[0])
    else:
        log.debug("domain events mirrored to Prefect", events=sent)


def _publish_report(ledger: Ledger, prepared: PreparedWave) -> None:
    """The summary as Markdown with the commands that tell more, and the anomalies (rejected items among them,
    with their source file and line) as a table."""
    name = prepared.name
    commands = "\n".join(f"- {what}: `{command}`" for what, command in next_commands(name))
    create_markdown_artifact(
        markdown(build_report(ledger, name, prepared.method)) + f"\n\n## Next\n\n{commands}\n",
        key=slug(f"{name}-summary"),
        description=f"Wave {name}: summary",
    )
    rows = [anomaly_row(name, a.severity, a.operation, a.item, a.reason, a.resolution) for a in anomalies(ledger, name)]
    anomalies_table(name, rows)
