"""Who and what every event is about: wave, operation, actor, flow run, code version."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version


def code_version() -> str:
    try:
        return version("erpflow")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


@dataclass(frozen=True)
class Context:
    """Carried by every event; holds no secret by construction."""

    wave: str
    actor: str
    flow_run_id: str = ""
    operation: str = ""
    code_version: str = ""

    def for_operation(self, operation: str) -> Context:
        return replace(self, operation=operation)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
