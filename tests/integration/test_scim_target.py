"""The SCIM 2.0 accounts target against a real SCIM server (scim2-server, started by each test)."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from erpflow.model.items import UserSpec
from erpflow.targets.errors import TargetError, TargetUnavailable
from erpflow.targets.scim import ScimTarget

ALICE = UserSpec("alice", "Alice Martin", "alice@acme.example", ("Accounting",), source="hr.csv:2")
BOB = UserSpec("bob", "Bob Durand", "bob@acme.example", ("Party Administration", "Product Administration"))


def target(server) -> ScimTarget:
    return ScimTarget(server.url, SecretStr(server.token))


def members(scim: ScimTarget) -> dict[str, set[str]]:
    """Group name -> userNames of its members, read back from the server."""
    ids = {u["id"]: login for login, u in scim.find_users([f"u{i:03d}" for i in range(40)] + ["alice", "bob"]).items()}
    return {name: {ids.get(m, m) for m in g["members"]} for name, g in scim._groups().items()}


def test_users_are_created_with_their_groups_then_unchanged(scim_server):
    scim = target(scim_server())
    first = scim.upsert_users([ALICE, BOB])
    assert [(o.ref, o.status) for o in first] == [("alice", "created"), ("bob", "created")]
    assert first[0].erp_id and first[0].source == "hr.csv:2"
    assert members(scim) == {
        "Accounting": {"alice"},
        "Party Administration": {"bob"},
        "Product Administration": {"bob"},
    }
    found = scim.find_users(["alice", "bob", "nobody"])
    assert found["alice"] == {"id": first[0].erp_id, "name": "Alice Martin", "email": "alice@acme.example"}
    assert "nobody" not in found

    fresh = ScimTarget(scim.url, SecretStr(scim._token.get_secret_value()))  # a new client: nothing cached
    assert [o.status for o in fresh.upsert_users([ALICE, BOB])] == ["unchanged", "unchanged"]
    assert members(fresh)["Accounting"] == {"alice"}


def test_a_changed_email_and_role_are_recorded_before_and_after(scim_server):
    scim = target(scim_server())
    scim.upsert_users([ALICE, BOB])
    moved = UserSpec("alice", "Alice Martin", "alice.martin@acme.example", ("Party Administration",))
    (outcome,) = scim.upsert_users([moved])
    assert outcome.status == "updated"
    assert outcome.changes == {
        "email": ["alice@acme.example", "alice.martin@acme.example"],
        "groups": [["Accounting"], ["Party Administration"]],
    }
    groups = members(scim)
    assert groups["Accounting"] == set() and groups["Party Administration"] == {"alice", "bob"}


def test_a_refused_user_is_rejected_with_the_servers_reason_while_the_others_load(scim_server):
    scim = target(scim_server())
    scim.upsert_users([ALICE])
    clash = UserSpec("ALICE2", "Other", "", ())
    outcomes = scim.upsert_users([BOB, clash, UserSpec("Alice2", "Again", "", ())])
    assert [o.status for o in outcomes] == ["created", "created", "rejected"]
    assert re.match(r"SCIM 409: .*already in use", outcomes[2].reason)


@pytest.mark.parametrize(
    "bulk, requests",
    [
        ({"supported": True, "maxOperations": 7, "maxPayloadSize": 1048576}, {3}),  # 20 users: 7 + 7 + 6
        ({"supported": True, "maxOperations": 1000, "maxPayloadSize": 2500}, set(range(2, 21))),  # ~170 bytes each
        (None, {0}),  # no /Bulk: one POST per user
    ],
)
def test_writes_respect_the_bulk_limits_the_server_advertises(scim_server, bulk, requests):
    server = scim_server(bulk)
    scim = target(server)
    people = [UserSpec(f"u{i:03d}", f"User {i} " + "x" * 60, f"u{i}@acme.example", ("Accounting",)) for i in range(20)]
    assert [o.status for o in scim.upsert_users(people)] == ["created"] * 20
    log = server.log.read_text()
    assert log.count("POST /v2/Bulk") in requests and '" 413 ' not in log  # none too large for the server
    assert log.count("POST /v2/Users") == (20 if bulk is None else 0)
    assert members(scim)["Accounting"] == {p.login for p in people}


def test_a_wrong_token_or_no_server_is_an_error_without_the_token(scim_server, closed_port):
    server = scim_server()
    with pytest.raises(TargetError, match="refused the token") as refused:
        ScimTarget(server.url, SecretStr("wr0ng-t0ken")).upsert_users([ALICE])
    assert "wr0ng-t0ken" not in str(refused.value)
    with pytest.raises(TargetUnavailable, match="cannot reach the SCIM server"):
        ScimTarget(f"http://127.0.0.1:{closed_port}/v2/", SecretStr("x")).upsert_users([ALICE])


def test_holders_answers_the_accounts_under_each_login_prefix_in_one_filter(scim_server):
    scim = target(scim_server())
    scim.upsert_users([ALICE, BOB, UserSpec("alice2", "Alice Roux", "alice.roux@acme.example", ("Accounting",))])
    found = scim.holders(["alice", "carol"])
    assert sorted(found) == ["alice", "alice2"]
    assert (found["alice2"].name, found["alice2"].email, found["alice2"].managed) == (
        "Alice Roux",
        "alice.roux@acme.example",
        True,
    )
