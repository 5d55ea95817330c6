"""The anomalies of a wave, from its events."""

from __future__ import annotations

from erpflow.application.ledger import Ledger
from erpflow.model.anomaly import Anomaly
from erpflow.model.errors import CommandRefused


def anomalies(ledger: Ledger, wave: str) -> list[Anomaly]:
    """Every anomaly of the wave, in the order they were raised."""
    ids = dict.fromkeys(
        event.originator_id for _, event in ledger.wave_events(wave) if isinstance(event, Anomaly.Raised)
    )
    return [found for aggregate_id in ids if (found := ledger.anomaly(aggregate_id)) is not None]


def find(ledger: Ledger, wave: str, prefix: str) -> Anomaly:
    """The one anomaly of the wave whose id starts with ``prefix`` (as `erpflow anomaly list` shows it)."""
    matches = [a for a in anomalies(ledger, wave) if str(a.id).startswith(prefix.lower())]
    if len(matches) != 1:
        raise CommandRefused(
            f"{'no' if not matches else 'more than one'} anomaly of wave {wave!r} "
            f"has an id starting with {prefix!r}; see `erpflow anomaly list {wave}`"
        )
    return matches[0]
