"""Deterministic ids: the same names always give the same aggregate id."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

NAMESPACE = UUID("6b1e0c7e-3f4e-5c1a-9d57-2b8f0e6a4c31")


def wave_id(wave: str) -> UUID:
    return uuid5(NAMESPACE, f"wave/{wave}")


def batch_id(wave: str, operation: str, key: str) -> UUID:
    """A batch's id, kept beside the rest of its wave (`Naming.WAVE`)."""
    return within_wave(wave, named_batch_id(wave, operation, key))


def named_batch_id(wave: str, operation: str, key: str) -> UUID:
    """A batch's id in a store written before batches were kept beside their wave (`Naming.NAMES`)."""
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


def within_wave(wave: str, named: UUID) -> UUID:
    """``named`` kept beside the rest of its wave: the wave id's first eight bytes, then ``named``'s last eight
    (a version 8 UUID). A store's index is sorted by id, so a wave's streams fill a few of its pages, however
    large the store."""
    head = bytearray(wave_id(wave).bytes[:8])
    head[6] = 0x80 | head[6] & 0x0F
    return UUID(bytes=bytes(head) + named.bytes[8:])


class Naming(StrEnum):
    """How a store names its batch streams: each wave's together (``WAVE``), or by the names' uuid5 alone, as
    stores written before did (``NAMES``). A store keeps the naming of its first batch, so its log tells it."""

    NAMES = "names"
    WAVE = "wave"

    @classmethod
    def of_first(cls, first_batch: UUID | None) -> Naming:
        """The naming of a store whose first batch has this id (None: no batch yet)."""
        return cls.WAVE if first_batch is None or first_batch.version == 8 else cls.NAMES

    def batch(self, wave: str, operation: str, key: str) -> UUID:
        return batch_id(wave, operation, key) if self is Naming.WAVE else named_batch_id(wave, operation, key)
