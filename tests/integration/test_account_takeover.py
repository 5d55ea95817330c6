"""No HR row may take over an account erpflow did not create: on a real Tryton (embedded and server) and a real
SCIM server. Refused accounts are left byte for byte as they were."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from pydantic import SecretStr

from erpflow.model.accounts import Protected
from erpflow.model.items import UserSpec
from erpflow.targets.scim import ScimTarget
from erpflow.targets.tryton import TrytonTarget

HIJACK = UserSpec("admin", "Mallory", "mallory@evil.example", ("Accounting",))
MARIE = UserSpec("mlegrand", "Marie Legrand", "marie.legrand@acme.example", ("Party Administration",))


def rows(database, logins: tuple[str, ...]) -> list[tuple]:
    """Every stored byte of these users and of their group links, straight from the SQLite file."""
    with sqlite3.connect(database.path) as db:
        users = db.execute(
            f"SELECT * FROM res_user WHERE login IN ({','.join('?' * len(logins))}) ORDER BY id", logins
        ).fetchall()
        ids = ",".join(str(u[0]) for u in users) or "NULL"
        links = db.execute(f'SELECT * FROM "res_user-res_group" WHERE "user" IN ({ids}) ORDER BY id').fetchall()
    return users + links


def foreign_user(tryton: TrytonTarget, login: str, groups: list[str]) -> None:
    """An account made in Tryton by its own administrators, not by erpflow."""
    with tryton._session():
        ids = [g["id"] for g in tryton._read("res.group", [("name", "in", groups)], ["name"])]
        tryton._call(
            "res.user",
            "create",
            [{"login": login, "name": "Someone Else", "email": "else@acme.example", "groups": [("add", ids)]}],
        )


@pytest.mark.tryton
@pytest.mark.parametrize("login", ["admin", "root"])
def test_an_hr_row_naming_a_built_in_account_leaves_it_untouched(tryton: TrytonTarget, tryton_db, login: str):
    before = rows(tryton_db, ("admin", "root"))

    (outcome,) = tryton.upsert_users([UserSpec(login, "Mallory", "mallory@evil.example", ("Accounting",), adopt=True)])

    assert (outcome.status, outcome.reason) == (
        "rejected",
        f"{login!r} is a built-in account: erpflow never touches it",
    )
    assert rows(tryton_db, ("admin", "root")) == before


@pytest.mark.tryton
def test_an_account_made_by_someone_else_is_refused_until_the_plan_adopts_it(tryton: TrytonTarget, tryton_db):
    foreign_user(tryton, "mlegrand", ["Accounting"])
    before = rows(tryton_db, ("mlegrand",))

    refused, created = tryton.upsert_users([MARIE, UserSpec("jdupont", "Jérôme Dupont", "j@acme.example")])

    assert refused.status == "rejected" and "exists and was not created by erpflow" in refused.reason
    assert created.status == "created"
    assert rows(tryton_db, ("mlegrand",)) == before
    assert tryton.managed(["mlegrand", "jdupont", "admin", "nobody"]) == {"jdupont"}

    (adopted,) = tryton.upsert_users([replace(MARIE, adopt=True)])
    assert adopted.status == "updated" and adopted.changes["adopted"] == [False, True]
    assert tryton.find_users(["mlegrand"])["mlegrand"]["groups"] == ["Party Administration"]
    assert [o.status for o in tryton.upsert_users([MARIE])] == ["unchanged"]  # erpflow's now, without adopt
    assert tryton.managed(["mlegrand"]) == {"mlegrand"}


@pytest.mark.tryton
def test_a_member_of_a_group_with_rights_over_accounts_can_never_be_adopted(tryton: TrytonTarget, tryton_db):
    with tryton._session():
        (group,) = tryton._call("res.group", "create", [{"name": "IT Support"}])
        tryton._call(
            "ir.model.access",
            "create",
            [
                {
                    "model": "res.user",
                    "group": group,
                    "perm_read": True,
                    "perm_write": True,
                    "perm_create": True,
                    "perm_delete": False,
                }
            ],
        )
    foreign_user(tryton, "itsupport", ["IT Support"])
    foreign_user(tryton, "direction", ["Accounting"])
    before = rows(tryton_db, ("itsupport", "direction"))
    guarded = TrytonTarget(tryton.database, check_email_dns=False, protected=Protected.of(groups=["Accounting"]))

    (it,) = tryton.upsert_users([UserSpec("itsupport", "Mallory", "m@evil.example", ("Accounting",), adopt=True)])
    (boss,) = guarded.upsert_users([UserSpec("direction", "Mallory", "m@evil.example", ("Accounting",), adopt=True)])

    assert (
        it.status == "rejected"
        and it.reason == "account 'itsupport' is an administrator (member of 'IT Support'): erpflow never touches it"
    )
    assert boss.status == "rejected" and "member of 'Accounting'" in boss.reason
    assert rows(tryton_db, ("itsupport", "direction")) == before


@pytest.mark.tryton
def test_another_programme_does_not_own_this_ones_accounts(tryton: TrytonTarget):
    tryton.upsert_users([MARIE])
    other = TrytonTarget(tryton.database, check_email_dns=False, programme="other-client")

    (outcome,) = other.upsert_users([MARIE])

    assert outcome.status == "rejected" and "not created by erpflow" in outcome.reason


def test_scim_accounts_follow_the_same_rule(scim_server):
    server = scim_server()
    scim = ScimTarget(server.url, SecretStr(server.token))
    from scim2_models import Group, GroupMember, User

    client = scim._scim()
    admin = client.create(User(user_name="root", display_name="Root"))
    theirs = client.create(User(user_name="mlegrand", display_name="Someone Else"))
    it = client.create(User(user_name="helpdesk", display_name="Help Desk"))
    client.create(Group(display_name="Administrators", members=[GroupMember(value=it.id, type="User")]))
    hijack = [
        UserSpec("ROOT", "Mallory", "m@evil.example", ("Accounting",), adopt=True),
        MARIE,
        UserSpec("helpdesk", "Mallory", "m@evil.example", ("Accounting",), adopt=True),
    ]

    outcomes = scim.upsert_users(hijack)

    assert [o.status for o in outcomes] == ["rejected"] * 3
    assert "built-in" in outcomes[0].reason and "not created by erpflow" in outcomes[1].reason
    assert "member of 'Administrators'" in outcomes[2].reason
    for user in (admin, theirs, it):
        assert client.query(User, user.id).model_dump() == user.model_dump()
    assert scim.managed(["mlegrand", "root"]) == set()

    (adopted,) = scim.upsert_users([replace(MARIE, adopt=True)])
    assert adopted.status == "updated" and adopted.changes["adopted"] == [False, True]
    assert scim.managed(["mlegrand"]) == {"mlegrand"}
    assert [o.status for o in scim.upsert_users([MARIE])] == ["unchanged"]
