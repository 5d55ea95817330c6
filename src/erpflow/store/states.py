"""Stored states read for a few fields: msgspec decodes those fields alone into typed structs and skips the rest,
where ``orjson.loads`` builds a dict of the whole state.

A projection declares the fields it reads as a ``msgspec.Struct`` with the types erpflow stores in them (a
missing field takes its default; unknown fields are skipped) and decodes with ``msgspec.json.Decoder`` of it. A
state that does not fit those types (a null, a number where a string is stored) raises ``msgspec.DecodeError``: the
projection then reads that state with ``orjson.loads``, so that odd states read exactly as orjson reads them.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import orjson

__all__ = ["Context", "Int64", "context"]

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]  # orjson reads an integer past 64 bits as a float


class Context(msgspec.Struct, gc=False):
    """An event's ``ctx``: the wave and the operation it was recorded for ("" when missing)."""

    wave: str = ""
    operation: str = ""


class _Contextual(msgspec.Struct, gc=False):
    ctx: Context


_contextual = msgspec.json.Decoder(_Contextual)


def context(state: bytes) -> Context:
    """The ``ctx`` of a stored state, its values as ``orjson.loads`` gives them (whatever their type)."""
    try:
        return _contextual.decode(state).ctx
    except msgspec.DecodeError:
        ctx = orjson.loads(state)["ctx"]
        return Context(ctx.get("wave", ""), ctx.get("operation", ""))
