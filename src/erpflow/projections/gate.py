"""The facts a gate is evaluated on, from a wave's events."""

from __future__ import annotations

from collections import Counter

from erpflow.application import waves
from erpflow.application.ledger import Ledger
from erpflow.model.gate import Facts
from erpflow.model.vocabulary import OperationState
from erpflow.projections.anomalies import anomalies


def invitations(ledger: Ledger, wave: str) -> dict[str, dict]:
    """Training sessions of the wave: session -> {role, site, invited logins}, from its training batches."""
    recorded = ledger.wave(wave)
    sessions = {}
    for key in recorded.operations.get("training", {}).get("batches", []):
        batch = ledger.batch(wave, "training", key)
        if batch is None:
            continue
        sent = {o["ref"] for o in batch.outcomes if o["status"] == "sent"}
        sessions[batch.details.get("session", key)] = {
            "role": batch.details.get("role", ""),
            "site": batch.details.get("site", ""),
            "invited": sent,
        }
    return sessions


def gate_facts(ledger: Ledger, wave: str) -> Facts:
    recorded = waves.view(ledger, wave)
    sessions = invitations(ledger, wave)
    attended = recorded.attendance
    open_ones = Counter(str(a.severity) for a in anomalies(ledger, wave) if a.open)
    rows = recorded.reconciliations.values()
    return Facts(
        open_anomalies=dict(open_ones),
        invited=sum(len(s["invited"]) for s in sessions.values()),
        attended=sum(len(set(attended.get(name, [])) & s["invited"]) for name, s in sessions.items()),
        rows_read=sum(r["read"] for r in rows),
        rows_rejected=sum(r["rejected"] for r in rows),
        operations_done=sum(
            1 for op in recorded.cycle if recorded.operations.get(op, {}).get("state") == OperationState.DONE
        ),
        operations=len(recorded.cycle),
    )


def completion(ledger: Ledger, wave: str) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (role, site): people who attended, people invited."""
    recorded = waves.view(ledger, wave)
    attended = recorded.attendance
    result: dict[tuple[str, str], tuple[int, int]] = {}
    for name, session in invitations(ledger, wave).items():
        done, invited = result.get((session["role"], session["site"]), (0, 0))
        present = len(set(attended.get(name, [])) & session["invited"])
        result[(session["role"], session["site"])] = (done + present, invited + len(session["invited"]))
    return result
