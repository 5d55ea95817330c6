"""A stop signal never cuts a ledger write half-way: it is raised once the write has ended."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from eventsourcing.application import Application

from erpflow.application.ledger import Ledger
from erpflow.interrupts import Interrupted, exit_code, shielded, stop_on_signals
from erpflow.model.anomaly import Anomaly
from erpflow.settings import Settings

from .fakes import in_memory_store


def test_a_signal_outside_a_shield_stops_at_once():
    reached = False
    with pytest.raises(Interrupted) as stopped, stop_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        reached = True
    assert not reached and exit_code(stopped.value) == 143


def test_a_signal_inside_a_shield_waits_for_its_end_and_comes_once():
    steps = []
    with pytest.raises(Interrupted) as stopped, stop_on_signals():
        with shielded():
            with shielded():
                os.kill(os.getpid(), signal.SIGINT)
                steps.append("inner")
            steps.append("outer")  # the inner section's end is not the outermost one
            os.kill(os.getpid(), signal.SIGINT)  # repeated while stopping: ignored
        steps.append("after")
    assert steps == ["inner", "outer"] and exit_code(stopped.value) == 130


def test_a_ledger_save_interrupted_half_way_is_stored_whole(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    record = Application._record

    def signalled_record(self, processing_event):
        os.kill(os.getpid(), signal.SIGINT)  # lands inside the write
        return record(self, processing_event)

    with in_memory_store(monkeypatch):
        ledger = Ledger(Settings(home=tmp_path))
        monkeypatch.setattr(Application, "_record", signalled_record)
        anomaly = Anomaly("pilot", "accounts", "jdupont", "blocking", "cannot log in", {"actor": "integrator"})
        with pytest.raises(Interrupted), stop_on_signals():
            ledger.save(anomaly)
        assert ledger.repository.get(anomaly.id).version == anomaly.version
