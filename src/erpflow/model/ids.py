"""Deterministic ids: the same names always give the same aggregate id."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6b1e0c7e-3f4e-5c1a-9d57-2b8f0e6a4c31")


def wave_id(wave: str) -> UUID:
    return uuid5(NAMESPACE, f"wave/{wave}")


def batch_id(wave: str, operation: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"batch/{wave}/{operation}/{key}")


def anomaly_id(wave: str, operation: str, item: str) -> UUID:
    return uuid5(NAMESPACE, f"anomaly/{wave}/{operation}/{item}")


def runs_id(wave: str) -> UUID:
    return uuid5(NAMESPACE, f"runs/{wave}")


def gate_id(wave: str) -> UUID:
    return uuid5(NAMESPACE, f"gate/{wave}")


def attendance_id(wave: str) -> UUID:
    return uuid5(NAMESPACE, f"attendance/{wave}")


def manual_anomaly_id(wave: str, operation: str, item: str, number: int) -> UUID:
    """The ``number``-th anomaly raised by hand on an item (from 1): each gets a stream of its own."""
    return uuid5(NAMESPACE, f"anomaly/{wave}/{operation}/{item}/manual/{number}")
