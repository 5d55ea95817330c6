"""The in-memory event store (eventsourcing's POPO), chaining and indexing each event like the SQL ones.

Named by ``PERSISTENCE_MODULE=erpflow.store.popo``: for fast tests of the application layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing import popo as library
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder

from erpflow.store.chained import GENESIS, link


class ChainedPOPORecorder(POPOApplicationRecorder):
    """POPO's application recorder with the chain and the wave index kept in lists, under its own lock."""

    wave_of: Callable[[Notification], str] | None = None

    def __init__(self) -> None:
        super().__init__()
        self._chain: list[tuple[int, str]] = []
        self._waves: dict[str, list[int]] = {}

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = list(super()._update_table(stored_events, **kwargs) or [])
        waves = kwargs.get("waves") or [""] * len(ids)
        for stored, position, wave in zip(stored_events, ids, waves, strict=True):
            previous = self._chain[-1][1] if self._chain else GENESIS
            self._chain.append(
                (
                    position,
                    link(
                        previous, position, stored.originator_id, stored.originator_version, stored.topic, stored.state
                    ),
                )
            )
            self._waves.setdefault(wave, []).append(position)
        return ids

    def lagging(self) -> bool:
        return False

    def first_of(self, topic: str) -> Any | None:
        with self._database_lock:
            return next((s.originator_id for s in self._stored_events if s.topic == topic), None)

    def catch_up(self) -> None:
        """Nothing to catch up: an in-memory store starts empty."""

    def chain_head(self) -> tuple[int, str]:
        with self._database_lock:
            return self._chain[-1] if self._chain else (0, GENESIS)

    def select_chain(self, start: int, stop: int | None) -> list[tuple[int, str]]:
        with self._database_lock:
            return [(p, d) for p, d in self._chain if p >= start and (stop is None or p <= stop)]

    def link_of(self, position: int) -> tuple[str, str]:
        with self._database_lock:
            before = [d for p, d in self._chain if p < position]
            at = [d for p, d in self._chain if p == position]
        return (before[-1] if before else GENESIS), (at[0] if at else "")

    def stored_ids(self) -> None:
        return None

    def select_rows(self, start: int, limit: int) -> list[tuple[int, Any, int, str, bytes]]:
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in self.select_notifications(start, limit)
        ]

    def select_wave(self, wave: str, after: int, limit: int) -> list[Notification]:
        with self._database_lock:
            positions = [p for p in self._waves.get(wave, []) if p > after][:limit]
        return [self.select_notifications(p, 1)[0] for p in positions]


class ChainedPOPOFactory(library.POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return ChainedPOPORecorder()


Factory = ChainedPOPOFactory
