"""The preflight against a real Tryton, embedded and through a trytond server: the demo's method passes, a role
naming a group Tryton lacks is refused naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpflow.application.preflight import Missing, preflight
from erpflow.application.preparation import prepare
from tests.flows.conftest import copy_pilot

pytestmark = pytest.mark.tryton


def test_the_demo_method_passes_and_an_unknown_group_is_named(tryton, tmp_path: Path):
    plan = copy_pilot(tmp_path)
    preflight(prepare(plan, None), tryton)
    roles = tmp_path / "domain" / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("[Accounting]", "[Comptabilité]", 1), encoding="utf-8")
    with pytest.raises(Missing, match="ERP group 'Comptabilité' of role 'accountant' does not exist in Tryton"):
        preflight(prepare(plan, None), tryton)


def test_a_scim_server_is_asked_and_the_groups_it_lacks_are_left_to_the_run(scim_server, tmp_path: Path):
    from pydantic import SecretStr

    from erpflow.targets.scim import ScimTarget
    from tests.plans import edit_plan

    server = scim_server()
    plan = edit_plan(copy_pilot(tmp_path), {"accounts.scim": {"url": server.url}})
    scim = ScimTarget(server.url, SecretStr(server.token))
    assert scim.group_names() == set()
    preflight(prepare(plan, None), None, scim)
