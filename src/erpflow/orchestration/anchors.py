"""The chain head anchored in Prefect too: an ``erpflow.chain.anchored`` event about the wave, and an artifact."""

from __future__ import annotations

from typing import Any

import structlog

from erpflow.audit.anchors import Anchor, check_head, publish
from erpflow.operations.batches import slug
from erpflow.settings import Settings

__all__ = ["EVENT", "anchor_head", "announce", "check_head"]

log = structlog.stdlib.get_logger("erpflow.flow")
EVENT = "erpflow.chain.anchored"


def announce(anchor: Anchor | None) -> None:
    """Publish an anchor as a Prefect event and a markdown artifact; Prefect being away never stops a wave."""
    if anchor is None:
        return
    from prefect.artifacts import create_markdown_artifact
    from prefect.events import emit_event

    try:
        emit_event(
            EVENT,
            resource={"prefect.resource.id": f"erpflow.wave.{anchor.wave}", "prefect.resource.name": anchor.wave},
            payload=anchor.as_dict(),
        )
        create_markdown_artifact(
            f"Chain head anchored ({anchor.reason}): position **{anchor.position}**, digest `{anchor.digest}`, "
            f"at {anchor.time}, signed by Ed25519 key `{anchor.public_key}`.\n\n"
            f"Check the event store against it: `erpflow verify --anchors {anchor.source}`",
            key=slug(f"{anchor.wave}-chain-anchor"),
            description=f"Wave {anchor.wave}: chain head anchored",
        )
    except Exception as exc:
        log.warning("chain anchor not sent to Prefect", reason=str(exc).splitlines()[0])


def anchor_head(ledger: Any, wave: str, reason: str, settings: Settings) -> Anchor | None:
    """Anchor the chain head in a signed file under the home, and in Prefect."""
    anchor = publish(ledger, wave, reason, settings)
    announce(anchor)
    return anchor
