"""Nothing dropped silently: HR rows of sites outside the wave, plan sites and calendars that match no one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from erpflow.inputs.nearmiss import did_you_mean, near
from erpflow.inputs.plan import WavePlan
from erpflow.inputs.sources import Table
from erpflow.inputs.yamlfile import Lines, line_of
from erpflow.model.errors import InputError

__all__ = ["Outside", "check_sites", "outside"]


@dataclass(frozen=True)
class Outside:
    """Rows of one site the wave leaves out, and the plan site it is a near miss of, if any."""

    site: str
    rows: int
    near: str | None = None


def site_counts(plan: WavePlan, table: Table) -> Counter[str]:
    column = plan.accounts.columns.site
    return Counter(row.values[column].strip() for row in table.stream())


def outside(plan: WavePlan, table: Table) -> list[Outside]:
    """The sites of the HR export outside the wave, most rows first."""
    return [
        Outside(site or "(no site)", count, near(site, plan.sites) if site else None)
        for site, count in site_counts(plan, table).most_common()
        if site not in plan.sites
    ]


def check_sites(
    plan: WavePlan, path: Path, lines: Lines, export: Path, counts: Counter[str], trainee_sites: set[str]
) -> None:
    """Refuse a plan site no HR row of ``export`` has (``counts``: its rows by site), and a calendar whose site
    has no trainee."""
    for index, site in enumerate(plan.sites):
        if not counts[site]:
            raise InputError(
                str(path),
                f"site {site!r} matches no row of {export.name} (column "
                f"{plan.accounts.columns.site!r}){did_you_mean(site, counts)}",
                line=line_of(lines, ("sites", index)),
                field="sites",
            )
    for index, calendar in enumerate(plan.training.calendars):
        if calendar.site is not None and calendar.site not in trainee_sites:
            loc = ("training", "calendars", index, "site")
            why = "valid person" if calendar.site in plan.sites else "person of the wave's sites"
            raise InputError(
                str(path),
                f"calendar site {calendar.site!r} matches no trainee: no {why} of that "
                f"site in {export.name}{did_you_mean(calendar.site, plan.sites)}",
                line=line_of(lines, loc),
                field=".".join(map(str, loc)),
            )
