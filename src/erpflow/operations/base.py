"""The one protocol every operation implements, and what operations prepare their batches from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from erpflow.inputs.method import Method
from erpflow.inputs.plan import WavePlan
from erpflow.inputs.yamlfile import Lines, line_of
from erpflow.model.accounts import Holder
from erpflow.model.batch import Batch
from erpflow.model.errors import InputError
from erpflow.model.items import ItemOutcome
from erpflow.model.wave import Wave
from erpflow.operations.batches import BatchPlan

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets

Recorded = Callable[[str], Batch | None]  # batch key -> its aggregate, if any


@dataclass
class Preparing:
    """A plan and its method; operations add the files they read (path -> sha256), rows read per dataset, rows
    each leave_out rule drops, and what they share (``shared``, e.g. the people of the HR export for accounts and
    training)."""

    plan: WavePlan
    path: Path
    lines: Lines
    method: Method
    folder: Path  # the method's folder (domain/)
    inputs: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)  # section -> leave_out rule -> rows
    accounts: Callable[[Sequence[str]], dict[str, Holder]] | None = None  # the target's accounts by login prefix

    def error(self, message: str, *loc: str) -> InputError:
        """An input error naming the plan, and the line and field of ``loc`` in it."""
        return InputError(str(self.path), message, line=line_of(self.lines, loc), field=".".join(loc) or None)


class Operation(Protocol):
    """An operation of the cycle: domain/cycle.yaml names it by ``id``."""

    id: str

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        """The operation's batches, validated from the plan's inputs; touches nothing."""

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        """Send a batch's items to the target; one outcome per item, in order."""

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        """What the target already holds of a batch's items, by natural key: ref -> target id."""

    def concurrency(self, wanted: int, targets: Targets) -> int:
        """How many batches may run at once when ``wanted`` are asked for, given the wave's targets."""

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        """One line for the plan's table: what the batches hold."""

    def after(
        self, wave: Wave, batches: list[BatchPlan], rows: dict[str, int], recorded: Recorded, ctx: dict[str, str]
    ) -> None:
        """The step after the batches, recorded on the wave (e.g. migration's reconciliation)."""


class Defaults:
    """What most operations do: one batch at a time, nothing to look up, no summary, nothing after."""

    id: str

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        return {}

    def concurrency(self, wanted: int, targets: Targets) -> int:
        return 1

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        return ""

    def after(
        self, wave: Wave, batches: list[BatchPlan], rows: dict[str, int], recorded: Recorded, ctx: dict[str, str]
    ) -> None:
        return None
