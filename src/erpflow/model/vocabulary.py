"""The words of the domain as types: severities, states, metrics, decisions.

StrEnum members compare equal to their string values, so events stored as plain strings read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    BLOCKING = "blocking"
    MAJOR = "major"
    MINOR = "minor"


class WaveState(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    ABORTED = "aborted"


class OperationState(StrEnum):
    NOT_STARTED = "not started"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class BatchState(StrEnum):
    OPEN = "open"
    ATTEMPTED = "attempted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BatchOutcome(StrEnum):
    """What a run did with a batch."""

    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class AnomalyState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Metric(StrEnum):
    OPEN_ANOMALIES = "open_anomalies"
    TRAINING_COMPLETION = "training_completion"
    MIGRATION_REJECT_RATE = "migration_reject_rate"
    OPERATIONS_COMPLETED = "operations_completed"


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no-go"


RATES = frozenset({Metric.TRAINING_COMPLETION, Metric.MIGRATION_REJECT_RATE})  # fractions, shown as percentages
