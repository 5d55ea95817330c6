"""Export a wave's events for an auditor: JSON Lines plus a manifest, checkable with Python's standard library.

Each line holds one event as stored (aggregate id and version, topic, state bytes in base64), the digest of the
record before it in the log's chain and its own digest, and the event in readable form. `docs/verify-export.py`
checks an export with the standard library alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from erpflow.application.ledger import Ledger
from erpflow.audit.anchors import head_anchor
from erpflow.model.context import code_version
from erpflow.projections.history import record
from erpflow.settings import Settings


def export(ledger: Ledger, wave: str, folder: Path, settings: Settings | None = None) -> dict[str, Any]:
    """Write events.jsonl and manifest.json for one wave into folder; the manifest. With settings, the manifest
    also holds the chain head as a signed anchor (`erpflow verify --anchors manifest.json`)."""
    ledger.wave(wave)
    head = ledger.chain.chain_head()
    folder.mkdir(parents=True, exist_ok=True)
    lines, seals = [], []
    for stored in ledger.wave_records(wave):
        previous, digest = ledger.chain.link_of(stored.id)
        readable = record(stored.id, ledger.mapper.to_domain_event(stored))
        lines.append(
            json.dumps(
                {
                    "position": stored.id,
                    "originator_id": str(stored.originator_id),
                    "originator_version": stored.originator_version,
                    "topic": stored.topic,
                    "state": base64.b64encode(stored.state).decode(),
                    "previous": previous,
                    "digest": digest,
                    "event": readable,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
        if readable["type"] == "Wave.Sealed":
            seals.append(readable["data"])
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    (folder / "events.jsonl").write_bytes(data)
    manifest = {
        "wave": wave,
        "erpflow_version": code_version(),
        "exported_at": datetime.now(UTC).isoformat(),
        "events": len(lines),
        "events_sha256": hashlib.sha256(data).hexdigest(),
        "first_position": json.loads(lines[0])["position"] if lines else None,
        "last_position": json.loads(lines[-1])["position"] if lines else None,
        "chain_head": {"position": head[0], "digest": head[1]},
        "seals": seals,
    }
    if settings is not None:
        manifest["anchor"] = head_anchor(ledger, wave, "export", settings, head).as_dict()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
