"""Check an erpflow export with Python's standard library alone: python3 verify-export.py FOLDER

1. events.jsonl has the digest and the number of events the manifest states;
2. each event's digest is sha256 of "previous|position|aggregate id|version|topic|" followed by the stored state
   bytes, as the event log's hash chain computes it;
3. the last seal of the export is among its digests (compare the manifest's chain head with `erpflow verify`).
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1])
manifest = json.loads((folder / "manifest.json").read_text())
data = (folder / "events.jsonl").read_bytes()
assert hashlib.sha256(data).hexdigest() == manifest["events_sha256"], "events.jsonl differs from the manifest"
events = [json.loads(line) for line in data.splitlines()]
assert len(events) == manifest["events"], "the number of events differs from the manifest"
digests = {}
for e in events:
    head = f"{e['previous']}|{e['position']}|{e['originator_id']}|{e['originator_version']}|{e['topic']}|"
    digest = hashlib.sha256(head.encode() + base64.b64decode(e["state"])).hexdigest()
    assert digest == e["digest"], f"event at position {e['position']} does not match its digest"
    assert json.loads(base64.b64decode(e["state"])), f"event at position {e['position']} has no state"
    digests[e["position"]] = digest
for seal in manifest["seals"]:
    assert seal["position"] not in digests or digests[seal["position"]] == seal["head"], f"seal {seal} broken"
print(f"ok: {len(events)} events of wave {manifest['wave']} match their digests")
