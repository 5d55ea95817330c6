"""A transcoder that decodes with orjson: the same stored JSON as eventsourcing's JSONTranscoder, read faster.

Registered transcodings apply to their exact type. When one is registered for a tuple or a subclass of a JSON
type (which the json module writes itself), states are walked in Python and written by orjson; otherwise they are
written by the json module's C encoder exactly as JSONTranscoder writes them, which is faster than that walk.
Other tuples and subclasses of the JSON types are stored as their base type, as JSONTranscoder stores them.
"""

from __future__ import annotations

import threading
from datetime import datetime
from json import encoder as json_encoder
from typing import Any

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
)

__all__ = ["OrjsonTranscoder"]

_SCALARS = frozenset((str, int, float, bool, type(None)))
_CONTAINERS = (dict, list)
_OPTIONS = orjson.OPT_NON_STR_KEYS
_JSON_OWN = (tuple, str, int, float, dict, list)  # the json module writes these (and subclasses) itself


class OrjsonTranscoder(JSONTranscoder):
    """Drop-in for JSONTranscoder (``TRANSCODER_TOPIC``); reads what JSONTranscoder wrote, and the reverse."""

    def __init__(self) -> None:
        super().__init__()
        self._walk = False
        self._decoders: dict[str, Any] = {}
        self._writers = threading.local()

    def _c_encoder(self) -> Any:
        """The C encoder `json.JSONEncoder.encode` makes anew for each call, with JSONTranscoder's settings: made
        once a thread (its circular-reference marks are its own), None where the json module has none."""
        make = getattr(json_encoder, "c_make_encoder", None)
        writer = (
            make({}, self._encode_obj, json_encoder.encode_basestring, None, ":", ",", False, False, True)
            if make
            else None
        )
        self._writers.write = writer
        return writer

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._walk = any(issubclass(t, _JSON_OWN) for t in self.types)
        # DatetimeAsISO.decode is datetime.fromisoformat behind a check of the type the caller makes anyway.
        self._decoders = {
            name: datetime.fromisoformat if type(t) is DatetimeAsISO else t.decode for name, t in self.names.items()
        }

    def encode(self, obj: Any) -> bytes:
        if self._walk:
            return orjson.dumps(self._plain(obj), option=_OPTIONS)
        write: Any = getattr(self._writers, "write", None) or self._c_encoder()
        if write is None:
            return super().encode(obj)
        try:  # the json module's C encoder, which asks for nothing but registered types
            return "".join(write(obj, 0)).encode("utf8")
        except BaseException:
            self._c_encoder()  # a failed encode may leave its circular-reference marks set
            raise

    def decode(self, data: bytes) -> Any:
        obj = orjson.loads(data)
        markers = data.count(b'"_type_"')  # at least as many as the typed values to revive
        if not markers:
            return obj
        if type(obj) is dict and obj:
            # An event's state starts with its timestamp: revive a typed first value without a walk.
            key = next(iter(obj))
            value = obj[key]
            if type(value) is dict and len(value) == 2 and type(value.get("_data_")) is str:
                name = value.get("_type_")
                decoder = self._decoders.get(name) if type(name) is str else None
                if decoder is not None:
                    obj[key] = decoder(value["_data_"])
                    markers -= 1
                    if not markers:
                        return obj
        return self._revive(obj, markers)[0]

    def _plain(self, obj: Any) -> Any:
        """The object with every registered type replaced by its typed form; containers of plain values as
        they are (orjson reads them without a copy)."""
        kind = type(obj)
        if kind is dict:
            if _SCALARS.issuperset(map(type, obj.values())):
                return obj
            return {key: value if type(value) in _SCALARS else self._plain(value) for key, value in obj.items()}
        if kind is list:
            if _SCALARS.issuperset(map(type, obj)):
                return obj
            return [
                value
                if type(value) is dict and _SCALARS.issuperset(map(type, value.values()))
                else value
                if type(value) in _SCALARS
                else self._plain(value)
                for value in obj
            ]
        if kind in _SCALARS:
            return obj
        transcoding = self.types.get(kind)
        if transcoding is not None:
            data = transcoding.encode(obj)
            return {"_type_": transcoding.name, "_data_": data if type(data) in _SCALARS else self._plain(data)}
        if isinstance(obj, dict):
            return self._plain(dict(obj))
        if isinstance(obj, list | tuple):
            return self._plain(list(obj))
        for base in (str, bool, int, float):
            if isinstance(obj, base):
                return base(obj)
        msg = (
            f"Object of type {kind} is not serializable. Please define and register a custom transcoding for this type."
        )
        raise TranscodingNotRegisteredError(msg)

    def _revive(self, obj: Any, left: int) -> tuple[Any, int]:
        """Revive typed values bottom-up, stopping once ``left`` of them are found; the value and those left."""
        if type(obj) is list:
            for index, value in enumerate(obj):
                if type(value) in _CONTAINERS:
                    obj[index], left = self._revive(value, left)
                    if not left:
                        break
            return obj, left
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            if type(obj["_data_"]) in _CONTAINERS:
                obj["_data_"], left = self._revive(obj["_data_"], left)
            return self._decode_obj(obj), left - 1
        nested = []
        for key, value in obj.items():
            if type(value) is dict and len(value) == 2 and "_type_" in value:
                obj[key], left = self._revive(value, left)
                if not left:
                    return obj, 0
            elif type(value) in _CONTAINERS:
                nested.append(key)
        for key in nested:
            obj[key], left = self._revive(obj[key], left)
            if not left:
                break
        return obj, left
