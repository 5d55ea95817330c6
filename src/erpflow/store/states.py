"""Stored states read for a few fields: msgspec decodes those fields alone into typed structs and skips the rest,
where ``orjson.loads`` builds a dict of the whole state.

A projection that needs a few fields of a stored state declares them as a ``msgspec.Struct`` (fields typed ``Any``
keep the JSON value as ``orjson.loads`` gives it; a missing one takes its default) and decodes with
``msgspec.json.Decoder`` of it. Unknown fields are skipped.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["Context", "context"]


class Context(msgspec.Struct, gc=False):
    """An event's ``ctx``: the wave and the operation it was recorded for ("" when missing)."""

    wave: Any = ""
    operation: Any = ""


class _Contextual(msgspec.Struct, gc=False):
    ctx: Context


_contextual = msgspec.json.Decoder(_Contextual)


def context(state: bytes) -> Context:
    """The ``ctx`` of a stored state; ``msgspec.ValidationError`` (a ValueError) when it has none."""
    return _contextual.decode(state).ctx
