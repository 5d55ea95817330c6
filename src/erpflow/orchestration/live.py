"""What the Prefect UI shows while a wave runs, brought up to date as each batch finishes: each operation's progress
with its counts, a table of counts per operation, the domain events mirrored and the anomalies table.

Each finished batch costs a few calls to Prefect and one read of the log's new events, never one per item. Prefect
being slow or away never fails the run: a failed update is logged (once) and the next one catches up.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from uuid import UUID

import structlog
from prefect import get_client
from prefect.artifacts import create_table_artifact
from prefect.client.schemas.actions import ArtifactCreate, ArtifactUpdate
from prefect.runtime import flow_run

from erpflow.application.engine import BatchResult
from erpflow.application.ledger import Ledger
from erpflow.model.vocabulary import BatchOutcome
from erpflow.operations.batches import BatchPlan, slug
from erpflow.orchestration import mirror
from erpflow.projections.anomalies import anomalies

log = structlog.stdlib.get_logger("erpflow.flow")
LINE = re.compile(r".+:\d+")
ANOMALY_EVENTS = {"Anomaly.Raised", "Anomaly.Resolved", "Anomaly.Reopened", "Anomaly.Commented"}


def split_source(reason: str) -> tuple[str, str]:
    """A rejected row's reason and its source (file:line), which the recorded reason ends with in parentheses."""
    if reason.endswith(")"):
        depth = 0
        for at in range(len(reason) - 1, -1, -1):  # the "(" matching the last ")": a file name may hold some
            depth += {")": 1, "(": -1}.get(reason[at], 0)
            if depth == 0:
                source = reason[at + 1 : -1]
                if reason[:at].endswith(" ") and LINE.fullmatch(source):
                    return reason[: at - 1], source
                break
    return reason, ""


def see_more(wave: str, item: str) -> str:
    """The command that tells more about an anomaly's item: its trace, or the wave's status for a failed batch."""
    if item.startswith("batch "):
        return f"erpflow status {shlex.quote(wave)}"
    return f"erpflow trace {shlex.quote(item)}"


def anomaly_row(
    wave: str, severity: str, operation: str, item: str, reason: str, resolution: str | None
) -> dict[str, str]:
    """One row of the anomalies table."""
    text, source = split_source(reason)
    return {
        "severity": str(severity),
        "operation": operation,
        "item": item,
        "source": source,
        "reason": text,
        "state": "open" if resolution is None else f"resolved: {resolution}",
        "see more": see_more(wave, item),
    }


NO_ANOMALY = {"severity": "", "operation": "", "item": "", "source": "", "reason": "no anomaly", "state": ""}
NO_ANOMALY["see more"] = ""


def anomalies_artifact(wave: str, rows: list[dict[str, str]]) -> tuple[str, str]:
    """The data and description of the wave's anomalies table artifact."""
    description = f"Wave {wave}: rejected items and anomalies (`erpflow trace ITEM` tells more about one)"
    return json.dumps(rows or [NO_ANOMALY]), description


def anomalies_table(wave: str, rows: list[dict[str, str]]) -> None:
    """The wave's anomalies table artifact (a new version of its key), with Prefect's own helper."""
    data, description = anomalies_artifact(wave, rows)
    create_table_artifact(json.loads(data), key=slug(f"{wave}-anomalies"), description=description)


@dataclass
class Tally:
    """An operation's batches and items so far in this run."""

    batches: int
    items: int
    finished: int = 0
    done: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0  # items of batches already done, skipped

    def add(self, size: int, result: BatchResult) -> None:
        self.finished += 1
        if result.status == BatchOutcome.FAILED:
            self.failed += size
        elif result.status == BatchOutcome.SKIPPED:
            self.skipped += size
        else:
            self.rejected += result.counts.get("rejected", 0)
            self.done += sum(n for status, n in result.counts.items() if status != "rejected")

    @property
    def percent(self) -> float:
        return 100.0 * self.finished / self.batches if self.batches else 100.0

    def line(self) -> str:
        return (
            f"{self.finished}/{self.batches} batches; items: {self.done} done, {self.rejected} rejected, "
            f"{self.failed} failed, {self.skipped} in batches already done (skipped)"
        )

    def row(self, operation: str) -> dict[str, Any]:
        return {
            "operation": operation,
            "batches": f"{self.finished}/{self.batches}",
            "done": self.done,
            "rejected": self.rejected,
            "failed": self.failed,
            "skipped": self.skipped,
            "progress": f"{self.percent:.0f}%",
        }


class AnomalyRows:
    """The rows of a wave's anomalies table, kept as the log's new events are read: its anomalies as they stand
    are read once (when the first event about one comes), the events after are applied on them."""

    def __init__(self, ledger: Ledger, wave: str):
        self.ledger, self.wave = ledger, wave
        self.rows: dict[UUID, tuple[int, dict[str, str]]] | None = None  # anomaly -> (version, row), once read
        self.seen: list[tuple[str, UUID, int, dict[str, Any]]] = []  # events about the wave's anomalies, not applied

    def observe(self, topic: str, originator: UUID, version: int, state: dict[str, Any]) -> None:
        name = topic.rpartition(":")[2]
        if name in ANOMALY_EVENTS and (state.get("ctx") or {}).get("wave") == self.wave:
            self.seen.append((name, originator, version, state))

    def changed(self) -> bool:
        return bool(self.seen)

    def table(self) -> list[dict[str, str]]:
        """Every row, in the order the anomalies were raised, the events seen applied."""
        seen, self.seen = self.seen, []
        if self.rows is None:
            self.rows = {
                a.id: (a.version, anomaly_row(self.wave, a.severity, a.operation, a.item, a.reason, a.resolution))
                for a in anomalies(self.ledger, self.wave)
            }
        for name, originator, version, state in seen:
            self._apply(name, originator, version, state)
        return [row for _, row in self.rows.values()]

    def _apply(self, name: str, originator: UUID, version: int, state: dict[str, Any]) -> None:
        assert self.rows is not None
        known = self.rows.get(originator)
        if known is not None and version <= known[0]:  # already in the rows as read
            return
        if name == "Anomaly.Raised":
            row = anomaly_row(self.wave, state["severity"], state["operation"], state["item"], state["reason"], None)
        elif known is None:
            return
        else:
            row = dict(known[1])
            if name == "Anomaly.Resolved":
                row["state"] = f"resolved: {state['resolution']}"
            elif name == "Anomaly.Reopened":
                row = anomaly_row(self.wave, row["severity"], row["operation"], row["item"], state["reason"], None)
        self.rows[originator] = (version, row)


class LiveView:
    """The run's artifacts and mirrored events. The flow's thread only counts a finished batch; a thread of the view's
    own tells Prefect, through one client kept for the run, every batch finished since it last did: the batches
    never wait for Prefect, and batches that finish faster than Prefect takes them are told together."""

    def __init__(self, ledger: Ledger, wave: str):
        self.ledger, self.wave = ledger, wave
        self.tallies: dict[str, Tally] = {}
        self.progress: dict[str, UUID] = {}
        self.anomalies = AnomalyRows(ledger, wave)
        self.warned: set[str] = set()
        self.client: Any = None  # Prefect's client, opened for the run by ``with``
        self.run_id = flow_run.get_id()
        self.changes = threading.Condition()
        self.changed: set[str] = set()  # operations with batches finished since Prefect was last told
        self.busy = self.closing = False
        self.teller = threading.Thread(target=self._tell, name="erpflow-live", daemon=True)

    def __enter__(self) -> LiveView:
        self.client = get_client(sync_client=True).__enter__()
        self.teller.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self.changes:
            self.closing = True
            if kind is not None:  # a run stopping on an error or a signal does not wait for Prefect
                self.changed.clear()
            self.changes.notify_all()
        self.teller.join(timeout=60 if kind is None else 5)
        self.client.__exit__(kind, exc, tb)

    def started(self, operation: str, batches: Sequence[BatchPlan]) -> None:
        self.flush()
        with self.changes:
            self.tallies[operation] = Tally(len(batches), sum(b.size for b in batches))
        self._safely("progress", lambda: self._create_progress(operation))
        self._safely("counts", self._counts)

    def finished(self, operation: str, batch: BatchPlan, result: BatchResult) -> None:
        """Count the batch; Prefect is told by the view's thread."""
        with self.changes:
            self.tallies[operation].add(batch.size, result)
            self.changed.add(operation)
            self.changes.notify_all()

    def flush(self) -> None:
        """Wait until Prefect has been told of every batch finished so far."""
        with self.changes:
            while (self.changed or self.busy) and self.teller.is_alive():
                self.changes.wait(timeout=1)

    def mirror(self) -> int:
        """Mirror the log's new events to Prefect now (every batch told first); the anomalies table anew if some of
        them are about anomalies."""
        self.flush()
        return self._mirror()

    def _tell(self) -> None:
        while True:
            with self.changes:
                while not self.changed and not self.closing:
                    self.changes.wait()
                if not self.changed:
                    return
                told = {op: (self.tallies[op].percent, self.tallies[op].line()) for op in self.changed}
                rows = [tally.row(operation) for operation, tally in self.tallies.items()]
                self.changed, self.busy = set(), True
            try:
                for operation, (percent, line) in told.items():
                    if operation in self.progress:
                        update = ArtifactUpdate(data=percent, description=f"{self.wave}: {operation}, {line}")
                        self._safely("progress", self.client.update_artifact, self.progress[operation], update)
                self._safely("counts", self._counts, rows)
                self._mirror()
            finally:
                with self.changes:
                    self.busy = False
                    self.changes.notify_all()

    def _mirror(self) -> int:
        sent = 0

        def publish() -> None:
            nonlocal sent
            sent = mirror.publish(self.ledger, self._send, observe=self.anomalies.observe)

        self._safely("events", publish)
        if self.anomalies.changed():
            self._safely(
                "anomalies",
                lambda: self._artifact("table", "anomalies", *anomalies_artifact(self.wave, self.anomalies.table())),
            )
        return sent

    def _send(self, events: list[dict[str, Any]]) -> None:
        self.client.request("POST", "/events", json=events)

    def _artifact(self, kind: str, name: str, data: Any, description: str) -> UUID:
        return self.client.create_artifact(
            ArtifactCreate(
                type=kind,
                key=slug(f"{self.wave}-{name}"),
                description=description,
                flow_run_id=UUID(self.run_id) if self.run_id else None,
                data=data,
            )
        ).id

    def _create_progress(self, operation: str) -> None:
        tally = self.tallies[operation]
        self.progress[operation] = self._artifact(
            "progress", operation, 0.0, f"{self.wave}: {operation}, {tally.line()}"
        )

    def _counts(self, rows: list[dict[str, Any]] | None = None) -> None:
        if rows is None:
            rows = [tally.row(operation) for operation, tally in self.tallies.items()]
        self._artifact(
            "table",
            "counts",
            json.dumps(rows),
            f"Wave {self.wave}: items per operation in this run, as each batch finishes",
        )

    def _safely(self, what: str, update: Callable[..., object], *args: Any) -> None:
        try:
            update(*args)
        except Exception as exc:
            if what not in self.warned:
                self.warned.add(what)
                log.warning(
                    f"Prefect {what} not brought up to date", reason=str(exc).splitlines()[0] if str(exc) else ""
                )
            else:
                log.debug(f"Prefect {what} not brought up to date", reason=str(exc))
