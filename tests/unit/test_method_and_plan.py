"""Loading the method and plans: good files load, bad ones name file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from erpflow.inputs.method import load_method
from erpflow.inputs.plan import load_plan
from erpflow.inputs.sources import read_table
from erpflow.model.errors import InputError

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_method_loads_in_cycle_order():
    method = load_method(REPO / "domain")
    assert method.cycle.order == ["accounts", "configuration", "migration", "training", "steps"]
    assert method.roles.roles["controller"].key_user
    assert method.cycle.operations[0].raci.accountable == "Project manager"
    assert "pilot-exit" in method.gates.gates


@pytest.fixture
def method_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "domain", tmp_path / "domain"))


def test_a_dependency_listed_after_its_dependent_is_refused_with_its_line(method_copy: Path):
    cycle = method_copy / "cycle.yaml"
    cycle.write_text(cycle.read_text().replace("depends_on: [accounts]", "depends_on: [nothing]"))
    with pytest.raises(
        InputError,
        match=r"cycle.yaml:\d+: operation 'training' "
        r"depends on nothing, which must come before it",
    ):
        load_method(method_copy)


def test_an_unknown_gate_metric_names_the_line_and_field(method_copy: Path):
    gates = method_copy / "gates.yaml"
    text = gates.read_text().replace("metric: training_completion", "metric: happiness")
    gates.write_text(text)
    line = text.splitlines().index("        metric: happiness") + 1
    with pytest.raises(InputError) as caught:
        load_method(method_copy)
    assert caught.value.line == line
    assert caught.value.field == "gates.pilot-exit.criteria.1.metric"


def test_a_role_without_groups_is_refused(method_copy: Path):
    roles = method_copy / "roles.yaml"
    roles.write_text(roles.read_text().replace("groups: [Accounting]\n", "groups: []\n", 1))
    with pytest.raises(InputError, match=r"roles.yaml:\d+: roles.accountant.groups: List should have at least 1"):
        load_method(method_copy)


def test_the_demo_plan_loads_with_paths_resolved_beside_it():
    plan, _ = load_plan(REPO / "deployments/plans/pilot.yaml")
    assert plan.wave == "pilot" and plan.sites == ["Lyon"]
    assert plan.accounts.source == (REPO / "deployments/demo/hr_export.csv").resolve()


def plan_in_project(tmp_path: Path) -> Path:
    """Where a plan goes in a copy of the project (its method and demo data), so its paths stay inside it."""
    shutil.copytree(REPO / "domain", tmp_path / "domain")
    shutil.copytree(REPO / "deployments" / "demo", tmp_path / "demo")
    (tmp_path / "plans").mkdir()
    return tmp_path / "plans" / "plan.yaml"


def test_a_misspelt_key_in_a_plan_names_its_line(tmp_path: Path):
    text = (
        (REPO / "deployments/plans/pilot.yaml")
        .read_text()
        .replace("  batch_size: 200\nconfiguration", "  batchsize: 200\nconfiguration")
    )
    path = plan_in_project(tmp_path)
    path.write_text(text)
    line = text.splitlines().index("  batchsize: 200") + 1
    with pytest.raises(InputError, match=rf"plan.yaml:{line}: accounts.batchsize: Extra inputs are not permitted"):
        load_plan(path)


def test_invalid_yaml_is_refused_with_its_line(tmp_path: Path):
    path = tmp_path / "plan.yaml"
    path.write_text("wave: pilot\nkind: [pilot\n")
    with pytest.raises(InputError, match=r"plan.yaml:3: not valid YAML"):
        load_plan(path)


def test_a_plan_with_both_smtp_and_outbox_is_refused(tmp_path: Path):
    text = (
        (REPO / "deployments/plans/pilot.yaml")
        .read_text()
        .replace(
            "    sender: formation@acme.example",
            "    sender: formation@acme.example\n    outbox: out\n    smtp: {host: localhost}",
        )
    )
    path = plan_in_project(tmp_path)
    path.write_text(text)
    with pytest.raises(InputError, match=r"training\.mail: give one of outbox"):
        load_plan(path)


def test_a_csv_with_a_semicolon_and_a_bom_reads_with_line_numbers(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_bytes('\ufeffNom;Prénom\nÉtienne;Zoé\n\n"Multi\nline";X\nshort\n'.encode())
    table = read_table(path, required=["Nom", "Prénom"])
    assert table.columns == ("Nom", "Prénom")
    assert [(r.line, r.values["Nom"]) for r in table.rows] == [(2, "Étienne"), (4, "Multi\nline"), (6, "short")]
    assert table.rows[2].problem == "1 fields where the header has 2"


def test_a_windows_1252_csv_is_decoded(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_bytes("Nom,Ville\nLefèvre,Orléans\n".encode("cp1252"))
    assert read_table(path).rows[0].values == {"Nom": "Lefèvre", "Ville": "Orléans"}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file: no header row"),
        (b"\x00\x01\x02\xff\xfe", "not a text file"),
    ],
)
def test_an_unreadable_source_is_refused(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_a_missing_column_names_the_columns_found(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"x.csv:1: column 'Login' not found; columns are: a, b"):
        read_table(path, required=["Login"])


def test_a_corrupt_workbook_is_refused(tmp_path: Path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="not a readable XLSX workbook"):
        read_table(path)


def test_anomaly_severity_is_the_first_matching_rule_or_the_default():
    rules = load_method(REPO / "domain").anomalies
    assert rules.severity("accounts", "rejected", "duplicate login 'x' (first at line 4)") == "major"
    assert rules.severity("migration", "rejected", "VAT: invalid EU VAT number") == "major"
    assert rules.severity("migration", "rejected", "PRIX_VENTE: Input should be a valid decimal") == "minor"
    assert rules.severity("training", "failed", "SMTP server refused") == "blocking"
    assert rules.severity("payroll", "rejected", "anything") == "minor"


def test_a_bad_anomaly_rule_names_file_line_and_field(tmp_path: Path):
    method_copy = tmp_path / "domain"
    shutil.copytree(REPO / "domain", method_copy)
    rules = method_copy / "anomalies.yaml"
    rules.write_text(rules.read_text().replace('match: "duplicate login"', 'match: "(unclosed"'))
    with pytest.raises(InputError, match=r"anomalies.yaml:\d+: rules.2.match: not a regular expression"):
        load_method(method_copy)


def test_a_wave_handed_over_is_prepared_again_when_a_source_changed(tmp_path: Path):
    from erpflow.application.preparation import hand_over, prepare

    path = plan_in_project(tmp_path)
    path.write_text((REPO / "deployments/plans/pilot.yaml").read_text())
    first = prepare(path)
    hand_over(first)
    assert prepare(path) is first  # unchanged inputs: the prepared wave is taken as it is
    assert prepare(path) is not first  # handed over once, taken once
    hand_over(first)
    hr = tmp_path / "demo" / "hr_export.csv"
    hr.write_bytes(hr.read_bytes().replace(b"Comptable", b"Acheteur", 1))
    again = prepare(path)
    assert again is not first and again.digest != first.digest
