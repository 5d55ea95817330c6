"""Check an erpflow export with Python's standard library alone: python3 verify-export.py FOLDER

1. events.jsonl has the digest and the number of events the manifest states;
2. each event's digest is sha256 of "previous|position|aggregate id|version|topic|" followed by the stored state
   bytes, as the event log's hash chain computes it;
3. the seals an export of an older store holds (its wave's Wave.Sealed events) agree with its digests;
4. the manifest's anchor (the chain head, signed with Ed25519) is the chain head it states, its signature is good
   (RFC 8032, computed here), and it names the public key to compare with the one the auditor was given.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % P
    y = (a[1] + a[0]) * (b[1] + b[0]) % P
    c, d = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = y - x, d - c, d + c, y + x
    return e * f % P, g * h % P, f * g % P, e * h % P


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s:
        if s & 1:
            result = _add(result, point)
        point, s = _add(point, point), s >> 1
    return result


def _x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x


def _point(data):
    y = int.from_bytes(data, "little")
    x = _x(y & ((1 << 255) - 1), y >> 255)
    return None if x is None else (x, y & ((1 << 255) - 1), 1, x * (y & ((1 << 255) - 1)) % P)


BASE = _point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_ok(public, message, signature):
    """RFC 8032 verification of an Ed25519 signature."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r, s = _point(public), _point(signature[:32]), int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    left, right = _mul(s, BASE), _add(r, _mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % P == 0 and (left[1] * right[2] - right[1] * left[2]) % P == 0


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
anchor = manifest.get("anchor")
if anchor:
    head = manifest["chain_head"]
    assert (anchor["position"], anchor["digest"]) == (head["position"], head["digest"]), "the anchor is not the head"
    assert anchor["position"] not in digests or digests[anchor["position"]] == anchor["digest"], "anchor broken"
    signed = json.dumps(
        {k: anchor[k] for k in ("position", "digest", "time", "wave", "reason", "store")},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert ed25519_ok(bytes.fromhex(anchor["public_key"]), signed, bytes.fromhex(anchor["signature"])), (
        "the anchor's signature is bad"
    )
    print(f"anchor: chain head at position {anchor['position']} signed by Ed25519 key {anchor['public_key']}")
print(f"ok: {len(events)} events of wave {manifest['wave']} match their digests")
