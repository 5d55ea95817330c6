"""Bad input leaves no trace: whatever a plan or a source file holds, the answer is a clear InputError or a
valid result (every bad row rejected with its line), never another exception, and a refused run records nothing."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner

from erpflow.application import engine
from erpflow.application.ledger import Ledger
from erpflow.application.preparation import prepare
from erpflow.cli import app
from erpflow.inputs.plan import load_plan
from erpflow.inputs.sources import read_table
from erpflow.model.errors import InputError
from erpflow.model.items import ItemOutcome
from erpflow.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PILOT = (REPO / "deployments" / "plans" / "pilot.yaml").read_text()
HR_HEADER = "Matricule;Nom;Prénom;Identifiant;E-mail;Site;Fonction;Date d'entrée\n"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
sheet_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)  # what XLSX can hold
lines_of_plan = PILOT.splitlines(keepends=True)
# Any character, control characters and rich markup ("[/]", ":x:") included.
cli_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
markup_text = st.one_of(cli_text, st.sampled_from(["[/]", "[bold]x", ":x:", "<b>x</b>", "a\\", "[link=x]y[/link]"]))
PLAN_FIELDS = (
    "wave: pilot\n",
    "sites: [Lyon]",
    "  database: acme",
    "  source: ../demo/hr_export.csv",
    "    Comptable: accountant",
    "      key: REF",
    "      category: Customer",
    "name: Claire Fontaine,",
    "rooms: [Salle Rhône, Salle Saône]",
    "timezone: Europe/Paris",
    "sender: formation@acme.example",
    "  erp: tryton\n",
)


def workspace(tmp_path: Path, plan_text: str = PILOT) -> Path:
    """The demo plan (or the text given) with a copy of its method and data, to be spoiled; the plan's path."""
    folder = tmp_path / "ws"
    if not folder.exists():
        shutil.copytree(REPO / "domain", folder / "domain")
        shutil.copytree(REPO / "deployments" / "demo", folder / "demo")
        (folder / "plans").mkdir()
    plan = folder / "plans" / "pilot.yaml"
    plan.write_text(plan_text)
    return plan


@st.composite
def spoiled_plans(draw) -> str:
    """The demo plan with lines dropped, duplicated or given another value."""
    lines = list(lines_of_plan)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "twice", "value", "garbage"]))
        if action == "drop":
            del lines[at]
        elif action == "twice":
            lines.insert(at, lines[at])
        elif action == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(['', '-1', '[a, b', 'x' * 3, '{}', '2027-13-45', 'null']))}\n"
        else:
            lines[at] = draw(cells) + "\n"
    return "".join(lines)


@FUZZ
@given(text=spoiled_plans())
def test_a_spoiled_plan_is_a_clear_error_or_a_valid_plan(tmp_path: Path, text: str):
    try:
        prepare(workspace(tmp_path, text), None)
    except InputError as exc:
        assert exc.file and str(exc).startswith(exc.file) and "\n" not in str(exc)


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_plan_are_a_clear_error(tmp_path: Path, data: bytes):
    path = tmp_path / "plan.yaml"
    path.write_bytes(data)
    try:
        load_plan(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:  # pragma: no cover - random bytes never make a whole plan
        raise AssertionError("random bytes were accepted as a plan")


@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_as_a_source_are_a_clear_error_or_a_table(tmp_path: Path, data: bytes, suffix: str):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(data)
    try:
        table = read_table(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        assert all(row.line >= 2 for row in table.rows)


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=10), max_size=12))
def test_every_hr_row_is_a_person_or_a_rejection_with_its_line(tmp_path: Path, rows: list[list[str]]):
    plan = workspace(tmp_path)
    text = HR_HEADER + "".join(";".join(c.replace("\n", " ").replace("\r", " ") for c in row) + "\n" for row in rows)
    (plan.parents[1] / "demo" / "hr_export.csv").write_text(text, encoding="utf-8")
    try:
        prepared = prepare(plan, None)
    except InputError as exc:
        assert "hr_export.csv" in str(exc) or "training" in str(exc)
        return
    for batch in prepared.batches["accounts"]:
        assert all(
            isinstance(o, ItemOutcome) and o.reason and o.source.startswith("hr_export.csv:") for o in batch.rejected
        )


@FUZZ
@given(
    values=st.lists(
        st.one_of(
            st.none(), st.integers(-(10**9), 10**9), st.floats(allow_nan=True), sheet_text, st.dates(), st.booleans()
        ),
        min_size=1,
        max_size=40,
    )
)
def test_an_xlsx_with_any_cell_values_reads_as_text(tmp_path: Path, values: list):
    book = Workbook()
    sheet = book.active
    sheet.append(["Code fournisseur", "Raison sociale"])
    for i in range(0, len(values), 2):
        sheet.append(values[i : i + 2])
    path = tmp_path / "suppliers.xlsx"
    book.save(path)
    table = read_table(path, required=["Code fournisseur"])
    assert all(isinstance(v, str) for row in table.rows for v in row.values.values())


@FUZZ
@given(text=spoiled_plans())
def test_a_refused_run_records_nothing(tmp_path: Path, text: str):
    plan = workspace(tmp_path, text)
    home = tmp_path / "home"
    try:
        prepare(plan, None)
    except InputError:
        result = CliRunner().invoke(app, ["run", str(plan)], env={"ERPFLOW_HOME": str(home)})
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert not (home / "events.sqlite").exists()


def assert_exit_0_or_one_line(result) -> None:
    """The command succeeded, or answered one line on stderr with exit code 2; never a traceback."""
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@st.composite
def plans_with_a_field_spoiled(draw) -> str:
    """The demo plan with one text field given any text, quoted or not."""
    field = draw(st.sampled_from(PLAN_FIELDS))
    text = draw(cli_text)
    value = json.dumps(text) if draw(st.booleans()) else text
    key, sep, rest = field.rpartition(": ")
    if field == "  erp: tryton\n":
        return PILOT.replace(field, f"{field}  url: {value}\n")
    if field == "    Comptable: accountant":
        return PILOT.replace(field, f"    {value}: accountant")
    if rest.startswith("["):
        return PILOT.replace(field, f"{key}{sep}[{value}]")
    return PILOT.replace(
        field, f"{key}{sep}{value}" + ("," if rest.endswith(",") else "\n" if rest.endswith("\n") else "")
    )


CLI_FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@CLI_FUZZ
@given(text=plans_with_a_field_spoiled())
def test_any_text_in_a_plan_field_is_a_plan_or_one_line_through_the_cli(tmp_path: Path, text: str):
    plan = workspace(tmp_path, text)
    result = CliRunner().invoke(app, ["plan", str(plan)], env={"ERPFLOW_HOME": str(tmp_path / "home")})
    assert_exit_0_or_one_line(result)
    assert not (tmp_path / "home").exists()


@CLI_FUZZ
@given(
    rows=st.lists(
        st.tuples(
            st.lists(cli_text, min_size=8, max_size=8),
            st.sampled_from(["Lyon", None]),
            st.sampled_from(["Comptable", None]),
        ),
        max_size=8,
    )
)
def test_any_hr_cell_is_a_plan_or_one_line_through_the_cli(tmp_path: Path, rows: list):
    plan = workspace(tmp_path)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HR_HEADER.strip().split(";"))
    for cells, site, role in rows:
        writer.writerow([*cells[:5], site or cells[5], role or cells[6], cells[7]])
    (plan.parents[1] / "demo" / "hr_export.csv").write_text(out.getvalue(), encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(plan)], env={"ERPFLOW_HOME": str(tmp_path / "home")})
    assert_exit_0_or_one_line(result)


@pytest.fixture(scope="module")
def planned_home(tmp_path_factory) -> Path:
    """An erpflow home where the demo pilot is planned and started (nothing run): anomalies go there."""
    home = tmp_path_factory.mktemp("fuzz") / "home"
    engine.begin(
        Ledger(Settings(home=home, actor="tester")),
        prepare(REPO / "deployments" / "plans" / "pilot.yaml"),
        "tester",
        "run-1",
    )
    return home


@CLI_FUZZ
@given(actor=markup_text, item=markup_text, reason=markup_text, note=markup_text)
def test_any_actor_or_anomaly_text_is_recorded_and_shown_or_one_line_through_the_cli(
    planned_home: Path, actor: str, item: str, reason: str, note: str
):
    assume("\x00" not in actor)  # an environment variable cannot hold NUL

    def invoke(*args: str, who: str = actor):
        return CliRunner().invoke(app, list(args), env={"ERPFLOW_HOME": str(planned_home), "ERPFLOW_ACTOR": who})

    raised = invoke("anomaly", "raise", "pilot", f"--item={item}", f"--reason={reason}")
    assert_exit_0_or_one_line(raised)
    if raised.exit_code == 0:
        found = raised.stdout.split()[1]
        assert_exit_0_or_one_line(invoke("anomaly", "comment", "pilot", found, "--", note))
        assert_exit_0_or_one_line(invoke("anomaly", "resolve", "pilot", found, f"--resolution={note}"))
    for args in (("anomaly", "list", "pilot"), ("history", "pilot"), ("trace", "--", item), ("status", "pilot")):
        shown = invoke(*args, who="reader")
        assert_exit_0_or_one_line(shown)
        assert shown.exit_code == 0, shown.output
