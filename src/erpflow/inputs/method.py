"""The deployment method as data: domain/cycle.yaml, roles.yaml, gates.yaml and anomalies.yaml."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from erpflow.inputs.invitations import load_invitations
from erpflow.inputs.yamlfile import load
from erpflow.model.accounts import Protected

METRICS = ("open_anomalies", "training_completion", "migration_reject_rate", "operations_completed")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Raci(Strict):
    responsible: list[str] = Field(min_length=1)
    accountable: str = Field(min_length=1)
    consulted: list[str] = []
    informed: list[str] = []


class Operation(Strict):
    id: str
    title: str
    depends_on: list[str] = []
    raci: Raci

    @field_validator("id")
    @classmethod
    def is_known(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("operations")
        if known is not None and value not in known:
            raise ValueError(f"unknown operation {value!r} (known: {', '.join(sorted(known))})")
        return value


class Cycle(Strict):
    operations: list[Operation] = Field(min_length=1)

    @model_validator(mode="after")
    def dependencies_come_first(self) -> Cycle:
        seen: set[str] = set()
        for op in self.operations:
            if op.id in seen:
                raise ValueError(f"operation {op.id!r} is listed twice")
            missing = [dep for dep in op.depends_on if dep not in seen]
            if missing:
                raise ValueError(f"operation {op.id!r} depends on {', '.join(missing)}, which must come before it")
            seen.add(op.id)
        return self

    @property
    def order(self) -> list[str]:
        return [op.id for op in self.operations]


class Role(Strict):
    title: str
    groups: list[str] = Field(min_length=1)
    track: str
    key_user: bool = False


class ProtectedAccounts(Strict):
    """Accounts erpflow never writes, besides the built-in ones (admin, root) and administration groups."""

    logins: list[str] = []
    groups: list[str] = []


class Roles(Strict):
    roles: dict[str, Role] = Field(min_length=1)
    protected: ProtectedAccounts = ProtectedAccounts()

    @property
    def guard(self) -> Protected:
        return Protected.of(self.protected.logins, self.protected.groups)


class Criterion(Strict):
    id: str
    title: str
    metric: Literal["open_anomalies", "training_completion", "migration_reject_rate", "operations_completed"]
    severity: Literal["blocking", "major", "minor"] | None = None
    op: Literal["==", "<=", ">=", "<", ">"]
    value: float


class Gate(Strict):
    applies_to: list[Literal["pilot", "progressive", "big-bang"]] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)


class Gates(Strict):
    gates: dict[str, Gate] = Field(min_length=1)


Severity = Literal["blocking", "major", "minor"]


class AnomalyRule(Strict):
    operation: str | None = None
    kind: Literal["rejected", "failed"] | None = None
    match: str | None = None
    severity: Severity

    @field_validator("match")
    @classmethod
    def is_a_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    def matches(self, operation: str, kind: str, reason: str) -> bool:
        return (
            (self.operation in (None, operation))
            and (self.kind in (None, kind))
            and (self.match is None or re.search(self.match, reason, re.IGNORECASE) is not None)
        )


class AnomalyRules(Strict):
    rules: list[AnomalyRule] = Field(default_factory=list)
    default: Severity = "minor"

    def severity(self, operation: str, kind: str, reason: str) -> str:
        """The severity of an anomaly raised on its own: the first matching rule's, or the default."""
        return next((r.severity for r in self.rules if r.matches(operation, kind, reason)), self.default)


class Method(BaseModel):
    """The method files, validated, with a digest of their bytes."""

    cycle: Cycle
    roles: Roles
    gates: Gates
    anomalies: AnomalyRules
    digest: str
    files: dict[str, str]  # path -> sha256
    invitations: dict[str, dict[str, str]] = {}  # language -> part -> template (invitations/LANG/*.txt)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_method(folder: Path, operations: Collection[str] | None = None) -> Method:
    """Load and validate domain/ (cycle.yaml, roles.yaml, gates.yaml, anomalies.yaml); with ``operations``,
    an operation of the cycle that is not one of them is an error naming its line."""
    paths = {name: folder / f"{name}.yaml" for name in ("cycle", "roles", "gates", "anomalies")}
    cycle = load(Cycle, paths["cycle"], context={"operations": operations})
    roles = load(Roles, paths["roles"])
    gates = load(Gates, paths["gates"])
    anomalies = load(AnomalyRules, paths["anomalies"])
    files = {str(path): file_digest(path) for path in paths.values()}
    digest = hashlib.sha256("".join(files[str(p)] for p in paths.values()).encode()).hexdigest()
    invitations, templates = load_invitations(folder / "invitations")
    files |= {str(path): file_digest(path) for path in templates}
    return Method(
        cycle=cycle, roles=roles, gates=gates, anomalies=anomalies, digest=digest, files=files, invitations=invitations
    )
