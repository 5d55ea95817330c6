"""Bulk writes to Tryton that isolate refusals, and the plain values outcomes carry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from erpflow.model.items import ItemOutcome
from erpflow.targets.tryton_remote import refused
from erpflow.targets.tryton_session import TrytonSession, reason

CALL_ROWS = 100
"""Rows a create or write call sends at most. trytond checks every record it makes from a call's list against the
whole list (`ModelStorage.__init__`), so one call's cost grows with the square of its rows."""


class Plan:
    """What becomes of each item of a batch; run() creates and writes in bulk, isolating refusals."""

    def __init__(self, target: TrytonSession, model: str, items: Sequence[Any]):
        self.target, self.model, self.items = target, model, list(items)
        self.done: dict[int, ItemOutcome] = {}
        self.creates: list[tuple[int, Any]] = []
        self.writes: list[tuple[int, Any]] = []

    def pending(self) -> Iterator[tuple[int, Any]]:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if ref(item) in seen:
                self.reject(i, f"{ref(item)!r} appears twice in the batch")
            elif i not in self.done:
                seen.add(ref(item))
                yield i, item

    def reject(self, i: int, reason: str) -> None:
        self.done[i] = ItemOutcome(ref(self.items[i]), "rejected", reason=reason, source=self.items[i].source)

    def create(self, i: int, values: dict[str, Any]) -> None:
        self.creates.append((i, values))

    def update(self, i: int, erp_id: int, values: dict[str, Any], changes: dict[str, list[Any]]) -> None:
        if changes:
            self.writes.append((i, (erp_id, values)))
        self.done[i] = ItemOutcome(
            ref(self.items[i]),
            "updated" if changes else "unchanged",
            erp_id,
            source=self.items[i].source,
            changes=plain_changes(changes),
        )

    def run(self) -> list[ItemOutcome]:
        for method, rows in (("create", self.creates), ("write", self.writes)):
            for start in range(0, len(rows), CALL_ROWS):
                for i, result in split(self.target, self.model, method, rows[start : start + CALL_ROWS]).items():
                    if isinstance(result, str):
                        self.reject(i, result)
                    elif method == "create":
                        self.done[i] = ItemOutcome(ref(self.items[i]), "created", result, source=self.items[i].source)
        return [self.done[i] for i in range(len(self.items))]


def split(target: TrytonSession, model: str, method: str, rows: list[tuple[int, Any]]) -> dict[int, Any]:
    """Run one call for all rows; when Tryton refuses it, halve until each refusal has its row."""
    if not rows:
        return {}
    try:
        if method == "create":
            return dict(zip([i for i, _ in rows], target._call(model, "create", [v for _, v in rows]), strict=False))
        target._call(model, "write", *[a for _, (rid, values) in rows for a in ([rid], values)])
        return {i: rid for i, (rid, _) in rows}
    except Exception as exc:
        if not refused(exc):
            raise
        if len(rows) == 1:
            return {rows[0][0]: reason(exc)}
        half = len(rows) // 2
        return {**split(target, model, method, rows[:half]), **split(target, model, method, rows[half:])}


def diff(current: dict[str, Any], want: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [current.get(k), v] for k, v in want.items() if (current.get(k) or "") != (v or "")}


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def plain_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [plain(before), plain(after)] for k, (before, after) in changes.items()}


def same(before: Any, value: Any) -> bool:
    if isinstance(before, list) and isinstance(value, (list, tuple)):
        return sorted(map(str, before)) == sorted(map(str, value))
    return before == value


def ref(item: Any) -> str:
    return getattr(item, "login", None) or item.code
