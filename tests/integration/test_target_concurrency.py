"""Batches run several at once against a Tryton server and a SCIM server, bounded per target; the embedded Tryton
takes one call at a time. Records the batches share (erpflow's mark, role groups) are made once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import SecretStr

from erpflow.model.items import UserSpec
from erpflow.targets.scim import ScimTarget
from erpflow.targets.tryton import TrytonTarget
from erpflow.targets.tryton_remote import RemoteTryton

pytestmark = pytest.mark.tryton
GROUPS = ("Accounting", "Party Administration")


def batches(count: int = 4, size: int = 15) -> list[list[UserSpec]]:
    return [
        [
            UserSpec(f"b{b}u{i:02d}", f"User {b}-{i}", f"b{b}u{i:02d}@acme.example", (GROUPS[(b + i) % 2],))
            for i in range(size)
        ]
        for b in range(count)
    ]


def in_flight(target, method: str, monkeypatch) -> list[int]:
    """Wraps ``method`` of ``target`` to record how many of its calls ran at once, at most."""
    lock, now, most = threading.Lock(), [0], [0]
    original = getattr(target, method)

    def counted(*args, **kwargs):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            time.sleep(0.02)
            return original(*args, **kwargs)
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(target, method, counted)
    return most


def run_at_once(target, work: list[list[UserSpec]]) -> list[list]:
    with ThreadPoolExecutor(len(work)) as pool:
        return list(pool.map(target.upsert_users, work))


@pytest.mark.parametrize("limit", [1, 3])
def test_batches_run_at_once_against_a_tryton_server_up_to_the_limit_and_share_one_mark(
    tryton_server, limit, monkeypatch
):
    target = TrytonTarget(
        RemoteTryton(tryton_server.url, tryton_server.database, "admin", SecretStr(tryton_server.password)),
        concurrency=limit,
    )
    most = in_flight(target, "_users", monkeypatch)
    work = batches()
    outcomes = run_at_once(target, work)
    assert [[o.status for o in batch] for batch in outcomes] == [["created"] * 15] * 4
    assert most[0] == limit
    assert target.count("res.group", [("name", "=", target.mark)]) == 1
    assert target.managed([u.login for batch in work for u in batch]) == {u.login for b in work for u in b}


def test_the_embedded_tryton_takes_one_batch_at_a_time(tryton_db, monkeypatch):
    target = TrytonTarget(tryton_db, check_email_dns=False, concurrency=4)
    most = in_flight(target, "_users", monkeypatch)
    outcomes = run_at_once(target, batches())
    assert all(o.status == "created" for batch in outcomes for o in batch) and most[0] == 1


def test_batches_run_at_once_against_scim_and_each_role_group_is_made_once(scim_server, monkeypatch):
    server = scim_server()
    scim = ScimTarget(server.url, SecretStr(server.token), concurrency=3)
    most = in_flight(scim, "_users", monkeypatch)
    work = batches()
    outcomes = run_at_once(scim, work)
    assert all(o.status == "created" for batch in outcomes for o in batch) and most[0] == 3
    groups = scim._groups()
    assert sorted(groups) == sorted(GROUPS)
    ids = {u["id"]: login for login, u in scim.find_users([u.login for b in work for u in b]).items()}
    for name in GROUPS:
        assert {ids[m] for m in groups[name]["members"]} == {u.login for b in work for u in b if u.groups == (name,)}
