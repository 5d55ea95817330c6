"""What ``plan`` shows beyond its table: how each source was read, rows left out of the wave, refusals in
file and line order, and the whole as JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.markup import escape

from erpflow.cli.common import out
from erpflow.inputs.coverage import outside
from erpflow.inputs.plansources import plan_tables, settings_line


def _where(source: str) -> tuple[str, int | None]:
    name, _, line = source.rpartition(":")
    return (name, int(line)) if name and line.isdigit() else (source, None)


def refusals(prepared: Any) -> list[dict[str, Any]]:
    """Every row a run would reject, in file order (files as the plan names them) then line order."""
    found = []
    for operation, batches in prepared.batches.items():
        for batch in batches:
            for outcome in batch.rejected:
                file, line = _where(outcome.source)
                found.append(
                    {"operation": operation, "file": file, "line": line, "ref": outcome.ref, "reason": outcome.reason}
                )
    files = list(dict.fromkeys(item["file"] for item in found))
    return sorted(found, key=lambda item: (files.index(item["file"]), item["line"] is None, item["line"] or 0))


def left_out(prepared: Any) -> list[dict[str, Any]]:
    """Rows the plan's leave_out rules drop, per section (accounts, migration.DATASET) and rule."""
    return [
        {"section": section, "rule": rule, "rows": rows}
        for section, rules in prepared.left_out.items()
        for rule, rows in rules.items()
    ]


def show(prepared: Any) -> None:
    """Sources, rows outside the wave and refusals, after the plan's table."""
    tables = plan_tables(prepared.plan)
    for section, table in tables.items():
        out.print(f"  source {escape(table.path.name)} ({section}): {escape(settings_line(table))}", highlight=False)
    for left in outside(prepared.plan, tables["accounts"]):
        hint = f" (did you mean {left.near!r}?)" if left.near else ""
        out.print(
            f"  [yellow]outside the wave[/] {left.rows} rows of site {escape(repr(left.site))}{escape(hint)}",
            highlight=False,
        )
    for gone in left_out(prepared):
        out.print(
            f"  [yellow]left out[/] {gone['rows']} rows of {escape(gone['section'])} ({escape(gone['rule'])})",
            highlight=False,
        )
    for item in refusals(prepared):
        where = f"{item['file']}:{item['line']}" if item["line"] is not None else item["file"]
        out.print(
            f"  [yellow]will reject[/] {escape(where)}: {escape(item['ref'])}: {escape(item['reason'])}",
            highlight=False,
        )


def as_json(prepared: Any) -> None:
    """The plan's summary as one JSON object on stdout."""
    from erpflow.operations import registry

    plan = prepared.plan
    tables = plan_tables(plan)
    operations = {}
    for op, batches in prepared.batches.items():
        items, rejected = sum(len(b.items) for b in batches), sum(len(b.rejected) for b in batches)
        operations[op] = {
            "batches": len(batches),
            "items": items + rejected,
            "to_send": items,
            "rejected": rejected,
            "detail": registry.get(op).summary(batches, prepared.rows),
        }
    summary = {
        "wave": plan.wave,
        "kind": plan.kind,
        "sites": plan.sites,
        "operations": operations,
        "sources": [
            {
                "section": section,
                "file": str(table.path),
                "rows": len(table.rows),
                **table.settings,
                "detected": list(table.detected),
            }
            for section, table in tables.items()
        ],
        "outside_wave": [
            {"site": left.site, "rows": left.rows, "did_you_mean": left.near}
            for left in outside(plan, tables["accounts"])
        ],
        "left_out": left_out(prepared),
        "rejections": refusals(prepared),
    }
    sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
