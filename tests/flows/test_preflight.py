"""`plan` checks the method against the target before any write: ERP groups, chart template, currency and
countries exist there; a network target that cannot be reached stops it with one line."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.preflight import Missing, preflight
from erpflow.application.preparation import prepare
from tests.plans import edit_plan

from .conftest import copy_pilot
from .test_cli import assert_user_error, invoke

TRYTON = {
    "res.group": {"Accounting", "Accounting Administration", "Purchase", "Sales", "Stock", "Stock Administration"},
    "account.account.template": {"Universal Chart of Accounts", "Plan comptable (French)"},
    "currency.currency": {"EUR", "USD"},
    "country.country": {"FR", "BE", "DE"},
}


class FakeTryton:
    def __init__(self, known: dict[str, set[str]]):
        self.known = known

    def names(self, model: str, field: str, domain=()) -> set[str]:
        return self.known[model]


def prepared(tmp_path: Path):
    return prepare(copy_pilot(tmp_path), None)


def test_a_method_whose_groups_chart_currency_and_countries_exist_passes(tmp_path: Path):
    wave = prepared(tmp_path)
    groups = {g for role in wave.method.roles.roles.values() for g in role.groups}
    preflight(wave, FakeTryton({**TRYTON, "res.group": groups}))


@pytest.mark.parametrize(
    ("model", "kept", "message"),
    [
        ("res.group", {"Accounting"}, "ERP group 'Accounting Administration' of role"),
        ("account.account.template", {"Plan comptable"}, "chart template"),
        ("currency.currency", {"USD"}, "currency 'EUR' does not exist in Tryton"),
        ("country.country", {"FR"}, "country 'BE' does not exist in Tryton"),
    ],
)
def test_what_the_target_lacks_is_named(tmp_path: Path, model: str, kept: set[str], message: str):
    wave = prepared(tmp_path)
    groups = {g for role in wave.method.roles.roles.values() for g in role.groups}
    known = {**TRYTON, "res.group": groups, model: kept}
    with pytest.raises(Missing, match=message):
        preflight(wave, FakeTryton(known))


def test_an_unknown_group_on_a_near_miss_says_did_you_mean(tmp_path: Path):
    wave = prepared(tmp_path)
    groups = {g for role in wave.method.roles.roles.values() for g in role.groups} - {"Accounting"} | {"Acounting"}
    with pytest.raises(Missing, match="did you mean 'Acounting'"):
        preflight(wave, FakeTryton({**TRYTON, "res.group": groups}))


def test_plan_stops_with_one_line_when_the_tryton_server_cannot_be_reached(tmp_path: Path, closed_port: int):
    plan = edit_plan(copy_pilot(tmp_path), {"target.url": f"http://127.0.0.1:{closed_port}/"})
    assert_user_error(invoke("plan", str(plan), home=tmp_path / "home"), "cannot reach the target, nothing checked")


def test_plan_stops_with_one_line_when_the_scim_server_cannot_be_reached(tmp_path: Path, closed_port: int):
    plan = edit_plan(copy_pilot(tmp_path), {"accounts.scim": {"url": f"http://127.0.0.1:{closed_port}/scim/v2/"}})
    assert_user_error(invoke("plan", str(plan), home=tmp_path / "home"), "cannot reach the SCIM server")


def misspelt_group(folder: Path) -> Path:
    """The demo pilot copied into ``folder``, its accountants given the ERP group 'Acounting', which Tryton lacks."""
    plan = copy_pilot(folder)
    roles = folder / "domain" / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("[Accounting]", "[Acounting]", 1), encoding="utf-8")
    return plan


@pytest.mark.tryton
def test_an_unknown_erp_group_stops_plan_before_the_embedded_database_exists(tryton_template: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from erpflow.cli import app

    plan = misspelt_group(tmp_path)
    env = {"ERPFLOW_HOME": str(tmp_path / "home"), "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template)}
    result = CliRunner().invoke(app, ["plan", str(plan)], env=env)
    assert_user_error(result, "ERP group 'Acounting' of role 'accountant' does not exist in Tryton")
    assert not list((tmp_path / "home").rglob("*.sqlite"))  # plan created no database


@pytest.mark.tryton
def test_run_checks_the_method_against_the_target_before_any_write(tryton_template: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from erpflow.cli import app

    plan = misspelt_group(tmp_path)
    env = {"ERPFLOW_HOME": str(tmp_path / "home"), "ERPFLOW_TRYTON_TEMPLATE": str(tryton_template)}
    result = CliRunner().invoke(app, ["run", str(plan)], env=env)
    assert_user_error(result, "ERP group 'Acounting' of role 'accountant' does not exist in Tryton")
    assert not list((tmp_path / "home" / "tryton").rglob("*.sqlite"))  # no Tryton database made
    assert "no wave named 'pilot'" in CliRunner().invoke(app, ["status", "pilot"], env=env).output


def test_run_stops_with_one_line_when_the_tryton_server_cannot_be_reached(tmp_path: Path, closed_port: int):
    plan = edit_plan(copy_pilot(tmp_path), {"target.url": f"http://127.0.0.1:{closed_port}/"})
    assert_user_error(invoke("run", str(plan), home=tmp_path / "home"), "cannot reach the target, nothing checked")


@pytest.mark.tryton
@pytest.mark.prefect
def test_a_deployment_run_checks_the_method_against_the_target_before_any_write(prefect_api, wave_env, tmp_path: Path):
    plan = misspelt_group(tmp_path)
    # as a worker runs it: Prefect's runtime reads the deployment's id from this variable
    run = wave_env(plan, tmp_path / "home", PREFECT__RUNTIME__DEPLOYMENT__ID=str(uuid.uuid4()))
    assert run.state.is_failed()
    assert "ERP group 'Acounting' of role 'accountant' does not exist in Tryton" in str(run.state.message)
    assert not list((tmp_path / "home" / "tryton").rglob("*.sqlite"))  # no Tryton database made
    assert Ledger(run.settings).find_wave("pilot") is None  # nothing recorded
