"""The Tryton adapter on a real Tryton database (a fresh copy of the template per test), embedded and behind a
real trytond server (XML-RPC): every test runs both ways."""

from __future__ import annotations

import stat
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from erpflow.model.items import Address, ConfigItem, PartySpec, ProductSpec, UserSpec
from erpflow.targets import tryton_writes
from erpflow.targets.errors import TargetError, TargetUnavailable
from erpflow.targets.tryton import TrytonTarget
from erpflow.targets.tryton_db import TrytonDatabase, ensure_database
from erpflow.targets.tryton_remote import RemoteTryton
from erpflow.targets.tryton_writes import CALL_ROWS

pytestmark = pytest.mark.tryton

COMPANY = ConfigItem("company", "company", {"party_name": "Acme", "currency": "EUR", "timezone": "Europe/Paris"})
CHART = ConfigItem("chart", "chart", {"template": "Universal Chart of Accounts"})
FY_2027 = ConfigItem(
    "fiscal_year:2027",
    "fiscal_year",
    {"name": "2027", "start_date": "2027-01-01", "end_date": "2027-12-31", "period": "month"},
)
ALICE = UserSpec("alice", "Alice Martin", "alice@acme.example", ("Accounting",), source="hr.xlsx:2")
BOB = UserSpec("bob", "Bob Durand", "bob@acme.example", ("Party Administration", "Product Administration"))


def test_the_template_holds_countries_currencies_and_a_private_admin_password(
    tryton: TrytonTarget, tryton_template: Path
):
    assert tryton.count("country.country") >= 249
    assert tryton.count("currency.currency", [("code", "in", ["EUR", "USD", "GBP", "CHF"])]) == 4
    password = tryton_template.with_name("admin.pass")
    assert stat.S_IMODE(password.stat().st_mode) == 0o600


def test_users_are_created_with_their_groups(tryton: TrytonTarget):
    outcomes = tryton.upsert_users([ALICE, BOB])

    assert [(o.ref, o.status, o.source) for o in outcomes] == [
        ("alice", "created", "hr.xlsx:2"),
        ("bob", "created", ""),
    ]
    found = tryton.find_users(["alice", "bob"])
    assert found["alice"]["groups"] == ["Accounting"]
    assert found["bob"]["groups"] == ["Party Administration", "Product Administration"]
    assert outcomes[0].erp_id == found["alice"]["id"]


def test_a_rerun_is_all_unchanged_and_creates_no_duplicate(tryton: TrytonTarget):
    tryton.upsert_users([ALICE, BOB])

    outcomes = tryton.upsert_users([ALICE, BOB])

    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
    assert tryton.count("res.user", [("login", "=", "alice")]) == 1


def test_a_changed_email_and_role_are_recorded_before_and_after(tryton: TrytonTarget):
    tryton.upsert_users([ALICE])
    moved = UserSpec("alice", "Alice Martin", "a.martin@acme.example", ("Party Administration",))

    (outcome,) = tryton.upsert_users([moved])

    assert outcome.status == "updated"
    assert outcome.changes == {
        "email": ["alice@acme.example", "a.martin@acme.example"],
        "groups": [["Accounting"], ["Party Administration"]],
    }
    assert tryton.find_users(["alice"])["alice"]["groups"] == ["Party Administration"]


def test_an_unknown_group_rejects_that_user_while_the_others_load(tryton: TrytonTarget):
    carol = UserSpec("carol", "Carol", "carol@acme.example", ("Accounting", "Wizards"))

    outcomes = tryton.upsert_users([ALICE, carol, BOB])

    assert [o.status for o in outcomes] == ["created", "rejected", "created"]
    assert "unknown group 'Wizards'" in outcomes[1].reason
    assert tryton.count("res.user", [("login", "=", "carol")]) == 0


def _creates(tryton: TrytonTarget, monkeypatch: pytest.MonkeyPatch, model: str) -> list[int]:
    """The rows of each create call on ``model`` the target makes from now on."""
    rows: list[int] = []
    call = tryton._call

    def counted(name: str, method: str, *args, **context):
        if (name, method) == (model, "create"):
            rows.append(len(args[0]))
        return call(name, method, *args, **context)

    monkeypatch.setattr(tryton, "_call", counted)
    return rows


def test_a_batch_of_500_users_loads_in_calls_of_100_rows(tryton: TrytonTarget, monkeypatch: pytest.MonkeyPatch):
    users = [UserSpec(f"user{i:03d}", f"User {i}", f"user{i}@acme.example", ("Accounting",)) for i in range(500)]
    creates = _creates(tryton, monkeypatch, "res.user")

    outcomes = tryton.upsert_users(users)

    assert {o.status for o in outcomes} == {"created"}
    assert tryton.count("res.user", [("login", "like", "user%")]) == 500
    assert creates == [CALL_ROWS] * 5 and CALL_ROWS == 100
    assert [o.ref for o in outcomes] == [u.login for u in users]
    assert len({o.erp_id for o in outcomes}) == 500


def test_parties_are_loaded_with_address_vat_and_category(tryton: TrytonTarget):
    acme = PartySpec(
        "C001",
        "Acme SARL",
        "Customers",
        "compta@acme.example",
        "+33 4 72 00 00 00",
        "FR 40 303265045",
        Address("1 rue de la République", "69001", "Lyon", "fr"),
        source="customers.csv:2",
    )
    plain = PartySpec("C002", "Globex", "Customers")

    outcomes = tryton.upsert_parties([acme, plain])

    assert [o.status for o in outcomes] == ["created", "created"]
    party = tryton.find_parties(["C001"])["C001"]
    assert party == {
        "id": outcomes[0].erp_id,
        "name": "Acme SARL",
        "categories": ["Customers"],
        "email": "compta@acme.example",
        "phone": "+33 4 72 00 00 00",
        "vat": "FR40303265045",
        "street": "1 rue de la République",
        "postal_code": "69001",
        "city": "Lyon",
        "country": "FR",
    }
    assert tryton.count("party.category", [("name", "=", "Customers")]) == 1
    assert [o.status for o in tryton.upsert_parties([acme, plain])] == ["unchanged", "unchanged"]


def test_a_bad_vat_is_rejected_with_trytons_reason_and_the_others_load(tryton: TrytonTarget):
    parties = [PartySpec(f"C{i}", f"Customer {i}", vat="FR40303265045" if i % 2 else "") for i in range(6)]
    parties[3] = PartySpec("C3", "Customer 3", vat="FR123")

    outcomes = tryton.upsert_parties(parties)

    assert [o.status for o in outcomes] == ["created"] * 3 + ["rejected"] + ["created"] * 2
    assert outcomes[3].reason == 'The European VAT Number "FR123" for party "Customer 3" is not valid.'
    assert tryton.count("party.party", [("code", "like", "C%")]) == 5


def test_a_refusal_stays_with_its_row_when_the_rows_go_in_several_calls(
    tryton: TrytonTarget, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(tryton_writes, "CALL_ROWS", 2)
    parties = [PartySpec(f"C{i}", f"Customer {i}", vat="FR40303265045" if i % 2 else "") for i in range(6)]
    parties[3] = PartySpec("C3", "Customer 3", vat="FR123")
    creates = _creates(tryton, monkeypatch, "party.party")

    outcomes = tryton.upsert_parties(parties)

    assert [o.status for o in outcomes] == ["created"] * 3 + ["rejected"] + ["created"] * 2
    assert outcomes[3].reason == 'The European VAT Number "FR123" for party "Customer 3" is not valid.'
    assert creates == [2, 2, 1, 1, 2]  # the refused call halved down to its row
    assert {p["name"] for p in tryton.find_parties([f"C{i}" for i in range(6)]).values()} == {
        f"Customer {i}" for i in (0, 1, 2, 4, 5)
    }


def test_an_unknown_country_is_rejected(tryton: TrytonTarget):
    (outcome,) = tryton.upsert_parties([PartySpec("C9", "Nowhere Ltd", address=Address(city="X", country="ZZ"))])

    assert (outcome.status, outcome.reason) == ("rejected", "unknown country code 'ZZ'")


def test_products_wait_for_a_company_then_load_with_prices_and_unit(tryton: TrytonTarget):
    widget = ProductSpec("P-001", "Widget", "goods", Decimal("12.50"), Decimal("7.10"), "u")
    support = ProductSpec("S-001", "Support hour", "service", Decimal("80"), Decimal("0"), "h")

    assert "no company" in tryton.upsert_products([widget])[0].reason
    tryton.apply_config([COMPANY])
    outcomes = tryton.upsert_products([widget, support, ProductSpec("P-002", "Oddity", uom="furlong")])

    assert [o.status for o in outcomes] == ["created", "created", "rejected"]
    found = tryton.find_products(["P-001"])["P-001"]
    assert (found["id"], found["kind"], found["list_price"], found["cost_price"], found["uom"]) == (
        outcomes[0].erp_id,
        "goods",
        Decimal("12.50"),
        Decimal("7.10"),
        "u",
    )
    (changed,) = tryton.upsert_products([ProductSpec("P-001", "Widget", "goods", Decimal("12.5"), Decimal("8"), "u")])
    assert (changed.status, changed.changes) == ("updated", {"cost_price": ["7.10", "8"]})


def test_company_chart_and_fiscal_year_are_created_then_unchanged(tryton: TrytonTarget):
    first = tryton.apply_config([COMPANY, CHART, FY_2027])

    assert [o.status for o in first] == ["created", "created", "created"]
    assert first[0].changes["party_name"] == [None, "Acme"]
    assert tryton.count("account.account") > 50
    assert tryton.count("account.period", [("fiscalyear", "=", first[2].erp_id)]) == 12
    assert [o.status for o in tryton.apply_config([COMPANY, CHART, FY_2027])] == ["unchanged"] * 3


def test_config_refusals_are_item_level(tryton: TrytonTarget):
    tryton.apply_config([COMPANY, FY_2027])

    outcomes = tryton.apply_config(
        [
            ConfigItem("company", "company", {"party_name": "Acme Group", "currency": "USD"}),
            ConfigItem("company", "company", {"party_name": "Acme Group", "currency": "EUR"}),
            ConfigItem(
                "fiscal_year:2027",
                "fiscal_year",
                {"name": "2027", "start_date": "2027-04-01", "end_date": "2028-03-31", "period": "quarter"},
            ),
        ]
    )

    assert [o.status for o in outcomes] == ["rejected", "updated", "rejected"]
    assert outcomes[0].reason == "the currency of an existing company cannot change (EUR -> USD)"
    assert outcomes[1].changes == {"party_name": ["Acme", "Acme Group"]}
    assert "exists from 2027-01-01 to 2027-12-31" in outcomes[2].reason


def test_a_setting_change_is_recorded_before_and_after(tryton: TrytonTarget):
    item = ConfigItem(
        "setting:party.configuration.identifier_types",
        "setting",
        {"model": "party.configuration", "field": "identifier_types", "value": ["eu_vat"]},
    )

    (outcome,) = tryton.apply_config([item])

    assert (outcome.status, outcome.changes) == ("updated", {"identifier_types": [None, ["eu_vat"]]})
    assert tryton.apply_config([item])[0].status == "unchanged"


def test_a_missing_database_is_unavailable(tryton_home: Path, tryton_template: Path):
    database = ensure_database(tryton_home, "present", template=tryton_template)
    missing = TrytonTarget(TrytonDatabase(database.config_file, "absent", tryton_home / "absent.sqlite"))

    with pytest.raises(TargetUnavailable, match="does not exist"):
        missing.upsert_users([ALICE])


def test_calls_from_several_threads_are_serialised_and_all_land(tryton: TrytonTarget):
    results: list[list] = []
    batches = [[UserSpec(f"t{k}u{i}", "T", "") for i in range(50)] for k in range(4)]
    threads = [threading.Thread(target=lambda b=b: results.append(tryton.upsert_users(b))) for b in batches]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(len(r) for r in results) == [50] * 4
    assert tryton.count("res.user", [("login", "like", "t%u%")]) == 200


def test_a_refused_login_is_final_and_an_unreachable_server_unavailable(tryton_server, closed_port: int):
    wrong = TrytonTarget(RemoteTryton(tryton_server.url, tryton_server.database, "admin", SecretStr("n0t-it")))
    with pytest.raises(TargetError, match="refused the login of 'admin'") as refused:
        wrong.upsert_users([ALICE])
    assert not isinstance(refused.value, TargetUnavailable)  # not retried: the same password would fail again
    assert "n0t-it" not in str(refused.value) and "n0t-it" not in repr(wrong.database)

    gone = TrytonTarget(RemoteTryton(f"http://127.0.0.1:{closed_port}/", "acme", "admin", SecretStr("x")))
    with pytest.raises(TargetUnavailable, match=f"cannot reach Tryton at http://127.0.0.1:{closed_port}/"):
        gone.upsert_users([ALICE])


def test_an_expired_session_fails_one_call_as_unavailable_and_the_next_logs_in_again(tryton_server):
    target = TrytonTarget(
        RemoteTryton(tryton_server.url, tryton_server.database, "admin", SecretStr(tryton_server.password))
    )
    users = target.count("res.user")
    target._config.server.common.db.logout()  # what trytond does to a session idle for longer than its timeout
    with pytest.raises(TargetUnavailable):
        target.count("res.user")
    assert target.count("res.user") == users


def test_holders_answers_the_accounts_under_each_login_prefix_and_whether_erpflow_manages_them(
    tryton: TrytonTarget, tryton_template: Path
):
    from erpflow.model.accounts import mark
    from erpflow.targets.tryton_file import TrytonFile

    tryton.upsert_users([UserSpec("jdupont2", "Jean Dupont", "jean@acme.example", ("Accounting",))])
    with tryton._session():
        tryton._call("res.user", "create", [{"login": "jdupont", "name": "Jacques Dupont"}])
    found = tryton.holders(["jdupont", "zz"])
    assert {k: (h.name, h.managed) for k, h in found.items()} == {
        "jdupont": ("Jacques Dupont", False),
        "jdupont2": ("Jean Dupont", True),
    }
    if isinstance(tryton.database, TrytonDatabase):  # the embedded database's file reads the same
        assert TrytonFile(tryton.database.path).holders(["jdupont"], mark("default")) == found
    assert TrytonFile(tryton_template).holders(["jdupont"], mark("default")) == {}
