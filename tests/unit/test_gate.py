"""Gate evaluation and decisions: pure."""

from pathlib import Path

import pytest

from erpflow.inputs.method import load_method
from erpflow.model.decisions import GateDecisions
from erpflow.model.errors import CommandRefused
from erpflow.model.gate import Facts, evaluate, evidence_digest

REPO = Path(__file__).resolve().parents[2]
PILOT_EXIT = load_method(REPO / "domain").gates.gates["pilot-exit"].criteria
CTX = {"wave": "pilot", "actor": "committee", "flow_run_id": "", "operation": "", "code_version": "0.1.0"}


def facts(**changes) -> Facts:
    clean = dict(
        open_anomalies={"major": 2},
        invited=100,
        attended=95,
        rows_read=200,
        rows_rejected=2,
        operations_done=4,
        operations=4,
    )
    return Facts(**{**clean, **changes})


def test_a_clean_pilot_passes_every_criterion():
    results = evaluate(PILOT_EXIT, facts())
    assert [(r.id, r.measured, r.passed) for r in results] == [
        ("no-open-blocking-anomaly", 0, True),
        ("training-completion", 0.95, True),
        ("migration-rejects", 0.01, True),
        ("operations-completed", 1, True),
    ]


def test_each_criterion_fails_on_its_own_fact():
    failed = {
        r.id
        for r in evaluate(
            PILOT_EXIT, facts(open_anomalies={"blocking": 1}, attended=80, rows_rejected=5, operations_done=3)
        )
        if not r.passed
    }
    assert failed == {"no-open-blocking-anomaly", "training-completion", "migration-rejects", "operations-completed"}
    assert evaluate(PILOT_EXIT, facts(invited=0, attended=0))[1].measured == 0


def test_a_go_needs_every_criterion_passed_and_is_recorded_with_its_evidence():
    wave = GateDecisions(wave="pilot", ctx=CTX)
    failing = evaluate(PILOT_EXIT, facts(attended=10))
    with pytest.raises(CommandRefused, match="cannot be go: training-completion failed"):
        wave.decide("pilot-exit", "go", [vars(r) for r in failing], "e", CTX)
    passing = evaluate(PILOT_EXIT, facts())
    digest = evidence_digest(facts(), passing)
    wave.decide("pilot-exit", "go", [vars(r) for r in passing], digest, CTX)
    assert wave.latest["decision"] == "go" and wave.latest["by"] == "committee" and wave.latest["evidence"] == digest
    assert evidence_digest(facts(attended=96), passing) != digest


def test_rates_read_in_percent_and_counts_as_numbers():
    results = evaluate(PILOT_EXIT, facts(invited=40, attended=37, rows_read=220, rows_rejected=7))
    shown = {r.id: (r.shown(r.measured), r.target) for r in results}
    assert shown["training-completion"] == ("92.5%", ">= 90%")
    assert shown["migration-rejects"] == ("3.2%", "<= 2%")
    assert shown["no-open-blocking-anomaly"] == ("0", "== 0")
