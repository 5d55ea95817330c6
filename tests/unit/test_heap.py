"""The garbage collector around a wave's bulk work: paused while a wave is prepared, the wave kept out of full
collections while it runs; each given back as it was, whatever happens."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from erpflow.application import preparation
from erpflow.heap import kept_out_of_collections, no_collections

REPO = Path(__file__).resolve().parents[2]


def test_no_collection_while_preparing_and_the_collector_as_it_was_after(monkeypatch):
    seen = []
    load_plan = preparation.load_plan
    monkeypatch.setattr(preparation, "load_plan", lambda path: seen.append(gc.isenabled()) or load_plan(path))
    prepared = preparation.prepare(REPO / "deployments" / "plans" / "pilot.yaml", None)
    assert seen == [False] and gc.isenabled() and prepared.batches["accounts"]

    with pytest.raises(RuntimeError), no_collections():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with no_collections():
            pass
        assert not gc.isenabled()  # one who had turned it off keeps it off
    finally:
        gc.enable()


def test_what_lives_is_kept_out_of_collections_for_the_run_and_given_back_even_on_an_error():
    alive = [object() for _ in range(100)]
    with pytest.raises(RuntimeError), kept_out_of_collections():
        assert gc.get_freeze_count() >= len(alive)
        raise RuntimeError
    assert gc.get_freeze_count() == 0
