"""eventsourcing's Mapper, turning a page of stored rows into domain events with each topic's work done once.

The events are those the library's `Mapper.to_domain_event` makes (tested event by event on real stores): the
same class, the same state, the same upcasting. What it saves is per-row work that does not depend on the row:
resolving the topic, finding the id convertor and the class version, parsing an aggregate's id again for each
of its events; and the transcoder decodes the page's states in one call when it can (`decode_many`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast
from uuid import UUID, SafeUUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    find_id_convertor,
    pass_through_convertor,
)
from eventsourcing.utils import resolve_topic

__all__ = ["FastMapper", "Row", "uuid_of_hex"]

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


class FastMapper(Mapper[UUID]):
    """The library's Mapper, with `to_domain_events` for pages of stored rows."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._kinds: dict[str, _Kind] = {}

    def _decode_all(self, rows: Sequence[Row]) -> list[Any]:
        states = [row[4] for row in rows]
        if self.cipher:
            states = [self.cipher.decrypt(state) for state in states]
        if self.compressor:
            states = [self.compressor.decompress(state) for state in states]
        many = getattr(self.transcoder, "decode_many", None)
        if many is not None:
            return list(many(states))
        decode = self.transcoder.decode
        return [decode(state) for state in states]

    def to_domain_events(
        self, rows: Sequence[Row], ids: Callable[[Any], Any] | None = None
    ) -> list[tuple[int, DomainEventProtocol[UUID]]]:
        """The (position, domain event) of each stored row; ``ids`` turns a stored originator id into the one
        the recorder gives (as ``convert_originator_id`` does), once per aggregate in the page."""
        try:
            states = self._decode_all(rows)
        except Exception as exc:
            msg = f"Failed to deserialise the state of a stored event between positions {rows[0][0]} and {rows[-1][0]}"
            raise MapperDeserialisationError(msg) from exc
        kinds = self._kinds
        parsed: dict[Any, Any] = {}
        result: list[tuple[int, DomainEventProtocol[UUID]]] = []
        append = result.append
        for (position, stored_id, version, topic, _), state in zip(rows, states, strict=True):
            kind = kinds.get(topic)
            if kind is None:
                kind = kinds[topic] = _Kind(topic)
            if ids is None:
                originator_id = stored_id
            else:
                originator_id = parsed.get(stored_id)
                if originator_id is None:
                    originator_id = parsed[stored_id] = ids(stored_id)
            if type(originator_id) is not kind.id_type:
                kind.for_id(type(originator_id))
            state["originator_id"] = originator_id if kind.convert is None else kind.convert(originator_id)
            state["originator_version"] = version
            from_version = state.pop("class_version", 1)
            while from_version < kind.version:
                getattr(kind.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
            event: Any = _new(kind.cls)
            _set(event, "__dict__", state)
            append((position, event))
        return result
