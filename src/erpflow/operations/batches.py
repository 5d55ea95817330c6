"""A batch as planned: the items sent to a target in one call, and the rows refused before."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from erpflow.model.items import ItemOutcome


@dataclass(frozen=True)
class BatchPlan:
    """Content-addressed: the key ends with a digest of the content, so a changed
    input makes a new batch rather than being skipped as done."""

    label: str
    items: tuple[Any, ...]
    rejected: tuple[ItemOutcome, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    dataset: str = ""
    keyed_details: bool = field(default=False, repr=False)  # whether the key digests details (None if not)

    @cached_property
    def key(self) -> str:
        """The label and a digest of the items, rejections and details; made when first asked for, since a run
        of some operations of the cycle needs the keys of those alone (printing thousands of items costs)."""
        content = (list(self.items), list(self.rejected), self.details if self.keyed_details else None)
        return f"{self.label}-{hashlib.sha256(repr(content).encode()).hexdigest()[:8]}"

    @property
    def size(self) -> int:
        return len(self.items) + len(self.rejected)


def keyed(label: str, items: Sequence[Any], rejected: Sequence[ItemOutcome], **extra: Any) -> BatchPlan:
    return BatchPlan(label, tuple(items), tuple(rejected), **extra, keyed_details="details" in extra)


def chunked(entries: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(entries), size):
        yield entries[start : start + size]


def split(entries: Sequence[Any]) -> tuple[list[Any], list[ItemOutcome]]:
    """Separate specs to send from outcomes already decided (rejections)."""
    items = [e for e in entries if not isinstance(e, ItemOutcome)]
    return items, [e for e in entries if isinstance(e, ItemOutcome)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
