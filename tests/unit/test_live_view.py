"""What the Prefect UI is told as batches finish: counts per operation, rejected rows with their source, the
commands that tell more."""

from __future__ import annotations

from erpflow.application.engine import BatchResult
from erpflow.model.vocabulary import BatchOutcome
from erpflow.orchestration.live import Tally, anomaly_row, see_more, split_source
from erpflow.reports.commands import next_commands


def test_a_rejected_rows_source_file_and_line_is_its_own_column_with_the_command_that_tells_more():
    row = anomaly_row("pilot", "major", "migration", "C10017", "postcode missing (legacy_customers.csv:18)", None)
    assert row["reason"] == "postcode missing" and row["source"] == "legacy_customers.csv:18"
    assert row["see more"] == "erpflow trace C10017" and row["state"] == "open"
    spaced = anomaly_row("pilot", "minor", "accounts", "line 4", "no e-mail (HR export (v2).csv:4)", "fixed by hand")
    assert spaced["source"] == "HR export (v2).csv:4" and spaced["reason"] == "no e-mail"
    assert spaced["see more"] == "erpflow trace 'line 4'" and spaced["state"] == "resolved: fixed by hand"


def test_a_reason_without_a_source_stays_whole():
    assert split_source("month-end closing fails (see ticket 12)") == ("month-end closing fails (see ticket 12)", "")
    assert split_source("ERP unreachable") == ("ERP unreachable", "")
    assert see_more("pilot", "batch customers-1-abc") == "erpflow status pilot"


def test_a_tally_counts_items_done_rejected_failed_and_skipped_as_batches_finish():
    tally = Tally(batches=4, items=40)
    assert tally.percent == 0.0
    tally.add(10, BatchResult("a", BatchOutcome.DONE, {"created": 7, "unchanged": 1, "rejected": 2}))
    assert tally.percent == 25.0 and (tally.done, tally.rejected) == (8, 2)
    tally.add(10, BatchResult("b", BatchOutcome.SKIPPED, {"created": 10}))
    tally.add(10, BatchResult("c", BatchOutcome.FAILED, reason="ERP unreachable"))
    assert (tally.done, tally.rejected, tally.failed, tally.skipped) == (8, 2, 10, 10)
    assert tally.line() == "3/4 batches; items: 8 done, 2 rejected, 10 failed, 10 in batches already done (skipped)"
    assert tally.row("accounts") == {
        "operation": "accounts",
        "batches": "3/4",
        "done": 8,
        "rejected": 2,
        "failed": 10,
        "skipped": 10,
        "progress": "75%",
    }
    assert Tally(batches=0, items=0).percent == 100.0  # an operation with nothing to do is done


def test_the_next_commands_name_the_wave_quoted_for_a_shell():
    commands = dict((command.split()[1], command) for _, command in next_commands("lyon"))
    assert commands == {
        "report": "erpflow report lyon",
        "anomaly": "erpflow anomaly list lyon",
        "training": "erpflow training attend lyon SHEET",
        "gate": "erpflow gate lyon",
    }
    assert "erpflow gate 'wave 2'" in [c for _, c in next_commands("wave 2")]


def test_only_a_trailing_file_and_line_is_taken_as_the_source():
    assert split_source("bad value (x) in column (file.csv:3)") == ("bad value (x) in column", "file.csv:3")
    assert split_source("unbalanced) (file.csv:3)") == ("unbalanced)", "file.csv:3")
    assert split_source("(file.csv:3)") == ("(file.csv:3)", "")
