"""Operations are plug-ins: the registry finds them, and the cycle may name only those it knows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from erpflow.application.preparation import prepare
from erpflow.inputs.method import load_method
from erpflow.model.errors import InputError
from erpflow.operations import registry
from erpflow.settings import Settings
from erpflow.targets.bundle import Targets

REPO = Path(__file__).resolve().parents[2]


def test_every_operation_of_the_shipped_cycle_is_registered():
    assert set(load_method(REPO / "domain").cycle.order) <= registry.ids()
    assert {"accounts", "configuration", "migration", "training"} <= registry.ids()


def test_an_unknown_operation_in_the_cycle_is_an_input_error_naming_file_and_line(tmp_path: Path):
    shutil.copytree(REPO / "deployments", tmp_path / "deployments")
    domain = Path(shutil.copytree(REPO / "domain", tmp_path / "domain"))
    cycle = domain / "cycle.yaml"
    text = cycle.read_text().replace("- id: training", "- id: trainnig")
    cycle.write_text(text)
    line = text.splitlines().index("  - id: trainnig") + 1
    with pytest.raises(InputError) as caught:
        prepare(tmp_path / "deployments/plans/pilot.yaml")
    assert str(caught.value).startswith(f"{cycle}:{line}: ") and "unknown operation 'trainnig'" in str(caught.value)
    assert caught.value.field == "operations.3.id"


def test_no_code_outside_the_registry_branches_on_an_operation_name():
    found = subprocess.run(
        [
            "grep",
            "-rnE",
            r"operation ==|operation in \(",
            "src/erpflow/application",
            "src/erpflow/operations",
            "src/erpflow/targets",
            "src/erpflow/cli/waves.py",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    assert found == ""


def test_migration_after_its_batches_reconciles_each_dataset_from_what_the_ledger_holds():
    prepared = prepare(REPO / "deployments/plans/pilot.yaml")
    batches = prepared.batches["migration"]
    done = {
        b.key: SimpleNamespace(done=True, counts={"created": len(b.items), "rejected": len(b.rejected)})
        for b in batches[:2]
    }  # products not done yet
    reconciled = []
    wave = SimpleNamespace(reconcile=lambda *args: reconciled.append(args), rows_left_out={})
    registry.get("migration").after(wave, batches, prepared.rows, done.get, {"wave": "pilot"})
    assert reconciled == [
        ("customers", 120, 115, 5, {"wave": "pilot"}),
        ("suppliers", 40, 39, 1, {"wave": "pilot"}),
        ("products", 60, 0, 0, {"wave": "pilot"}),
    ]
    embedded = targets(url=None, scim=None)
    assert registry.get("training").concurrency(4, embedded) == 4
    assert registry.get("accounts").concurrency(4, embedded) == 1


def targets(url: str | None, scim: str | None, limit: int = 4) -> Targets:
    plan = SimpleNamespace(target=SimpleNamespace(url=url), accounts=SimpleNamespace(scim=scim))
    return Targets(plan, Settings(home=Path("unused"), target_concurrency=limit))  # type: ignore[arg-type]


def test_accounts_batches_run_several_at_once_against_a_server_bounded_by_the_setting_one_on_the_embedded_erp():
    accounts, configuration = registry.get("accounts"), registry.get("configuration")
    assert accounts.concurrency(4, targets(url=None, scim=None)) == 1
    assert accounts.concurrency(4, targets(url="http://tryton.acme.example:8000/", scim=None)) == 4
    assert accounts.concurrency(4, targets(url=None, scim="https://idp.acme.example/scim/v2/", limit=3)) == 3
    assert accounts.concurrency(2, targets(url="http://tryton.acme.example:8000/", scim=None, limit=8)) == 2
    assert configuration.concurrency(4, targets(url="http://tryton.acme.example:8000/", scim=None)) == 1
