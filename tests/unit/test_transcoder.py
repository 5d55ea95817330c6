"""The orjson transcoder passes eventsourcing's own transcoder test case, and stores what JSONTranscoder stores."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from eventsourcing.tests import persistence as library

from erpflow.model.batch import Batch
from erpflow.store.transcoder import OrjsonTranscoder

CTX = {"wave": "pilot", "actor": "alice", "flow_run_id": "run-1", "operation": "accounts", "code_version": "0.1"}


def _as(kind: type, name: str, to: type) -> Transcoding:
    class Subclass(Transcoding):
        type = kind

        def encode(self, obj: Any) -> Any:
            return to(obj)

        def decode(self, data: Any) -> Any:
            return kind(data)

    Subclass.name = name
    return Subclass()


class TestOrjsonTranscoder(library.TranscoderTestCase):
    def construct_transcoder(self) -> OrjsonTranscoder:
        transcoder = OrjsonTranscoder()
        for transcoding in (
            library.CustomType1AsDict(),
            library.CustomType2AsDict(),
            UUIDAsHex(),
            _as(tuple, "tuple_as_list", list),
            _as(library.Mydict, "mydict", dict),
            _as(library.MyList, "mylist", list),
            _as(library.MyStr, "mystr", str),
            _as(library.MyInt, "myint", int),
        ):
            transcoder.register(transcoding)
        return transcoder


def _both() -> tuple[JSONTranscoder, OrjsonTranscoder]:
    transcoders = JSONTranscoder(), OrjsonTranscoder()
    for transcoder in transcoders:
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return transcoders


def test_erpflow_events_are_stored_byte_for_byte_as_the_json_transcoder_stores_them():
    standard, fast = _both()
    batch = Batch(wave="pilot", operation="accounts", key="b1", items=2, digest="d", details={"site": "Lyon"}, ctx=CTX)
    batch.attempt("run-1", CTX)
    batch.succeed(
        [
            {"ref": "jdupont", "status": "created", "erp_id": "7"},
            {"ref": "éandré", "status": "rejected", "reason": "déjà là 🐈"},
        ],
        CTX,
    )
    for event in batch.collect_events():
        state = {k: v for k, v in event.__dict__.items() if k not in ("originator_id", "originator_version")}
        stored = standard.encode(state)
        assert fast.encode(state) == stored
        assert fast.decode(stored) == standard.decode(stored)


def test_the_ledger_stores_and_reads_with_it(tmp_path):
    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    ledger = Ledger(Settings(home=tmp_path))
    assert isinstance(ledger.mapper.transcoder, OrjsonTranscoder)
    batch = Batch(wave="pilot", operation="accounts", key="b1", items=1, digest="d", details={}, ctx=CTX)
    ledger.save(batch)
    assert ledger.batch("pilot", "accounts", "b1").key == "b1"


def test_tuples_and_subclasses_without_a_transcoding_are_stored_as_their_base_type():
    standard, fast = _both()
    value = {"pair": ("a", 1), "nested": [("b",)], 3: library.MyStr("x")}
    assert fast.encode(value) == standard.encode(value)
    assert fast.decode(fast.encode(value)) == {"pair": ["a", 1], "nested": [["b"]], "3": "x"}


def test_a_state_that_failed_to_encode_encodes_once_fixed():
    """The encoder is made once: what a failed encode left behind does not reach the next one."""
    standard, fast = _both()
    state: dict[str, Any] = {"items": [{"value": object()}]}
    with pytest.raises(TranscodingNotRegisteredError):
        fast.encode(state)
    state["items"] = [{"value": 1}]
    assert fast.encode(state) == standard.encode(state)
    state["items"].append(state)
    with pytest.raises(ValueError, match="Circular reference"):
        fast.encode(state)
    state["items"].pop()
    assert fast.encode(state) == standard.encode(state)
