"""Stored states read for a few fields by typed msgspec decoders give what ``orjson.loads`` and dict access give:
on states the ledger stored, on odd ones (missing fields, nulls, non-ASCII, escapes), and on generated ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erpflow.application.ledger import Ledger
from erpflow.model.batch import Batch
from erpflow.projections.items import SUCCEEDED, _rows, _rows_of
from erpflow.settings import Settings
from erpflow.store.pages import pages
from erpflow.store.states import context
from erpflow.store.transcoder import OrjsonTranscoder

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1"}
ODD = [
    {"ref": "alice", "status": "created", "erp_id": 7, "source": "hr.csv:2"},
    {"ref": "bob", "status": "rejected", "erp_id": None, "reason": "bad e-mail", "source": None},
    {"ref": "éloïse Ærø 🐈", "status": "created", "erp_id": "x-ü", "source": "rh.csv:3"},
    {"ref": 'say "hi" \\ back\\slash', "status": "updated", "erp_id": 0, "reason": 'a "quoted" reason\n'},
    {"ref": 42, "status": "created", "erp_id": 1.5},
    {"ref": "\u0000\u001f\u2028", "status": "skipped", "erp_id": "", "reason": ""},
    {"status": "created"},
    {"ref": None, "status": "created", "extra": {"nested": [1, {"ref": "not this one"}]}, "erp_id": False},
]


def _orjson_rows(position: int, stored: bytes) -> list[tuple]:
    """The items read model's rows of a stored state as orjson and dict access read them (the projection's own
    reading of a state its types do not fit)."""
    return _rows_of(position, orjson.loads(stored))


def _orjson_context(stored: bytes) -> tuple[Any, Any]:
    ctx = orjson.loads(stored)["ctx"]
    return ctx.get("wave", ""), ctx.get("operation", "")


def _stored(state: dict) -> bytes:
    return OrjsonTranscoder().encode(state)


def test_states_the_ledger_stored_read_the_same(tmp_path: Path):
    ledger = Ledger(Settings(home=tmp_path))
    waves = [CTX, {**CTX, "wave": 'vague été "2"', "operation": "réglages"}, {"actor": "bob"}]
    for n, ctx in enumerate(waves):
        batch = Batch(wave="w", operation="accounts", key=f"b{n}", items=len(ODD), digest="d", details={}, ctx=ctx)
        batch.attempt("run-1", ctx)
        batch.succeed(ODD, ctx)
        ledger.save(batch)
    succeeded = 0
    for page in pages(ledger):
        for position, _, _, topic, state in page:
            _same_context(state)
            if topic == SUCCEEDED:
                succeeded += 1
                assert _rows(position, state) == _orjson_rows(position, state)
                assert len(_rows(position, state)) == len(ODD)
    assert succeeded == len(waves)


@pytest.mark.parametrize(
    "state",
    [
        b'{"ctx":{}}',
        b'{"ctx":{"wave":null,"operation":7},"outcomes":[]}',
        b'{"outcomes":[{"ref":"a"}],"ctx":{"wave":"w"}}',
        b'{"ctx":{"wave":"\\u00e9t\\u00e9 \\"q\\" \\\\ \\ud83d\\udc08"},'
        b'"outcomes":[{"ref":"\\u0041\\"","erp_id":null}]}',
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00"},"ctx":{"x":[{"wave":"no"}],'
        b'"wave":"yes"},"outcomes":[{"ref":{"a":1},"source":[],"status":"s","reason":0,"erp_id":[1]}],"counts":{}}',
        b' { "ctx" : { "wave" : "w" } , "outcomes" : [ { } ] } ',
        b'{"ctx":{"wave":"a","wave":"b"},"outcomes":[{"ref":"r","ref":"s"}]}',
        b'{"ctx":null}',
        b'{"ctx":{"wave":"w"},"outcomes":{}}',
        b'{"ctx":{"wave":"w"},"outcomes":[{"ref":123456789012345678901234567890,"erp_id":18446744073709551616}]}',
        b'{"ctx":{"wave":"w"},"outcomes":[{"ref":18446744073709551615,"erp_id":-9223372036854775808}]}',
    ],
)
def test_odd_states_read_the_same(state: bytes):
    assert _rows(3, state) == _orjson_rows(3, state)
    _same_context(state)


def _same_context(state: bytes) -> None:
    try:
        expected = _orjson_context(state)
    except Exception as exc:
        with pytest.raises(type(exc)):
            context(state)
        return
    assert (context(state).wave, context(state).operation) == expected


@pytest.mark.parametrize(
    "state",
    [
        b"{}",
        b'{"ctx":null,"outcomes":[{}]}',
        b'{"ctx":[],"outcomes":[{}]}',
        b'{"ctx":{},"outcomes":null}',
        b'{"ctx":{},"outcomes":[1]}',
        b'{"ctx":{}',
        b"",
    ],
)
def test_states_orjson_cannot_read_raise_as_with_orjson(state: bytes):
    with pytest.raises(Exception) as theirs:
        _orjson_rows(1, state)
    with pytest.raises(type(theirs.value)):
        _rows(1, state)
    _same_context(state)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
fields = st.sampled_from(["ref", "source", "status", "erp_id", "reason", "other", "wave"])


@settings(max_examples=300, deadline=None)
@given(
    ctx=st.dictionaries(st.sampled_from(["wave", "operation", "actor"]), values),
    outcomes=st.lists(st.dictionaries(fields, values | st.lists(values, max_size=3)), max_size=4),
    ascii_only=st.booleans(),
)
def test_generated_states_read_the_same(ctx: dict, outcomes: list[dict], ascii_only: bool):
    state = {"ctx": ctx, "outcomes": outcomes, "counts": {"created": 1}}
    for stored in (_stored(state), json.dumps(state, ensure_ascii=ascii_only).encode()):
        assert _rows(5, stored) == _orjson_rows(5, stored)
        _same_context(stored)
