"""Who and what every event is about: wave, operation, actor, flow run, code version."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version

from erpflow.model.errors import CommandRefused


def code_version() -> str:
    try:
        return version("erpflow")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def check_actor(actor: str) -> str:
    """An actor (a person, an approver, a flow run) is a non-empty single line of printable text."""
    if not actor.strip():
        raise CommandRefused("the actor is empty: set ERPFLOW_ACTOR (or --actor) to who you are")
    if not actor.isprintable():
        raise CommandRefused(f"the actor {actor!r} is not a single line of printable text")
    return actor


@dataclass(frozen=True)
class Context:
    """Carried by every event; holds no secret by construction."""

    wave: str
    actor: str
    flow_run_id: str = ""
    operation: str = ""
    code_version: str = ""

    def __post_init__(self) -> None:
        check_actor(self.actor)

    def for_operation(self, operation: str) -> Context:
        return replace(self, operation=operation)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
