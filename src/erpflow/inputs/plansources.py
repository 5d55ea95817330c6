"""The sources a plan names, read as it says: for what ``plan`` shows of them (settings detected, rows)."""

from __future__ import annotations

from erpflow.inputs.plan import WavePlan
from erpflow.inputs.sources import Table, read_table

__all__ = ["plan_tables", "settings_line"]


def plan_tables(plan: WavePlan) -> dict[str, Table]:
    """The accounts' HR export and each migration dataset's source, keyed by the plan section naming them."""
    tables = {
        "accounts": read_table(plan.accounts.source, required=plan.accounts.read_columns(), options=plan.accounts)
    }
    for dataset in plan.migration.datasets:
        tables[f"migration.{dataset.name}"] = read_table(
            dataset.source, required=dataset.read_columns(), options=dataset
        )
    return tables


def settings_line(table: Table) -> str:
    """How a table was read, in words: 'cp1252, delimiter ';', header on line 3 (detected: ...)'."""
    said = table.settings
    parts = [
        f"sheet {said['sheet']!r}" if "sheet" in said else said.get("encoding", ""),
        f"delimiter {said['delimiter']!r}" if "delimiter" in said else "",
        f"header on line {said['header_row']}",
    ]
    detected = f" (detected: {', '.join(table.detected)})" if table.detected else ""
    return ", ".join(part for part in parts if part) + detected
