"""A transcoder on orjson: the same stored JSON as eventsourcing's JSONTranscoder, encoded and decoded faster.

Registered transcodings apply to their exact type (tuples and subclasses too, when one is registered for them);
other tuples and subclasses of the JSON types are stored as their base type, as JSONTranscoder stores them.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

__all__ = ["OrjsonTranscoder"]

_SCALARS = frozenset((str, int, float, bool, type(None)))
_CONTAINERS = (dict, list)
_OPTIONS = orjson.OPT_NON_STR_KEYS


class OrjsonTranscoder(JSONTranscoder):
    """Drop-in for JSONTranscoder (``TRANSCODER_TOPIC``); reads what JSONTranscoder wrote, and the reverse."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(self._plain(obj), option=_OPTIONS)

    def decode(self, data: bytes) -> Any:
        obj = orjson.loads(data)
        if b'"_type_"' not in data:
            return obj
        return self._revive(obj)

    def _plain(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _SCALARS:
            return obj
        if kind is dict:
            return {key: value if type(value) in _SCALARS else self._plain(value) for key, value in obj.items()}
        if kind is list:
            return [value if type(value) in _SCALARS else self._plain(value) for value in obj]
        transcoding = self.types.get(kind)
        if transcoding is not None:
            return {"_type_": transcoding.name, "_data_": self._plain(transcoding.encode(obj))}
        if isinstance(obj, dict):
            return self._plain(dict(obj))
        if isinstance(obj, list | tuple):
            return self._plain(list(obj))
        for base in (str, bool, int, float):
            if isinstance(obj, base):
                return base(obj)
        msg = (f"Object of type {kind} is not serializable. Please define and register a custom transcoding "
               "for this type.")
        raise TranscodingNotRegisteredError(msg)

    def _revive(self, obj: Any) -> Any:
        if type(obj) is list:
            for index, value in enumerate(obj):
                if type(value) in _CONTAINERS:
                    obj[index] = self._revive(value)
            return obj
        for key, value in obj.items():
            if type(value) in _CONTAINERS:
                obj[key] = self._revive(value)
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return self._decode_obj(obj)
        return obj
