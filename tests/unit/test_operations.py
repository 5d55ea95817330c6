"""Operations turn validated rows into batches; bad rows become rejections with their reason."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from erpflow.inputs.method import load_method
from erpflow.inputs.plan import Dataset, MigrationPlan, load_plan
from erpflow.inputs.sources import read_table
from erpflow.model.items import ItemOutcome, PartySpec, ProductSpec, UserSpec
from erpflow.operations import accounts, configuration, migration, training

REPO = Path(__file__).resolve().parents[2]
HR_HEADER = "Matricule;Nom;Prénom;Identifiant;E-mail;Site;Fonction;Date d'entrée\n"


@pytest.fixture
def plan():
    return load_plan(REPO / "deployments/plans/pilot.yaml")[0]


@pytest.fixture
def method():
    return load_method(REPO / "domain")


def hr_table(tmp_path: Path, rows: list[str]):
    path = tmp_path / "hr.csv"
    path.write_text(HR_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8-sig")
    return read_table(path)


def test_valid_people_of_the_wave_sites_become_users_with_their_role_groups(tmp_path, plan, method):
    table = hr_table(
        tmp_path,
        [
            "1;Durand;Émile;EDurand;emile.durand@acme.example;Lyon;Contrôleur de gestion;01/02/2020",
            "2;Petit;Léa;lpetit;lea.petit@acme.example;Nantes;Comptable;01/02/2020",
        ],
    )
    [batch] = accounts.prepare(plan, method, accounts.people(plan, table))
    assert batch.items == (
        UserSpec(
            "edurand",
            "Émile Durand",
            "emile.durand@acme.example",
            ("Accounting", "Accounting Administration"),
            "hr.csv:2",
        ),
    )
    assert batch.rejected == () and batch.key.startswith("lyon-1-")


def test_bad_rows_are_rejected_with_line_and_reason_and_the_others_go_on(tmp_path, plan, method):
    table = hr_table(
        tmp_path,
        [
            "1;Durand;Émile;edurand;emile.durand@acme.example;Lyon;Comptable;01/02/2020",
            "2;Martin;Jean;;jean.martin@acme.example;Lyon;Comptable;01/02/2020",
            "3;Martin;Jean;jmartin;jean.martin@;Lyon;Comptable;01/02/2020",
            "4;Durand;Eric;edurand;eric.durand@acme.example;Lyon;Comptable;01/02/2020",
            "5;Roux;Paul;proux;paul.roux@acme.example;Lyon;Astronaute;01/02/2020",
            "6;Blanc;Anne;ablanc;anne.blanc@acme.example;Lyon;Magasinier;01/02/2020",
        ],
    )
    [batch] = accounts.prepare(plan, method, accounts.people(plan, table))
    assert [u.login for u in batch.items] == ["edurand", "ablanc"]
    reasons = {o.source: o.reason for o in batch.rejected}
    assert reasons["hr.csv:3"] == "Identifiant: missing login"
    assert reasons["hr.csv:4"].startswith("E-mail: value is not a valid email address")
    assert reasons["hr.csv:5"] == "duplicate login 'edurand' (first at line 2)"
    assert reasons["hr.csv:6"] == "Fonction: unknown role 'Astronaute'"
    assert all(o.status == "rejected" for o in batch.rejected)


def test_batches_never_exceed_the_batch_size_and_keys_follow_content(tmp_path, plan, method):
    rows = [f"{i};N{i};P{i};user{i};user{i}@acme.example;Lyon;Comptable;01/01/2020" for i in range(450)]
    small = plan.model_copy(update={"accounts": plan.accounts.model_copy(update={"batch_size": 200})})
    batches = accounts.prepare(small, method, accounts.people(small, hr_table(tmp_path, rows)))
    assert [b.size for b in batches] == [200, 200, 50]
    changed = accounts.prepare(
        small, method, accounts.people(small, hr_table(tmp_path, [*rows[:-1], rows[-1].replace("N449", "X")]))
    )
    assert [b.key for b in changed][:2] == [b.key for b in batches][:2]
    assert changed[2].key != batches[2].key


def dataset(**overrides) -> Dataset:
    fields = dict(
        name="customers",
        source=Path("c.csv"),
        into="party",
        key="ID",
        category="Customer",
        columns={"name": "NAME", "country": "COUNTRY", "vat": "VAT", "email": "EMAIL"},
        values={"country": {"France": "FR"}},
    )
    return Dataset(**{**fields, **overrides})


def test_legacy_parties_are_mapped_validated_and_rejected_with_reasons(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "ID,NAME,COUNTRY,VAT,EMAIL\n"
        "C1,Alpha,France,FR40303265045,a@alpha.example\n"
        "C2,,FR,,\n"
        "C3,Gamma,Atlantis,,\n"
        "C4,Delta,FR,FR00123456789,\n"
        "C1,Alpha bis,FR,,\n"
        "C5,Epsilon,be,,not-an-email\n"
    )
    entries = migration.entries(dataset(), read_table(path))
    assert entries[0] == PartySpec(
        "C1",
        "Alpha",
        "Customer",
        "a@alpha.example",
        "",
        "FR40303265045",
        migration.Address("", "", "", "FR"),
        "c.csv:2",
    )
    rejected = {e.ref: e.reason for e in entries if isinstance(e, ItemOutcome)}
    assert rejected["C2"] == "NAME: Field required"
    assert rejected["C3"].startswith("COUNTRY: unknown country 'Atlantis'")
    assert rejected["C4"] == "VAT: invalid EU VAT number 'FR00123456789'"
    assert rejected["C1"] == "duplicate legacy id 'C1' (first at line 2)"
    assert rejected["C5"].startswith("EMAIL: value is not a valid email address")
    assert len(entries) == 6


def test_products_read_decimal_commas_and_value_maps(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("REF;LIBELLE;TYPE;PRIX\nP1;Vis;MARCH;1.234,50\nP2;Audit;SERV;abc\n")
    ds = Dataset(
        name="products",
        source=path,
        into="product",
        key="REF",
        columns={"name": "LIBELLE", "kind": "TYPE", "list_price": "PRIX"},
        values={"kind": {"MARCH": "goods", "SERV": "service"}},
        decimal_separator=",",
    )
    [good, bad] = migration.entries(ds, read_table(path))
    assert good == ProductSpec("P1", "Vis", "goods", Decimal("1234.50"), Decimal(0), "u", "p.csv:2")
    assert bad.status == "rejected" and bad.reason.startswith("PRIX: Input should be a valid decimal")


def test_migration_batches_cover_every_row_once(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("ID,NAME,COUNTRY,VAT,EMAIL\n" + "".join(f"C{i},N{i},FR,,\n" for i in range(7)) + ",x,,,\n")
    plan = MigrationPlan(batch_size=3, datasets=[dataset(source=path)])
    batches = migration.prepare(plan, {"customers": read_table(path)})
    assert [b.size for b in batches] == [3, 3, 2]
    refs = [i.code for b in batches for i in b.items] + [o.ref for b in batches for o in b.rejected]
    assert sorted(refs) == sorted([f"C{i}" for i in range(7)] + ["line 9"])


def test_configuration_items_come_in_dependency_order():
    state = configuration.load_desired(REPO / "deployments/demo/configuration.yaml")
    [batch] = configuration.prepare(state)
    assert [i.kind for i in batch.items] == ["company", "chart", "fiscal_year", "setting"]
    assert batch.items[2].desired == {
        "name": "2027",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "period": "month",
    }


def test_derived_logins_ask_the_target_once_per_batch_and_pass_over_accounts_others_hold(tmp_path, plan, method):
    from erpflow.inputs.mapping import FromTemplate
    from erpflow.model.accounts import Holder

    columns = plan.accounts.columns.model_copy(
        update={"login": FromTemplate(template="{{ first_name[:1] | fold }}{{ last_name | fold }}", unique=True)}
    )
    small = plan.model_copy(
        update={"accounts": plan.accounts.model_copy(update={"columns": columns, "batch_size": 2}), "sites": ["Lyon"]}
    )
    held = {
        "jdupont": Holder("jdupont", "Jacques Dupont", "jacques@acme.example", managed=False),  # IT's, by hand
        "jdupont2": Holder("jdupont2", "Jean Dupont", "jean.dupont@acme.example", managed=True),  # this Jean's
        "lpetit": Holder("lpetit", "Léa Petit", "autre.lea@acme.example", managed=True),  # another Léa's
    }
    asked: list[list[str]] = []

    def find(prefixes):
        asked.append(list(prefixes))
        return {login: h for login, h in held.items() if any(login.startswith(p) for p in prefixes)}

    rows = [
        "1;Dupont;Jean;x;jean.dupont@acme.example;Lyon;Comptable;01/02/2020",
        "2;Dupont;Julie;x;julie.dupont@acme.example;Lyon;Comptable;01/02/2020",
        "3;Petit;Léa;x;lea.petit@acme.example;Lyon;Comptable;01/02/2020",
        "4;Martin;Paul;x;paul.martin@acme.example;Lyon;Comptable;01/02/2020",
        "5;Dupont;Jean;x;jean.dupont.bis@acme.example;Lyon;Comptable;01/02/2020",
    ]
    found = accounts.people(small, hr_table(tmp_path, rows), find=find)
    assert [p.login for _, p in found] == ["jdupont2", "jdupont3", "lpetit2", "pmartin", "jdupont4"]
    assert asked == [["jdupont"], ["lpetit", "pmartin"]]  # one question per batch of 2 rows, none for a known prefix


def test_the_demo_pilots_batch_keys_stay_those_recorded_by_earlier_versions():
    """A rerun after an upgrade must find its batches done: their keys (digests of the items) never change."""
    from erpflow.application.preparation import prepare

    prepared = prepare(REPO / "deployments/plans/pilot.yaml")
    keys = {op: [b.key for b in batches] for op, batches in prepared.batches.items()}
    assert keys["accounts"] == ["lyon-1-16c9e791"] and keys["configuration"] == ["settings-65c6eb5b"]
    assert keys["migration"][:2] == ["customers-1-f1176751", "suppliers-1-05401287"]
    assert keys["steps"][:2] == ["freeze-legacy-7964f7f8", "opening-balances-6909f969"]
    assert keys["training"][:2] == ["lyon-admin-manager-1-ba873faf", "lyon-controller-1-e74a9b9b"]


def test_what_a_prepared_wave_holds_for_each_person_has_no_instance_dict(tmp_path, plan, method):
    """A wave of 100,000 people holds a row, a person, an account and an invitation each while it is prepared: as
    slotted values, without a dict per instance (a pydantic model per person weighed about 1 KB)."""
    table = hr_table(tmp_path, ["1;Durand;Émile;EDurand;emile.durand@acme.example;Lyon;Comptable;01/02/2020"])
    entries = accounts.people(plan, table)
    [(_, person)] = entries
    [batch] = accounts.prepare(plan, method, entries)
    [invitation] = training.prepare(plan, method, entries)[0].items
    held = [table.rows[0], person, batch.items[0], invitation, invitation.trainee, invitation.session]
    assert [type(value).__name__ for value in held] == ["Row", "Person", "UserSpec", "Invitation", "Trainee", "Session"]
    assert [value for value in held if hasattr(value, "__dict__")] == []


def test_the_hr_export_is_read_a_batch_of_rows_at_a_time_and_never_kept_whole(tmp_path, plan, method):
    rows = [
        f"{n};Nom{n};Prénom{n};u{n};u{n}@acme.example;{'Lyon' if n % 3 else 'Nantes'};Comptable;01/02/2020"
        for n in range(7)
    ]
    streamed, kept = hr_table(tmp_path, rows), hr_table(tmp_path, rows)
    sites: Counter[str] = Counter()
    entries = accounts.people(plan, streamed, sites=sites)
    assert "rows" not in vars(streamed)  # no tuple of every row was made
    assert sites == {"Lyon": 4, "Nantes": 3}
    assert entries == accounts.people(plan, kept)
    assert [p.login for _, p in entries] == ["u1", "u2", "u4", "u5"] and len(kept.rows) == 7
