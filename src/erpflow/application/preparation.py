"""From a plan file to the batches of every operation, validated before anything is touched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from erpflow.heap import no_collections
from erpflow.inputs.method import Method, file_digest, load_method
from erpflow.inputs.plan import WavePlan, load_plan
from erpflow.inputs.yamlfile import Lines, line_of
from erpflow.model.errors import InputError
from erpflow.operations import registry
from erpflow.operations.accounts import Find
from erpflow.operations.base import Preparing
from erpflow.operations.batches import BatchPlan


@dataclass(frozen=True)
class PreparedWave:
    """A plan, its method and inputs, and the batches each operation will run."""

    plan: WavePlan
    path: Path
    method: Method
    inputs: dict[str, str]  # file -> sha256, for the plan, the method files and every source
    batches: dict[str, list[BatchPlan]]  # operation -> batches, in the cycle's order
    rows: dict[str, int]  # dataset -> rows read from its source (migration)
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)  # section -> leave_out rule -> rows

    @property
    def name(self) -> str:
        return self.plan.wave

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(sorted(self.inputs.items())).encode()).hexdigest()

    def snapshot(self) -> dict[str, Any]:
        return self.plan.model_dump(mode="json")

    def tags(self) -> list[str]:
        return run_tags(self.name, self.plan.kind, self.plan.sites)


def run_tags(wave: str, kind: str, sites: list[str]) -> list[str]:
    """The Prefect tags of every run about a wave: wave:, kind:, site:."""
    return [f"wave:{wave}", f"kind:{kind}", *(f"site:{site}" for site in sites)]


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
            raise InputError(
                str(path),
                f"role {role!r} is not in roles.yaml ({', '.join(method.roles.roles)})",
                line=line_of(lines, loc),
                field=".".join(loc),
            )
    if plan.accounts.columns.language is not None and not method.invitations:
        loc = ("accounts", "columns", "language")
        raise InputError(
            str(path),
            "the method ships no invitation templates (invitations/LANG) for a person's language to choose",
            line=line_of(lines, loc),
            field=".".join(loc),
        )
    language = plan.training.mail.language
    if language and language not in method.invitations:
        loc = ("training", "mail", "language")
        raise InputError(
            str(path),
            f"no invitation templates for {language!r} in the method's invitations/ "
            f"({', '.join(method.invitations) or 'none'})",
            line=line_of(lines, loc),
            field=".".join(loc),
        )


_handed: dict[tuple[Path, Path | None], tuple[PreparedWave, date]] = {}


def hand_over(prepared: PreparedWave, method_folder: Path | None = None) -> None:
    """Keep a prepared wave for the next prepare() of its plan in this process, which takes it if no input
    changed (the CLI prepares a wave to check it, then runs the flow, which prepares it again)."""
    _handed[(prepared.path, method_folder)] = (prepared, date.today())


def _unchanged(prepared: PreparedWave, on: date) -> bool:
    """Whether preparing again would read the same bytes on the same day (leave_out rules compare with today)."""
    try:
        return on == date.today() and all(file_digest(Path(f)) == digest for f, digest in prepared.inputs.items())
    except OSError:
        return False


def prepare(path: Path, method_folder: Path | None = None, accounts: Find | None = None) -> PreparedWave:
    """Validate the plan, the method and every source; plan every batch of every operation of the cycle.
    Writes nothing. A login derived by a unique template asks the target which logins are held (``accounts``,
    default: the target the plan and the environment's settings name), once per batch."""
    handed = _handed.pop((path.resolve(), method_folder), None)
    if handed is not None and _unchanged(*handed):
        return handed[0]
    with no_collections():
        return _prepare(path, method_folder, accounts)


def _prepare(path: Path, method_folder: Path | None, accounts: Find | None) -> PreparedWave:
    plan, lines = load_plan(path)
    folder = find_method(path, method_folder)
    method = load_method(folder, registry.ids())
    _check_roles(plan, method, path, lines)
    if accounts is None:
        from erpflow.application.preflight import existing_accounts

        accounts = existing_accounts(plan, method.roles.guard)
    preparing = Preparing(plan, path.resolve(), lines, method, folder, accounts=accounts)
    batches = {op: registry.get(op).prepare(preparing) for op in method.cycle.order}
    inputs = {str(path.resolve()): file_digest(path), **method.files, **preparing.inputs}
    return PreparedWave(plan, path.resolve(), method, inputs, batches, preparing.rows, preparing.left_out)
