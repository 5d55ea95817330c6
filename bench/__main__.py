"""Run erpflow's benchmarks and write their report: `python -m bench [--smoke] [--only ledger] [--events N]`.

Every figure is measured beside its baseline in the same run, on the same machine, and given as a ratio:
absolute times drift on a shared machine, ratios hold.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

from bench.figures import CTX, Figure, batches, say, timed
from bench.invitations import figures as invitation_figures
from bench.ledger import (
    append_flat,
    append_flat_postgres,
    append_postgres,
    append_sqlite,
    replay,
    transcoders,
)
from bench.orchestration import noop_rerun, overhead, prefect_server, scale

REPO = Path(__file__).resolve().parents[1]


# --- orchestration, scale, cold start ---------------------------------------------------------------------------


def template() -> Path:
    import trytond

    from erpflow.targets.tryton_db import ensure_template

    cache = Path(os.environ.get("ERPFLOW_TEST_CACHE", REPO / ".erpflow" / "test-cache"))
    return ensure_template(cache / f"tryton-{trytond.__version__}")


def best_of(runs: int, command: list[str], env: dict[str, str]) -> float:
    return min(timed(lambda: subprocess.run(command, env=env, capture_output=True, check=True)) for _ in range(runs))


def cold_status(folder: Path) -> Figure:
    from erpflow.application.ledger import Ledger
    from erpflow.model.wave import Wave
    from erpflow.settings import Settings

    home = folder / "cold"
    wave = Wave(
        name="bench", kind="pilot", sites=["Lyon"], cycle=["accounts"], plan_digest="d", inputs={}, plan={}, ctx=CTX
    )
    Ledger(Settings(home=home)).save(wave, *batches(30))
    env = {**os.environ, "ERPFLOW_HOME": str(home)}
    erpflow = str(Path(sys.executable).with_name("erpflow"))
    seconds = best_of(3, [erpflow, "status", "bench"], env)
    baseline = best_of(3, [sys.executable, "-c", "pass"], env)
    return Figure(
        "Cold start", "`erpflow status` to its output", seconds, baseline, "`python -c pass`", "s", "< 1 s", seconds < 1
    )


def first_batch(folder: Path, tryton_template: Path, api_url: str | None) -> float:
    """Seconds from `erpflow run` to its first 'batch done' line."""
    from bench.workload import accounts_plan

    work = folder / f"first-{'server' if api_url else 'ephemeral'}"
    plan = accounts_plan(work, 50, database=f"first{uuid.uuid4().hex[:6]}")
    env = {**os.environ, "ERPFLOW_HOME": str(work / "home"), "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template)}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    erpflow = str(Path(sys.executable).with_name("erpflow"))
    start = time.perf_counter()
    process = subprocess.Popen(
        [erpflow, "run", str(plan), "--only", "accounts", "--verbose"],  # log lines on the terminal
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seconds = float("nan")
    for line in process.stdout:
        if "batch done" in line and seconds != seconds:
            seconds = time.perf_counter() - start
    process.wait()
    return seconds


# --- report ---------------------------------------------------------------------------------------------------


def machine() -> str:
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("erpflow", "prefect", "eventsourcing", "trytond", "pydantic", "psycopg")
    )
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, {packages}; "
        f"load average (1, 5 and 15 min) as the report was written: {load}"
    )


def report(figures: list[Figure], command: str, seconds: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min.",
        "",
        f"Machine: {machine()}.",
        "",
        "Each figure is measured beside its baseline in the same run; the ratio is figure / baseline.",
        "",
        "| section | what | figure | baseline | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = "yes" if f.met else ("no" if f.met is not None else "")
        lines.append(
            f"| {f.section} | {f.what} | {f.measured:,.3f} {f.unit} | {f.baseline:,.3f} {f.unit} "
            f"({f.baseline_what}) | {f.ratio:.2f} | {f.goal} | {met} |"
        )
    notes = REPO / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no Tryton or Prefect: checks the bench")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="where the report goes")
    parser.add_argument(
        "--only",
        choices=["all", "ledger", "reads", "orchestration", "concurrency"],
        default="all",
        help="ledger: append and replay figures alone (no Tryton, no Prefect); reads: the per-wave "
        "read commands in a crowded store; orchestration: the run path against a running Prefect server "
        "(overhead, rerun, scale); concurrency: accounts batches at once against trytond under gunicorn over "
        "PostgreSQL (not in --smoke)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_002,
        help="the largest store for replay and for the append cost as the store grows, and the "
        "events of other waves beside the wave read",
    )
    parser.add_argument(
        "--people", type=int, default=100_000, help="orchestration: the largest wave of the scale figures"
    )
    parser.add_argument(
        "--wave-home",
        type=Path,
        default=None,
        help="reads: an ERPFLOW_HOME holding the pilot wave already run (default: run it)",
    )
    args = parser.parse_args()
    if args.smoke and args.only == "concurrency":
        parser.error("--smoke leaves out the concurrency figures: they need trytond under gunicorn over PostgreSQL")
    if not args.smoke and args.only in ("all", "concurrency") and find_spec("gunicorn") is None:
        parser.error("the concurrency figures need gunicorn: pip install -e '.[bench]' (make bench does)")
    from erpflow.orchestration.prefect_env import prepare_prefect_env
    from erpflow.settings import Settings

    started = time.perf_counter()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="erpflow-bench-") as tmp:
        folder = Path(tmp)
        prepare_prefect_env(Settings(home=folder))

        def run(figure: Figure) -> None:
            figures.append(figure)
            say(
                f"{figure.section}: {figure.what}: {figure.measured:,.3f} {figure.unit} vs {figure.baseline:,.3f} "
                f"({figure.baseline_what}): ratio {figure.ratio:.2f}, goal {figure.goal}"
            )

        events = 3_000 if args.smoke else 100_002
        if args.only in ("all", "ledger"):
            for figure in transcoders(*((300, 1) if args.smoke else ())):
                run(figure)
            run(append_sqlite(events, folder))
            run(append_postgres(events))
            largest = 3_000 if args.smoke else args.events
            for size in sorted({min(events, largest), largest}):
                replayed, home = replay(size, folder)
                for figure in replayed:
                    run(figure)
            run(append_flat(home, largest, folder, *((300, 3_000, 1) if args.smoke else ())))
            run(append_flat_postgres(largest, *((300, 3_000, 1) if args.smoke else ())))
        if args.only in ("all", "reads") and (args.wave_home or not args.smoke):
            from bench.reads import reads

            for figure in reads(
                folder,
                None if args.wave_home else template(),
                3_000 if args.smoke else args.events,
                wave_home=args.wave_home,
            ):
                run(figure)
        if args.only == "all":
            run(cold_status(folder))
        if not args.smoke and args.only == "all":
            for figure in invitation_figures():
                run(figure)
        if not args.smoke and args.only in ("all", "concurrency"):
            from bench.concurrency import figures as concurrency_figures

            for figure in concurrency_figures():
                run(figure)
        if not args.smoke and args.only in ("all", "orchestration"):
            tryton_template = template()
            with prefect_server() as api_url:
                for people in (1_000, 10_000):
                    run(overhead(people, folder, tryton_template, api_url, pairs=5))
                for figure in noop_rerun(1_200, folder, tryton_template, api_url):
                    run(figure)
                for figure in scale([10_000, args.people], folder, tryton_template, api_url):
                    run(figure)
                with_server = first_batch(folder, tryton_template, api_url)
            without = first_batch(folder, tryton_template, None)
            run(
                Figure(
                    "Cold start",
                    "`erpflow run` to its first batch done, ephemeral Prefect server",
                    without,
                    with_server,
                    "the same against a running Prefect server",
                    "s",
                    "",
                    None,
                )
            )
    command = (
        "python -m bench"
        + (" --smoke" if args.smoke else "")
        + (f" --only {args.only}" if args.only != "all" else "")
        + (f" --events {args.events}" if args.events != 1_000_002 and not args.smoke else "")
        + (f" --wave-home {args.wave_home}" if args.wave_home else "")
        + (f" --people {args.people}" if args.people != 100_000 else "")
    )
    command = "make bench" if command == "python -m bench" else command
    args.out.write_text(report(figures, command, time.perf_counter() - started))
    say(f"report written to {args.out}")


if __name__ == "__main__":
    main()
