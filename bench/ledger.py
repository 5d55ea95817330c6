"""The ledger's own figures: append (SQLite, PostgreSQL), replay, and append cost as the store grows.

Replay is measured against one raw SELECT of the same rows: a projection reading stored rows in pages (what a
read model needs), the same reading every state's wave through a typed decoder, domain events through the ledger,
the items read model's rebuild, and (for reference) every state decoded whole with orjson and domain events
through the library's own select and Mapper.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from functools import partial
from pathlib import Path

from bench.figures import GROUP, POSTGRES, Figure, batches, chunks, fill, filled_waves, median_pair, say, timed


def stored_rows(ledger, aggregates: list) -> list[tuple]:
    return [
        (str(s.originator_id), s.originator_version, s.topic, s.state)
        for agg in aggregates
        for s in map(ledger.mapper.to_stored_event, agg.collect_events())
    ]


def append_sqlite(events: int, folder: Path) -> Figure:
    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    ledger = Ledger(Settings(home=folder / "append"))
    ours = batches(events // 3)
    seconds = timed(lambda: [ledger.save(*group) for group in chunks(ours, GROUP)])
    rows = stored_rows(ledger, batches(events // 3))
    raw = sqlite3.connect(folder / "raw.sqlite")
    raw.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )

    def insert() -> None:
        for group in chunks(rows, GROUP * 3):
            with raw:
                raw.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", group)

    baseline = timed(insert)
    rate, raw_rate = events / seconds, events / baseline
    return Figure(
        "Ledger append",
        f"{events:,} events, SQLite, {GROUP} batches per save",
        rate,
        raw_rate,
        "raw sqlite3 executemany of the same rows",
        "events/s",
        ">= 0.5 of raw",
        rate / raw_rate >= 0.5,
    )


def append_postgres(events: int, pairs: int = 3) -> Figure:
    """``events`` appended in ``pairs`` interleaved pairs (erpflow's ledger, then raw psycopg, a third each): the
    pair of median ratio counts, as the server's own speed drifts between runs."""
    import psycopg

    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    schema, raw_schema = f"bench_{uuid.uuid4().hex[:8]}", f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE SCHEMA {raw_schema}")
    share = events // pairs // 3
    measured = []
    try:
        ledger = Ledger(Settings(event_store=f"{POSTGRES}?schema={schema}"))
        with psycopg.connect(POSTGRES) as conn:
            conn.execute(
                f"CREATE TABLE {raw_schema}.stored_events (originator_id uuid, originator_version "
                "integer, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            )
            conn.commit()

            def save(work: list) -> None:
                for group in chunks(work, GROUP):
                    ledger.save(*group)

            def insert(rows: list[tuple]) -> None:
                for group in chunks(rows, GROUP * 3):
                    with conn.cursor() as cursor:
                        cursor.executemany(
                            f"INSERT INTO {raw_schema}.stored_events (originator_id, "
                            "originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                            group,
                        )
                    conn.commit()

            for _ in range(pairs):
                seconds = timed(partial(save, batches(share)))
                baseline = timed(partial(insert, stored_rows(ledger, batches(share))))
                measured.append((share * 3 / seconds, share * 3 / baseline))
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"DROP SCHEMA {raw_schema} CASCADE")
    (rate, raw_rate), ratios = median_pair(measured)
    return Figure(
        "Ledger append",
        f"{share * 3 * pairs:,} events, PostgreSQL, {GROUP} batches per save (median of {pairs} interleaved pairs; "
        f"ratios {ratios})",
        rate,
        raw_rate,
        "raw psycopg executemany of the same rows",
        "events/s",
        ">= 0.5 of raw",
        rate / raw_rate >= 0.5,
    )


def _select(path: Path) -> None:
    raw = sqlite3.connect(path)
    cursor = raw.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )
    while cursor.fetchmany(1000):
        pass
    raw.close()


def replay(events: int, folder: Path, rounds: int = 3) -> tuple[list[Figure], Path]:
    """A store of ``events`` events, read back six ways, each ``rounds`` times after a raw SELECT of the same rows
    (the best of each side counts); the figures and the store's home (kept for the append figure)."""
    import orjson

    from erpflow.application.ledger import Ledger
    from erpflow.projections.items import rebuild
    from erpflow.settings import Settings
    from erpflow.store.pages import pages
    from erpflow.store.states import context

    home = folder / f"replay{events}"
    total = fill(Ledger(Settings(home=home)), events)
    say(f"  replay: {total:,} events stored")
    baselines = [timed(lambda: _select(home / "events.sqlite"))]

    def per_type() -> None:
        counts: Counter[str] = Counter()
        for page in pages(Ledger(Settings(home=home))):
            counts.update(row[3] for row in page)
        assert counts.total() == total

    def waves() -> None:
        counts: Counter[str] = Counter()
        for page in pages(Ledger(Settings(home=home))):
            counts.update(context(row[4]).wave for row in page)
        assert counts == filled_waves(total)

    def decoded() -> None:
        counts: Counter[str] = Counter()
        for page in pages(Ledger(Settings(home=home))):
            counts.update(orjson.loads(row[4])["ctx"]["wave"] for row in page)
        assert counts == filled_waves(total)

    def domain_events() -> None:
        counts: Counter[str] = Counter(type(event).__qualname__ for _, event in Ledger(Settings(home=home)).read_log())
        assert counts.total() == total

    def library_events() -> None:
        from eventsourcing.persistence import Mapper

        ledger = Ledger(Settings(home=home))
        mapper, counts, start = Mapper(transcoder=ledger.mapper.transcoder), Counter[str](), 1
        while True:
            notifications = ledger.recorder.select_notifications(start, 1000)
            counts.update(type(mapper.to_domain_event(n)).__qualname__ for n in notifications)
            if len(notifications) < 1000:
                break
            start = notifications[-1].id + 1
        assert counts.total() == total

    informative = ""  # no goal: shown so that nothing is hidden
    runs = [
        (f"{total:,} events projected from stored rows in pages (counts per type), SQLite", per_type, "<= 2x"),
        (
            f"{total:,} events projected from stored rows in pages, every state read for its wave (typed decoding), "
            "SQLite",
            waves,
            "<= 2x",
        ),
        (
            f"{total:,} events projected from stored rows in pages, every state decoded whole (orjson.loads), SQLite",
            decoded,
            informative,
        ),
        # every state decoded whole, the least a domain event needs: the 2x of replay is for projections
        (f"{total:,} events read as domain events (Ledger.read_log), SQLite", domain_events, informative),
        (
            f"items read model rebuilt from {total:,} events, SQLite",
            lambda: rebuild(Ledger(Settings(home=home))),
            "<= 2x",
        ),
        (
            f"{total:,} events read as domain events through eventsourcing's select_notifications and Mapper "
            "(what read_log did before), SQLite",
            library_events,
            informative,
        ),
    ]
    measured = []
    for what, work, goal in runs:
        best = float("inf")
        for _ in range(rounds):  # each run of a figure after a raw SELECT: the best of each side counts
            baselines.append(timed(lambda: _select(home / "events.sqlite")))
            best = min(best, timed(work))
        measured.append((what, best, goal))
    baseline = min(baselines)
    return [
        Figure(
            "Replay",
            what,
            seconds,
            baseline,
            f"raw SELECT of the same rows (best of {len(baselines)}; each figure the best of {rounds})",
            "s",
            goal,
            seconds / baseline <= 2 if goal else None,
        )
        for what, seconds, goal in measured
    ], home


def _per_event(ledger, events: int, wave: str) -> float:
    """Seconds an event of appending a new wave of ``events`` events to the store, 100 batches per save."""
    work = batches(events // 3, wave)
    return timed(lambda: [ledger.save(*group) for group in chunks(work, GROUP)]) / (events // 3 * 3)


def append_flat(
    large: Path, stored: int, folder: Path, events: int = 15_000, small: int = 10_002, rounds: int = 3
) -> Figure:
    """Cost per event of appending a new wave of ``events`` events (100 batches per save) to the SQLite store of
    ``stored`` events of other waves, vs to a fresh store of ``small``: rounds alternate, the best of each side
    counts."""
    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    big, at_small, at_large = Ledger(Settings(home=large)), [], []
    for n in range(rounds):
        fresh = Ledger(Settings(home=folder / f"flat-small-{n}"))
        fill(fresh, small)
        at_small.append(_per_event(fresh, events, f"appended-{n}"))
        at_large.append(_per_event(big, events, f"appended-{n}"))
    per_event, baseline = min(at_large) * 1e6, min(at_small) * 1e6
    return Figure(
        "Ledger append",
        f"cost per event of a new wave appended to {stored:,} stored events of other waves, SQLite",
        per_event,
        baseline,
        f"the same appended to {small:,} stored events",
        "µs/event",
        "<= 1.2x",
        per_event / baseline <= 1.2,
    )


def append_flat_postgres(stored: int, events: int = 15_000, small: int = 10_002, rounds: int = 3) -> Figure:
    """The same on PostgreSQL: a schema filled with ``stored`` events through the ledger, vs fresh schemas."""
    import psycopg

    from erpflow.application.ledger import Ledger
    from erpflow.settings import Settings

    schemas = [f"bench_flat_{uuid.uuid4().hex[:8]}" for _ in range(rounds + 1)]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"CREATE SCHEMA {schema}")
    try:
        ledgers = [Ledger(Settings(event_store=f"{POSTGRES}?schema={schema}")) for schema in schemas]
        big, fresh = ledgers[0], ledgers[1:]
        total = fill(big, stored, group=1000)
        say(f"  PostgreSQL: {total:,} events stored")
        at_small, at_large = [], []
        for n, ledger in enumerate(fresh):
            fill(ledger, small)
            at_small.append(_per_event(ledger, events, f"appended-{n}"))
            at_large.append(_per_event(big, events, f"appended-{n}"))
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    per_event, baseline = min(at_large) * 1e6, min(at_small) * 1e6
    return Figure(
        "Ledger append",
        f"cost per event of a new wave appended to {total:,} stored events of other waves, PostgreSQL",
        per_event,
        baseline,
        f"the same appended to {small:,} stored events",
        "µs/event",
        "<= 1.2x",
        per_event / baseline <= 1.2,
    )


def transcoders(count: int = 3_000, rounds: int = 7) -> list[Figure]:
    """Encoding and decoding the states of ``count`` batches (3 events each), erpflow's orjson transcoder vs
    eventsourcing's JSONTranscoder, rounds interleaved, the best of each side."""
    import time

    from eventsourcing.persistence import (
        DatetimeAsISO,
        DecimalAsStr,
        JSONTranscoder,
        UUIDAsHex,
    )

    from erpflow.store.transcoder import OrjsonTranscoder

    states = [
        {k: v for k, v in e.__dict__.items() if k not in ("originator_id", "originator_version")}
        for b in batches(count)
        for e in b.collect_events()
    ]
    best: dict[str, list[float]] = {}
    for _ in range(rounds):
        for transcoder in (JSONTranscoder(), OrjsonTranscoder()):
            for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
                transcoder.register(transcoding)
            start = time.perf_counter()
            data = [transcoder.encode(state) for state in states]
            middle = time.perf_counter()
            for item in data:
                transcoder.decode(item)
            end = time.perf_counter()
            old = best.setdefault(type(transcoder).__name__, [float("inf"), float("inf")])
            best[type(transcoder).__name__] = [min(old[0], middle - start), min(old[1], end - middle)]
    ours, theirs = best["OrjsonTranscoder"], best["JSONTranscoder"]
    goals = (("<= 1.05x (the same C encoder)", 1.05), ("< 1x", 1.0))
    return [
        Figure(
            "Transcoder",
            f"{what} {len(states):,} event states, erpflow's transcoder",
            ours[n] / len(states) * 1e6,
            theirs[n] / len(states) * 1e6,
            "eventsourcing's JSONTranscoder",
            "µs/event",
            goals[n][0],
            ours[n] / theirs[n] <= goals[n][1] if n == 0 else ours[n] < theirs[n],
        )
        for n, what in enumerate(("encode", "decode"))
    ]
