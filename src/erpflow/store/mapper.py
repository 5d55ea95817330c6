"""eventsourcing's Mapper, turning a page of stored rows into domain events with each topic's work done once.

The events are those the library's `Mapper.to_domain_event` makes (tested event by event on real stores): the
same class, the same state, the same upcasting. What it saves is per-row work that does not depend on the row:
resolving the topic, finding the id convertor and the class version, parsing an aggregate's id again for each
of its events.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, cast
from uuid import UUID, SafeUUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
    pass_through_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

__all__ = ["FastMapper", "Row", "RowNotDecoded", "uuid_of_hex"]

Row = tuple[int, Any, int, str, bytes]  # (position, originator id as stored, version, topic, state)

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def uuid_of_hex(text: str) -> UUID:
    """``UUID(text)`` for the 32 hex digits SQLite stores, without its general parsing."""
    if len(text) != 32:
        return UUID(text)
    value = _new(UUID)
    _set(value, "int", int(text, 16))
    _set(value, "is_safe", _UNKNOWN)
    return value


class _Kind:
    """What every event of one topic shares; ``convert`` is None where the id is passed through."""

    __slots__ = ("cls", "convert", "id_type", "version")

    def __init__(self, topic: str):
        self.cls: type = resolve_topic(topic)
        self.version: int = getattr(self.cls, "class_version", 1)
        self.id_type: type | None = None
        self.convert: Callable[[Any], Any] | None = None

    def for_id(self, id_type: type) -> _Kind:
        convert = find_id_convertor(self.cls, cast(Hashable, id_type))
        self.id_type, self.convert = id_type, None if convert is pass_through_convertor else convert
        return self


class RowNotDecoded(MapperDeserialisationError):
    """A stored row that is no domain event; ``position`` is where it is."""

    def __init__(self, position: int):
        super().__init__(f"the record at position {position} does not decode")
        self.position = position


class FastMapper(Mapper[UUID]):
    """The library's Mapper, with `iter_domain_events` for pages of stored rows, and `to_stored_event` finding
    each class's topic and version once."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._kinds: dict[str, _Kind] = {}
        self._stored_kinds: dict[type, tuple[str, int]] = {}

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """The library's `to_stored_event` (the same stored event, tested), without a cipher or compressor."""
        if self.cipher or self.compressor:
            return super().to_stored_event(domain_event)
        cls = type(domain_event)
        kind = self._stored_kinds.get(cls)
        if kind is None:
            kind = self._stored_kinds[cls] = (get_topic(cls), getattr(cls, "class_version", 1))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        if kind[1] > 1:
            state["class_version"] = kind[1]
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=kind[0],
            state=self.transcoder.encode(state),
        )

    def iter_domain_events(
        self, rows: Iterable[Row], ids: Callable[[Any], Any] | None = None
    ) -> Iterator[tuple[int, DomainEventProtocol[UUID]]]:
        """The (position, domain event) of each stored row, each made when asked for (an event the caller drops
        at once is never promoted by the garbage collector); ``ids`` turns a stored originator id into the one
        the recorder gives (as ``convert_originator_id`` does), once per aggregate. A row that does not decode
        raises `RowNotDecoded`."""
        if self.cipher or self.compressor:
            for position, stored_id, version, topic, state in rows:
                stored = StoredEvent(ids(stored_id) if ids else stored_id, version, topic, state)
                try:
                    yield position, self.to_domain_event(stored)
                except Exception as exc:
                    raise RowNotDecoded(position) from exc
            return
        decode, kinds = self.transcoder.decode, self._kinds
        parsed: dict[Any, Any] = {}
        for position, stored_id, version, topic, data in rows:
            try:
                kind = kinds.get(topic)
                if kind is None:
                    kind = kinds[topic] = _Kind(topic)
                if ids is None:
                    originator_id = stored_id
                else:
                    originator_id = parsed.get(stored_id)
                    if originator_id is None:
                        originator_id = parsed[stored_id] = ids(stored_id)
                state = decode(data)
                if type(originator_id) is not kind.id_type:
                    kind.for_id(type(originator_id))
                state["originator_id"] = originator_id if kind.convert is None else kind.convert(originator_id)
                state["originator_version"] = version
                from_version = state.pop("class_version", 1)
                while from_version < kind.version:
                    getattr(kind.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                    from_version += 1
            except Exception as exc:
                raise RowNotDecoded(position) from exc
            event: Any = _new(kind.cls)
            _set(event, "__dict__", state)
            yield position, event
