"""Anchors: the chain head (position, digest, time) published outside the store, signed with Ed25519.

Each run's end and each gate decision writes one anchor file under the home (``anchors/``, one file per anchor,
never rewritten); exports carry one in their manifest. Checking the store against anchors finds what its own
chain cannot: a cut tail, an emptied or replaced store, a chain rewritten with its digests recomputed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from erpflow.audit.chain import GENESIS, link, notifications
from erpflow.audit.keys import public_hex, signing_key, trusted_key, verify_signature
from erpflow.model.errors import CommandRefused, ErpflowError
from erpflow.settings import Settings

__all__ = ["Anchor", "Problem", "StoreNotAnchored", "check_head", "compare", "publish", "read", "sign", "store_id"]

log = structlog.stdlib.get_logger("erpflow.audit")
SIGNED = ("position", "digest", "time", "wave", "reason", "store")


class StoreNotAnchored(CommandRefused):
    """The event store does not hold what an anchor published: cut, emptied, replaced or rewritten."""


@dataclass(frozen=True)
class Anchor:
    position: int
    digest: str
    time: str
    wave: str = ""
    reason: str = ""
    store: str = ""
    public_key: str = ""
    signature: str = ""
    source: str = ""  # where it was read from; not signed

    def payload(self) -> bytes:
        return json.dumps({k: getattr(self, k) for k in SIGNED}, sort_keys=True, separators=(",", ":")).encode()

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "source"}

    def __str__(self) -> str:
        what = f"{self.reason} of wave {self.wave}" if self.wave else self.reason or "anchor"
        return f"the anchor of {self.time[:19].replace('T', ' ')} ({what}, {self.source or 'given'})"


@dataclass(frozen=True)
class Problem:
    position: int | None
    problem: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.problem}" if self.position is not None else self.problem


def store_id(env: dict[str, str], settings: Settings) -> str:
    """Which store an anchor is about: the SQLite file (relative to the home when under it) or the schema."""
    module = env["PERSISTENCE_MODULE"]
    if module.endswith("postgres"):
        return (
            f"postgresql://{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
            f"?schema={env['POSTGRES_SCHEMA'] or 'public'}"
        )
    if "SQLITE_DBNAME" not in env:
        return module  # an in-memory store
    path = Path(env["SQLITE_DBNAME"]).resolve()
    return str(path.relative_to(settings.home.resolve())) if path.is_relative_to(settings.home.resolve()) else str(path)


def sign(anchor: Anchor, settings: Settings) -> Anchor:
    key = signing_key(settings)
    unsigned = replace(anchor, public_key=public_hex(key.public_key()), signature="")
    return replace(unsigned, signature=key.sign(unsigned.payload()).hex())


def head_anchor(ledger: Any, wave: str, reason: str, settings: Settings, head: tuple[int, str] | None = None) -> Anchor:
    """The chain head now, signed."""
    position, digest = head or ledger.chain.chain_head()
    return sign(
        Anchor(position, digest, datetime.now(UTC).isoformat(), wave, reason, store_id(ledger.store_env, settings)),
        settings,
    )


def publish(ledger: Any, wave: str, reason: str, settings: Settings | None = None) -> Anchor | None:
    """Write the signed chain head to a new file under the home's anchors folder; None if it cannot be written
    (the events are stored either way; a warning says so)."""
    settings = settings or ledger.settings
    try:
        anchor = head_anchor(ledger, wave, reason, settings)
        folder = settings.anchors_path
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{anchor.time[:26].replace(':', '').replace('-', '')}-{anchor.position:012d}-{uuid.uuid4().hex[:6]}"
        draft = folder / f".{name}.tmp"
        draft.write_text(json.dumps(anchor.as_dict(), indent=2) + "\n")
        os.link(draft, folder / f"{name}.json")  # fails rather than replace an anchor
        draft.unlink()
    except (OSError, ErpflowError) as exc:
        log.warning("chain head not anchored", wave=wave, reason=str(exc).splitlines()[0])
        return None
    log.info("chain head anchored", wave=wave, position=anchor.position, digest=anchor.digest[:16])
    return replace(anchor, source=str(folder / f"{name}.json"))


def _anchor(data: dict[str, Any], source: str) -> Anchor:
    if "events_sha256" in data:  # an export manifest: its signed anchor, or its chain head alone
        data = data.get("anchor") or {
            **data["chain_head"],
            "time": data.get("exported_at", ""),
            "wave": data.get("wave", ""),
            "reason": "export",
        }
    fields = {k: data[k] for k in Anchor.__dataclass_fields__ if k in data and k != "source"}
    return Anchor(**{**fields, "position": int(fields["position"]), "source": source})


def read(paths: Iterable[Path], settings: Settings) -> tuple[list[Anchor], list[Problem]]:
    """The anchors in the given files and folders (anchor files, export manifests), and those that fail their
    signature or are signed by another key than the configured one."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.json") if not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            raise ErpflowError(f"no anchor file or folder at {path}")
    trusted = trusted_key(settings)
    anchors, problems = [], []
    for file in files:
        try:
            anchor = _anchor(json.loads(file.read_text()), str(file))
        except (ValueError, KeyError, TypeError):
            problems.append(Problem(None, f"{file}: not an anchor nor an export manifest"))
            continue
        if anchor.signature and not verify_signature(anchor.public_key, anchor.signature, anchor.payload()):
            problems.append(Problem(anchor.position, f"{anchor}: bad signature: the anchor file was altered"))
        elif anchor.signature and trusted is not None and anchor.public_key != public_hex(trusted):
            problems.append(
                Problem(
                    anchor.position, f"{anchor}: bad signature: signed by another key than the configured anchor key"
                )
            )
        else:
            anchors.append(anchor)
    return anchors, problems


def compare(ledger: Any, anchors: list[Anchor]) -> list[Problem]:
    """Recompute the chain up to the highest anchor; each anchor the store does not hold, in position order."""
    wanted = {a.position for a in anchors if a.position > 0}
    if not wanted:
        return []
    top, digests, last, digest = max(wanted), {}, 0, GENESIS
    for record in notifications(ledger):
        if record.id > top:
            break
        digest = link(digest, record.id, record.originator_id, record.originator_version, record.topic, record.state)
        last = record.id
        if record.id in wanted:
            digests[record.id] = digest
    problems, matched = [], 0
    for anchor in sorted(anchors, key=lambda a: a.position):
        if anchor.position <= 0:
            continue
        if anchor.position > last:
            problems.append(
                Problem(
                    last + 1,
                    f"missing: the store ends at position {last}, {anchor} holds "
                    f"position {anchor.position}: its tail was cut, or it was emptied "
                    "or replaced",
                )
            )
        elif anchor.position not in digests:
            problems.append(Problem(anchor.position, f"missing: {anchor} holds it: deleted"))
        elif digests[anchor.position] != anchor.digest:
            since = f" after position {matched}, where an earlier anchor matches" if matched else ""
            problems.append(
                Problem(
                    anchor.position, f"the chain differs from {anchor}: rewritten at or before this position{since}"
                )
            )
        else:
            matched = anchor.position
    return problems


def home_anchors(ledger: Any, settings: Settings) -> tuple[list[Anchor], list[Problem]]:
    """The home's own anchors about this store, and those of its anchor files that fail their signature."""
    if not settings.anchors_path.is_dir():
        return [], []
    mine = store_id(ledger.store_env, settings)
    found, bad = read([settings.anchors_path], settings)
    return [a for a in found if a.store in ("", mine)], bad


def check_head(ledger: Any, settings: Settings) -> None:
    """Refuse a store that lacks the latest anchored head (one indexed read, not a replay)."""
    anchors = home_anchors(ledger, settings)[0]
    if not anchors:
        return
    latest = max(anchors, key=lambda a: a.position)
    if latest.position <= 0:
        return
    found = [digest for _, digest in ledger.chain.select_chain(latest.position, latest.position)]
    if not found:
        end = ledger.chain.chain_head()[0]
        raise StoreNotAnchored(
            f"the event store ends at position {end}, but {latest} holds position "
            f"{latest.position}: it was cut, emptied or replaced; run `erpflow verify` "
            f"(a store emptied on purpose: move {settings.anchors_path} away first)"
        )
    if found[0] != latest.digest:
        raise StoreNotAnchored(
            f"position {latest.position} of the event store differs from {latest}: "
            "its chain was rewritten; run `erpflow verify`"
        )
