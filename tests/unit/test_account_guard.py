"""Which existing accounts erpflow may write: the pure rule every accounts target applies."""

from __future__ import annotations

import pytest

from erpflow.model.accounts import Existing, Protected, refusal

MINE = Existing(managed=True, groups=frozenset({"Accounting"}))
THEIRS = Existing(managed=False, groups=frozenset({"Accounting"}))


@pytest.mark.parametrize("login", ["admin", "ADMIN", "Root", "administrator"])
def test_a_built_in_login_is_refused_whether_it_exists_or_not(login: str):
    assert "built-in account" in refusal(login, ["Accounting"], None, adopt=True)
    assert "built-in account" in refusal(login, ["Accounting"], MINE, adopt=True)


def test_a_new_account_and_an_account_of_erpflows_may_be_written():
    assert refusal("jdupont", ["Accounting"], None, adopt=False) == ""
    assert refusal("jdupont", ["Accounting"], MINE, adopt=False) == ""


def test_an_account_erpflow_did_not_create_is_refused_unless_the_plan_adopts_it():
    assert "was not created by erpflow" in refusal("jdupont", ["Accounting"], THEIRS, adopt=False)
    assert "accounts.adopt" in refusal("jdupont", ["Accounting"], THEIRS, adopt=False)
    assert refusal("jdupont", ["Accounting"], THEIRS, adopt=True) == ""


def test_the_targets_built_in_account_is_refused_under_any_login():
    assert "built-in" in refusal("boss", [], Existing(managed=True, builtin=True), adopt=True)


@pytest.mark.parametrize(
    "existing",
    [
        Existing(managed=False, groups=frozenset({"Administration"})),
        Existing(managed=False, groups=frozenset({"Accounting", "IT Admins"}), admin_groups=frozenset({"IT Admins"})),
        Existing(managed=True, groups=frozenset({"Accounting", "IT Admins"}), admin_groups=frozenset({"IT Admins"})),
    ],
)
def test_a_member_of_an_administration_group_is_never_written_even_adopted(existing: Existing):
    why = refusal("jdupont", ["Accounting"], existing, adopt=True)
    assert "is an administrator (member of" in why


def test_an_administration_group_its_own_role_grants_does_not_lock_erpflow_out_of_its_account():
    granted = Existing(managed=True, groups=frozenset({"IT Admins"}), admin_groups=frozenset({"IT Admins"}))
    assert refusal("jdupont", ["IT Admins"], granted, adopt=False) == ""
    foreign = Existing(managed=False, groups=frozenset({"IT Admins"}), admin_groups=frozenset({"IT Admins"}))
    assert "administrator" in refusal("jdupont", ["IT Admins"], foreign, adopt=True)


def test_the_method_adds_its_own_protected_logins_and_groups_case_insensitively():
    guard = Protected.of(logins=["svc-backup"], groups=["Direction"])
    assert "built-in" in refusal("SVC-Backup", [], None, adopt=True, protected=guard)
    director = Existing(managed=False, groups=frozenset({"direction"}))
    assert "administrator" in refusal("pdg", [], director, adopt=True, protected=guard)
    assert refusal("svc-backup", [], None, adopt=True) == ""
