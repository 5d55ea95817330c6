"""What every benchmark shares: a figure beside its baseline, timing, the workload of batch aggregates."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

POSTGRES = os.environ.get("ERPFLOW_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CTX = {"wave": "bench", "actor": "bench", "flow_run_id": "bench", "operation": "accounts", "code_version": "bench"}
GROUP = 100  # aggregates per save, as a flow saves a batch with its anomalies


@dataclass
class Figure:
    section: str
    what: str
    measured: float
    baseline: float
    baseline_what: str
    unit: str
    goal: str
    met: bool | None

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("nan")


def median_pair(pairs: list[tuple[float, float]]) -> tuple[tuple[float, float], str]:
    """Of interleaved (measured, baseline) pairs, the pair of median ratio, and every pair's ratio in order."""
    ordered = sorted(pairs, key=lambda pair: pair[0] / pair[1])
    return ordered[len(ordered) // 2], ", ".join(f"{measured / baseline:.2f}" for measured, baseline in ordered)


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def say(text: str) -> None:
    print(text, flush=True)


def batches(count: int, wave: str = "bench") -> list:
    """Batch aggregates of three events each (Opened, Attempted, Succeeded), as a wave records them."""
    from erpflow.model.batch import Batch

    ctx = {**CTX, "wave": wave}
    result = []
    for n in range(count):
        batch = Batch(
            wave=wave,
            operation="accounts",
            key=f"b{n}-{uuid.uuid4().hex[:8]}",
            items=1,
            digest="d",
            details={"site": "Lyon"},
            ctx=ctx,
        )
        batch.attempt("bench", ctx)
        batch.succeed([{"ref": f"user{n:07d}", "status": "created", "erp_id": str(n)}], ctx)
        result.append(batch)
    return result


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


WAVE_BATCHES = 1_000  # batches of each wave a store is filled with: 3,000 events, a wave of 1,000 batches


def filled_waves(events: int) -> Counter[str]:
    """The events of each wave `fill` stores for ``events`` events."""
    count = events // 3
    return Counter(
        {f"other-{n + 1}": 3 * min(WAVE_BATCHES, count - n * WAVE_BATCHES) for n in range(-(-count // WAVE_BATCHES))}
    )


def fill(ledger, events: int, group: int = 1000) -> int:
    """Save events // 3 batches, ``group`` per save, made as they are saved, in waves of ``WAVE_BATCHES``
    (``other-1``, ``other-2``, ...); the number of events."""
    count, start = events // 3, 0
    while start < count:
        size = min(group, count - start, WAVE_BATCHES - start % WAVE_BATCHES)
        ledger.save(*batches(size, f"other-{start // WAVE_BATCHES + 1}"))
        start += size
    return count * 3
