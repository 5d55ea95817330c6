"""From a plan file to the batches of every operation, validated before anything is touched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erpflow.inputs.coverage import check_sites
from erpflow.inputs.method import Method, file_digest, load_method
from erpflow.model.errors import InputError
from erpflow.model.items import ItemOutcome
from erpflow.model.sessions import NotEnoughSlots
from erpflow.operations import accounts, configuration, migration, training
from erpflow.operations.batches import BatchPlan
from erpflow.inputs.plan import WavePlan, load_plan
from erpflow.inputs.sources import Table, read_table
from erpflow.inputs.yamlfile import Lines, line_of


@dataclass(frozen=True)
class PreparedWave:
    """A plan, its method and inputs, and the batches each operation will run."""

    plan: WavePlan
    path: Path
    method: Method
    inputs: dict[str, str]  # file -> sha256, for the plan, the method files and every source
    batches: dict[str, list[BatchPlan]]  # operation -> batches, in the cycle's order
    rows: dict[str, int]  # migration dataset -> rows read from its source

    @property
    def name(self) -> str:
        return self.plan.wave

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(sorted(self.inputs.items())).encode()).hexdigest()

    def snapshot(self) -> dict[str, Any]:
        return self.plan.model_dump(mode="json")

    def tags(self) -> list[str]:
        return [f"wave:{self.name}", f"kind:{self.plan.kind}", *(f"site:{site}" for site in self.plan.sites)]


def find_method(plan_path: Path, configured: Path | None) -> Path:
    if configured is not None:
        return configured
    for folder in plan_path.resolve().parents:
        if (folder / "domain" / "cycle.yaml").is_file():
            return folder / "domain"
    raise InputError(str(plan_path), "no domain/ folder (cycle.yaml) beside or above the plan; set ERPFLOW_METHOD")


def _check_roles(plan: WavePlan, method: Method, path: Path, lines: Lines) -> None:
    for job, role in plan.accounts.roles.items():
        if role not in method.roles.roles:
            loc = ("accounts", "roles", job)
            raise InputError(str(path), f"role {role!r} is not in roles.yaml ({', '.join(method.roles.roles)})",
                             line=line_of(lines, loc), field=".".join(loc))
    language = plan.training.mail.language
    if language and language not in method.invitations:
        loc = ("training", "mail", "language")
        raise InputError(str(path), f"no invitation templates for {language!r} in the method's invitations/ "
                         f"({', '.join(method.invitations) or 'none'})", line=line_of(lines, loc), field=".".join(loc))


def prepare(path: Path, method_folder: Path | None = None) -> PreparedWave:
    """Validate the plan, the method and every source; plan every batch. Touches nothing."""
    plan, lines = load_plan(path)
    method = load_method(find_method(path, method_folder))
    _check_roles(plan, method, path, lines)
    hr = read_table(plan.accounts.source, required=plan.accounts.columns.model_dump().values(), options=plan.accounts)
    desired = configuration.load_desired(plan.configuration.source)
    tables: dict[str, Table] = {
        d.name: read_table(d.source, required=migration.required_columns(d), options=d)
        for d in plan.migration.datasets}
    people = accounts.people(plan, hr)  # validated once, for accounts and for training
    check_sites(plan, path, lines, hr, {site for site, entry in people if not isinstance(entry, ItemOutcome)})
    try:
        sessions = training.prepare(plan, method, people)
    except NotEnoughSlots as exc:
        raise InputError(str(path), str(exc), line=line_of(lines, ("training", "calendars")),
                         field="training.calendars") from None
    by_operation = {
        "accounts": accounts.prepare(plan, method, people),
        "configuration": configuration.prepare(desired),
        "migration": migration.prepare(plan.migration, tables),
        "training": sessions,
    }
    inputs = {str(path.resolve()): file_digest(path), **method.files,
              str(plan.accounts.source): hr.digest,
              str(plan.configuration.source): file_digest(plan.configuration.source),
              **{str(t.path): t.digest for t in tables.values()}}
    batches = {op: by_operation[op] for op in method.cycle.order}
    rows = {name: len(table.rows) for name, table in tables.items()}
    return PreparedWave(plan, path.resolve(), method, inputs, batches, rows)
