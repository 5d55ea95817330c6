"""Accounts batches several at once against a trytond server of several worker processes (gunicorn) over a
PostgreSQL database set up as erpflow's template: throughput with 1, 2 and 4 batches in flight, rounds
interleaved, best of each. Each run also says where the CPU went (server workers, PostgreSQL, this client, the
whole machine), so a missed goal says what bounds it.

``python -m bench.concurrency [--workers 4 ...] [--threads 1 ...] [--batches 12] [--size 250] [--rounds 3]``
measures each server setting in turn on one database.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.figures import POSTGRES, Figure, say

REPO = Path(__file__).resolve().parents[1]
LEVELS = (1, 2, 4)  # batches in flight
WORKERS = 4  # gunicorn's sync workers: one request at a time each
SEED = 2_000  # users made before the runs measured
GROUPS = ("Accounting", "Party Administration")
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


@contextmanager
def postgres_database(prefix: str = "erpflow_bench") -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the bench's server, dropped at the end."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def tryton_config(folder: Path) -> Path:
    """A trytond configuration on the bench's PostgreSQL server; caches invalidated across worker processes by
    PostgreSQL's notifications (clean_timeout = 0), as trytond advises for several processes."""
    parts = urllib.parse.urlsplit(POSTGRES)
    conf = folder / "trytond-postgres.conf"
    conf.write_text(
        f"[database]\nuri = {urllib.parse.urlunsplit((parts.scheme, parts.netloc, '/', '', ''))}\n"
        "[cache]\nclean_timeout = 0\n"
    )
    return conf


@dataclass(frozen=True)
class Server:
    url: str
    master: int

    def workers(self) -> list[int]:
        return children(self.master)


@contextmanager
def gunicorn(conf: Path, database: str, folder: Path, workers: int, threads: int) -> Iterator[Server]:
    """trytond's WSGI application under gunicorn on a loopback port, its pool loaded once before the workers
    fork (--preload), until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYTON")}
    env.update(
        TRYTOND_CONFIG=str(conf),
        TRYTOND_DATABASE_NAMES=database,
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    log_path = folder / f"gunicorn-{workers}x{threads}.log"
    with open(log_path, "wb") as log:  # the server keeps its own copy of the file
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--preload", "--workers", str(workers), "--threads", str(threads)),
                *("--bind", f"127.0.0.1:{port}", "--timeout", "600", "bench.tryton_wsgi:app"),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(480):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped: {log_path.read_text()[-3000:]}") from None
                time.sleep(0.25)
        else:
            raise RuntimeError(f"gunicorn did not answer: {log_path.read_text()[-3000:]}")
        yield Server(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)


# --- where the CPU goes ----------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu(pid: int) -> float:
    """CPU seconds (user and system) a process has used, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (their command line names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if command.startswith("postgres:") and f" {database} " in command:
                found.append(int(entry.name))
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy, all cores together."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


@dataclass
class Usage:
    """CPU seconds: per process of the server (its workers) and of PostgreSQL (the database's backends), this
    client's, the whole machine's. A difference of two is what one run used."""

    workers: dict[int, float]
    postgres: dict[int, float]
    client: float
    machine: float

    @classmethod
    def now(cls, server: Server, database: str) -> Usage:
        times = os.times()
        return cls(
            {p: cpu(p) for p in server.workers()},
            {p: cpu(p) for p in postgres_backends(database)},
            times.user + times.system,
            machine_busy(),
        )

    def __sub__(self, other: Usage) -> Usage:
        return Usage(
            {p: t - other.workers.get(p, 0) for p, t in self.workers.items()},
            {p: t - other.postgres.get(p, 0) for p, t in self.postgres.items()},
            self.client - other.client,
            self.machine - other.machine,
        )

    def said(self, seconds: float) -> str:
        """Over a run of ``seconds``: each part's CPU seconds, and the cores the bench's processes and the machine
        kept busy (the rest went to other work)."""
        workers, postgres = sum(self.workers.values()), sum(self.postgres.values())
        busy = sum(1 for t in self.workers.values() if t > 0)
        return (
            f"CPU s: workers {workers:.1f} ({busy} busy), PostgreSQL {postgres:.1f}, client {self.client:.1f}; "
            f"cores busy: bench {(workers + postgres + self.client) / seconds:.2f}, machine "
            f"{self.machine / seconds:.2f} of {CORES}"
        )


# --- the measure -----------------------------------------------------------------------------------------------


def batches(prefix: str, count: int, size: int) -> list[list]:
    from erpflow.model.items import UserSpec

    return [
        [
            UserSpec(f"{prefix}b{b}u{i}", f"User {b}-{i}", f"{prefix}b{b}u{i}@acme.example", (GROUPS[(b + i) % 2],))
            for i in range(size)
        ]
        for b in range(count)
    ]


def accounts(remote, concurrency: int, work: list[list]) -> float:
    """Seconds to upsert every batch of ``work``, ``concurrency`` at once, through a fresh target (its threads
    log in as a run's do); every user must come out created."""
    from erpflow.targets.tryton import TrytonTarget

    target = TrytonTarget(remote, concurrency=concurrency)
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(target.upsert_users, work))
    seconds = time.perf_counter() - start
    statuses = {o.status for batch in outcomes for o in batch}
    assert statuses == {"created"}, statuses
    return seconds


@dataclass(frozen=True)
class Database:
    conf: Path
    name: str
    password: str
    folder: Path


@contextmanager
def tryton_database() -> Iterator[Database]:
    """A fresh PostgreSQL database set up as erpflow's template, dropped at the end."""
    from erpflow.targets.tryton_db import initialise

    with tempfile.TemporaryDirectory(prefix="erpflow-bench-concurrency-") as tmp, postgres_database() as name:
        folder = Path(tmp)
        conf = tryton_config(folder)
        password = folder / "admin.pass"
        password.write_text(secrets.token_urlsafe(24) + "\n")
        started = time.perf_counter()
        initialise(conf, name, password)
        say(f"concurrency: database {name} set up as the template in {time.perf_counter() - started:.0f} s")
        yield Database(conf, name, password.read_text().strip(), folder)


def analyze(db: Database) -> None:
    """Fresh statistics for the database's planner. Autovacuum is off on the bench's server (a CI configuration):
    without them, PostgreSQL plans the foreign-key checks of a table it last saw nearly empty as sequential scans,
    and each user created reads every user already there."""
    import psycopg

    parts = urllib.parse.urlsplit(POSTGRES)
    with psycopg.connect(urllib.parse.urlunsplit((*parts[:2], f"/{db.name}", "", "")), autocommit=True) as conn:
        conn.execute("ANALYZE")


def measure(
    db: Database, workers: int, threads: int, count: int, size: int, rounds: int, seed: int = SEED
) -> dict[int, float]:
    """Best users/s at each level of concurrency against ``db`` served by ``workers`` x ``threads``; each run's
    rate and CPU said as it ends."""
    from pydantic import SecretStr

    from erpflow.targets.tryton_remote import RemoteTryton

    best: dict[int, float] = {}
    with gunicorn(db.conf, db.name, db.folder, workers, threads) as server:
        remote = RemoteTryton(server.url, db.name, "admin", SecretStr(db.password))
        warm = f"w{workers}x{threads}"
        # Every worker's connections opened, and users enough that the planner's statistics are a real table's.
        accounts(remote, max(LEVELS), batches(warm, max(LEVELS) * 2, seed // (max(LEVELS) * 2)))
        for n in range(rounds):
            for level in LEVELS[n % len(LEVELS) :] + LEVELS[: n % len(LEVELS)]:  # each level first in turn
                work = batches(f"{warm}r{n}c{level}", count, size)
                analyze(db)
                before = Usage.now(server, db.name)
                seconds = accounts(remote, level, work)
                used = Usage.now(server, db.name) - before
                rate = count * size / seconds
                say(
                    f"concurrency: {workers} workers x {threads} threads, {level} at once: {rate:,.0f} users/s "
                    f"({seconds:.1f} s; {used.said(seconds)}; load {os.getloadavg()[0]:.1f})"
                )
                best[level] = max(rate, best.get(level, 0))
    return best


def curve(best: dict[int, float], workers: int, threads: int, count: int, size: int) -> list[Figure]:
    server = f"trytond under gunicorn ({workers} workers x {threads} threads, PostgreSQL)"
    return [
        Figure(
            "Concurrency",
            f"accounts, {count} batches of {size} users, {level} at once against {server}",
            best[level],
            best[1],
            "1 batch at a time",
            "users/s",
            ">= 1.5x" if level == max(LEVELS) else "",
            best[level] / best[1] >= 1.5 if level == max(LEVELS) else None,
        )
        for level in LEVELS
        if level != 1
    ]


def figures(
    workers: int = WORKERS, threads: int = 1, count: int = 12, size: int = 250, rounds: int = 3
) -> list[Figure]:
    with tryton_database() as db:
        return curve(measure(db, workers, threads, count, size, rounds), workers, threads, count, size)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[WORKERS], help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[1], help="threads per worker (more than 1: gthread workers)"
    )
    parser.add_argument("--batches", type=int, default=12, help="batches per run")
    parser.add_argument("--size", type=int, default=250, help="users per batch")
    parser.add_argument("--rounds", type=int, default=3, help="runs per level, levels interleaved; the best counts")
    parser.add_argument("--seed", type=int, default=SEED, help="users made before the runs measured")
    args = parser.parse_args()
    with tryton_database() as db:
        for workers in args.workers:
            for threads in args.threads:
                best = measure(db, workers, threads, args.batches, args.size, args.rounds, args.seed)
                for figure in curve(best, workers, threads, args.batches, args.size):
                    say(
                        f"{figure.section}: {figure.what}: {figure.measured:,.0f} {figure.unit} vs "
                        f"{figure.baseline:,.0f} ({figure.baseline_what}): ratio {figure.ratio:.2f}, goal {figure.goal}"
                    )


if __name__ == "__main__":
    main()
