"""``erpflow inspect FILE``: how a source reads, what its columns hold, and a plan section to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from erpflow.cli.common import Rows, app, out, user_errors


def _roles(path: Path) -> list[str]:
    """The role ids of the method of the project holding the file, if it has one."""
    from erpflow.inputs.fields import project_root
    from erpflow.inputs.method import load_method
    from erpflow.model.errors import ErpflowError

    domain = project_root(path) / "domain"
    try:
        return list(load_method(domain).roles.roles) if (domain / "cycle.yaml").is_file() else []
    except ErpflowError:
        return []


@app.command()
@user_errors
def inspect(
    file: Annotated[Path, typer.Argument(help="a CSV or XLSX export")],
    sheet: Annotated[str | None, typer.Option(help="the XLSX sheet (default: the first)")] = None,
    header_row: Annotated[int | None, typer.Option(help="the header's line, when detection is wrong")] = None,
    delimiter: Annotated[str | None, typer.Option(help="the CSV delimiter, when detection is wrong")] = None,
    encoding: Annotated[str | None, typer.Option(help="the CSV encoding, when detection is wrong")] = None,
) -> None:
    """How a source reads (encoding, delimiter, header row), its columns, and a plan section to paste."""
    from pydantic import ValidationError

    from erpflow.inputs.columns import describe
    from erpflow.inputs.options import SourceOptions
    from erpflow.inputs.plansources import settings_line
    from erpflow.inputs.sources import read_table
    from erpflow.inputs.suggest import as_yaml, suggest
    from erpflow.model.errors import InputError

    try:
        options = SourceOptions(sheet=sheet, header_row=header_row, delimiter=delimiter, encoding=encoding)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise InputError(
            str(file), f"--{str(error['loc'][0]).replace('_', '-')}: {error['msg'].removeprefix('Value error, ')}"
        ) from None
    table = read_table(file, options=options)
    columns = describe(table)
    out.print(f"[bold]{escape(str(file))}[/]: {escape(settings_line(table))}; {len(table.rows)} rows", highlight=False)
    grid = Rows("column", "type", "filled", "samples")
    for column in columns:
        grid.add_row(column.name, column.type, str(column.filled), " | ".join(column.samples))
    out.print(grid)
    roles = _roles(file)
    section, unmapped = suggest(table, columns, str(file), roles)
    out.print(
        "# Suggested plan section: make source relative to the plan's folder; check every guess.",
        markup=False,
        highlight=False,
    )
    if "accounts" in section:
        out.print(f"# Roles of the method: {', '.join(roles) or 'none found'}", markup=False, highlight=False)
    if unmapped:
        out.print(f"# Columns left out: {', '.join(unmapped)}", markup=False, highlight=False, soft_wrap=True)
    out.print(as_yaml(section), markup=False, highlight=False, soft_wrap=True, end="")
