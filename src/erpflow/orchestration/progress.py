"""An operation's progress artifact in Prefect, updated as batches finish, at most once per interval."""

from __future__ import annotations

import time
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from erpflow.operations.batches import slug

INTERVAL = 1.0  # seconds: each update is a round trip to the Prefect API; a rerun skips hundreds of batches a second


class OperationProgress:
    """The percentage of an operation's batches done, sent to Prefect when ``interval`` has passed since the
    last update, and always at the end."""

    def __init__(self, wave: str, operation: str, total: int, interval: float = INTERVAL):
        artifact = create_progress_artifact(0.0, key=slug(f"{wave}-{operation}"), description=f"{wave}: {operation}")
        assert isinstance(artifact, UUID)  # in a synchronous flow, Prefect returns the artifact's id itself
        self.artifact, self.total, self.interval = artifact, total, interval
        self.sent_at = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done >= self.total or now - self.sent_at >= self.interval:
            update_progress_artifact(self.artifact, 100.0 * done / self.total if self.total else 100.0)
            self.sent_at = now
