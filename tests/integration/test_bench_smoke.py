"""The benchmark entry point runs end to end at tiny sizes and writes its report where it is told."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_bench_smoke_run_prints_ratios_and_writes_its_report(tmp_path: Path):
    out = tmp_path / "report.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # one a figure, the informative ones among them (states decoded whole, the library's own replay path)
    assert done.stdout.count(": ratio ") == 13
    text = out.read_text()
    assert "| Ledger append | 3,000 events, SQLite" in text and "| Replay |" in text
    assert "`python -m bench --smoke`" in text and "cores" in text
