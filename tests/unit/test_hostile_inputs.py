"""Hostile and careless input is refused before anything is read or recorded: YAML bombs, duplicate keys, huge
files, paths out of the project, credentials in URLs, mixed encodings and control characters."""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from erpflow.inputs.method import load_method
from erpflow.inputs.plan import load_plan
from erpflow.inputs.sources import read_table
from erpflow.inputs.yamlfile import read_yaml
from erpflow.model.errors import InputError

REPO = Path(__file__).resolve().parents[2]
PILOT = (REPO / "deployments" / "plans" / "pilot.yaml").read_text()
SECRET = "Tr0ub4dor-and-3"


def project(tmp_path: Path, text: str = PILOT) -> Path:
    """A copy of the project (method and demo data) with a plan in plans/; the plan's path."""
    shutil.copytree(REPO / "domain", tmp_path / "domain")
    shutil.copytree(REPO / "deployments" / "demo", tmp_path / "demo")
    (tmp_path / "plans").mkdir()
    plan = tmp_path / "plans" / "pilot.yaml"
    plan.write_text(text)
    return plan


def refused(path: Path, loader=load_plan) -> InputError:
    with pytest.raises(InputError) as caught:
        loader(path)
    return caught.value


def test_a_yaml_bomb_is_refused_in_under_a_second_with_bounded_memory(tmp_path: Path):
    lines = ['x0: &x0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 8)}]" for i in range(1, 12)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    tracemalloc.start()
    started = time.perf_counter()
    error = refused(path, read_yaml)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1 and peak < 20_000_000
    assert error.line == 5 and "aliases expand to more than 10000 values" in str(error)


def test_a_few_aliases_still_load(tmp_path: Path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &countries {France: FR, Belgique: BE}\nagain: *countries\nmerged: {<<: *countries, a: b}\n")
    data, _ = read_yaml(path)
    assert data["again"] == {"France": "FR", "Belgique": "BE"} and data["merged"]["a"] == "b"


@pytest.mark.parametrize(
    "text, line, reason",
    [
        ("a: &a [1, *a]\n", 1, "alias *a is inside its own anchor"),
        ("[" * 5000 + "]" * 5000 + "\n", 1, "nested deeper than 64 levels"),
        ("a: 1\n? [b]\n: 2\n", 2, "a key must be plain text"),
    ],
)
def test_self_referring_deep_or_odd_yaml_is_refused_with_its_line(tmp_path: Path, text: str, line: int, reason: str):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    error = refused(path, read_yaml)
    assert error.line == line and reason in str(error)


def test_a_duplicate_key_names_both_lines(tmp_path: Path):
    plan = project(
        tmp_path, PILOT.replace("  group_size: 8\n", "  group_size: 8\n  trainer: {name: X, email: x@y.z}\n")
    )
    error = refused(plan)
    first = PILOT.splitlines().index("  trainer: {name: Claire Fontaine, email: claire.fontaine@acme.example}") + 1
    assert error.line == first + 1 and error.field == "training.trainer"
    assert f"duplicate key 'trainer' (first at line {first})" in str(error)


def test_a_method_file_with_a_duplicate_key_is_refused(tmp_path: Path):
    method = Path(shutil.copytree(REPO / "domain", tmp_path / "domain"))
    roles = method / "roles.yaml"
    roles.write_text(roles.read_text() + "roles: {}\n")
    assert "duplicate key 'roles'" in str(refused(method, load_method))


def test_a_file_over_the_size_cap_is_refused_without_being_parsed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ERPFLOW_MAX_INPUT_BYTES", "2000")
    plan = project(tmp_path, PILOT + "# " + "padding " * 300 + "\n")
    error = refused(plan)
    assert "larger than 2000 bytes" in str(error) and "ERPFLOW_MAX_INPUT_BYTES" in str(error)


@pytest.mark.parametrize(
    "value, code",
    [
        ('"Claire\\nFontaine"', "U+000A (LF)"),
        ('"Claire\\rFontaine"', "U+000D (CR)"),
        ('"Claire\\0"', "U+0000 (NUL)"),
        ('"\\e[2J\\e[HClaire"', "U+001B (ESC)"),
        ('"Claire \\u202eeniatnoF"', "U+202E"),
        ("|\n      Claire\n      Fontaine", "U+000A (LF)"),
        ('"Claire \\ud83d"', "U+D83D (a lone surrogate)"),
    ],
)
def test_a_control_character_in_a_plan_field_names_file_line_and_field(tmp_path: Path, value: str, code: str):
    plan = project(
        tmp_path,
        PILOT.replace(
            "trainer: {name: Claire Fontaine, email: claire.fontaine@acme.example}",
            f"trainer:\n    email: t@acme.example\n    name: {value}",
        ),
    )
    error = refused(plan)
    assert error.file == str(plan) and error.field == "training.trainer.name" and error.line
    assert f"character {code} is not allowed" in str(error)


def test_a_control_character_in_a_key_is_refused_and_shown_escaped(tmp_path: Path):
    plan = project(tmp_path, PILOT.replace("    Comptable: accountant", '    "Compta\\x1bble\\n": accountant'))
    error = refused(plan)
    assert error.field == "accounts.roles.Compta\\x1bble\\n" and "U+001B (ESC)" in str(error)
    assert "\x1b" not in str(error) and "\n" not in str(error)


def test_a_plan_may_reach_files_inside_its_project_through_links(tmp_path: Path):
    plan = project(tmp_path, PILOT.replace("../demo/hr_export.csv", "../demo/hr.csv"))
    (tmp_path / "demo" / "hr.csv").symlink_to(tmp_path / "demo" / "hr_export.csv")
    assert load_plan(plan)[0].accounts.source == tmp_path / "demo" / "hr_export.csv"


@pytest.mark.parametrize("trick", ["absolute", "escape", "symlink", "symlinked folder"])
@pytest.mark.parametrize(
    "field", ["../demo/hr_export.csv", "../demo/configuration.yaml", "../demo/legacy_products.csv"]
)
def test_a_path_out_of_the_project_is_refused_before_reading(tmp_path: Path, trick: str, field: str):
    target = Path("/etc/passwd")
    given = {
        "absolute": str(target),
        "escape": "../" * 12 + "etc/passwd",
        "symlink": "../demo/innocent.csv",
        "symlinked folder": "../demo/etc/passwd",
    }[trick]
    plan = project(tmp_path, PILOT.replace(field, given))
    (tmp_path / "demo" / "innocent.csv").symlink_to(target)
    (tmp_path / "demo" / "etc").symlink_to("/etc")
    error = refused(plan)
    assert error.field and error.field.endswith("source") and error.line
    assert "absolute path is refused" in str(error) or "leads outside the project folder" in str(error)
    assert "root:" not in str(error)


def test_an_outbox_out_of_the_project_is_refused(tmp_path: Path):
    for number, outbox in enumerate(("/tmp/elsewhere", "../../outside")):
        plan = project(
            tmp_path / f"project-{number}",
            PILOT.replace(
                "    sender: formation@acme.example", f"    sender: formation@acme.example\n    outbox: {outbox}"
            ),
        )
        assert refused(plan).field == "training.mail.outbox"


def test_a_plan_without_a_method_above_it_keeps_to_its_own_folder(tmp_path: Path):
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone" / "plan.yaml").write_text(PILOT)
    assert "leads outside the project folder" in str(refused(tmp_path / "lone" / "plan.yaml"))


@pytest.mark.parametrize(
    "edit, setting",
    [
        (
            lambda t: t.replace(
                "  database: acme\n", f"  database: acme\n  url: https://admin:{SECRET}@erp.example/\n"
            ),
            "ERPFLOW_TRYTON_PASSWORD",
        ),
        (
            lambda t: t.replace("  database: acme\n", f"  database: acme\n  url: http://{SECRET}@erp.example:8000\n"),
            "ERPFLOW_TRYTON_PASSWORD",
        ),
        (
            lambda t: t.replace(
                "accounts:\n", f"accounts:\n  scim:\n    url: https://bot:{SECRET}@scim.example/v2\n", 1
            ),
            "ERPFLOW_SCIM_TOKEN",
        ),
        (
            lambda t: t.replace(
                "    sender: formation@acme.example\n",
                f"    sender: formation@acme.example\n    smtp: {{host: 'erpflow:{SECRET}@smtp.example'}}\n",
            ),
            "ERPFLOW_SMTP_PASSWORD",
        ),
    ],
)
def test_a_url_with_credentials_is_refused_without_echoing_them(tmp_path: Path, edit, setting: str):
    error = refused(project(tmp_path, edit(PILOT)))
    assert setting in str(error) and ("credentials" in str(error) or "bare host name" in str(error))
    assert SECRET not in str(error) and SECRET not in repr(error.__dict__)


def write(tmp_path: Path, data: bytes, name: str = "hr.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_lines_among_windows_1252_ones_are_refused_at_the_first_that_differs(tmp_path: Path):
    data = "Nom;Ville\nLefèvre;Orléans\nDupont;Lyon\n".encode("cp1252") + "Bérard;Nîmes\n".encode()
    error = refused(write(tmp_path, data), read_table)
    assert error.line == 4 and "mixed encodings" in str(error) and "line 2 is Windows-1252" in str(error)


def test_windows_1252_lines_among_utf8_ones_are_refused_at_the_first_that_differs(tmp_path: Path):
    data = "Nom;Ville\nZoé;Orléans\n".encode() + b"Plain;Ascii\n" + "Gaëlle;Besançon\n".encode("cp1252")
    error = refused(write(tmp_path, data), read_table)
    assert error.line == 4 and "line 2 is UTF-8" in str(error) and "encoding:" in str(error)


def test_a_file_in_no_known_encoding_names_a_likely_one(tmp_path: Path):
    error = refused(write(tmp_path, "Nom\tVille\nLefèvre\tOrléans\n".encode("utf-16")), read_table)
    assert "not a text file in UTF-8 or Windows-1252" in str(error) and "utf_16" in str(error)


def test_the_encoding_a_plan_names_is_used_and_checked(tmp_path: Path):
    path = write(tmp_path, "Nom;Ville\nLefèvre;Orléans\n".encode("cp850"))
    assert read_table(path, encoding="cp850").rows[0].values == {"Nom": "Lefèvre", "Ville": "Orléans"}
    error = refused(
        write(tmp_path, "Nom\nZoé\n".encode() + b"\xff\xfe\n", "bad.csv"), lambda p: read_table(p, encoding="utf-8")
    )
    assert error.line == 3 and "not valid utf-8 text" in str(error)


def test_a_plan_names_a_source_encoding_and_an_unknown_one_is_refused(tmp_path: Path):
    plan = project(
        tmp_path,
        PILOT.replace("  source: ../demo/hr_export.csv\n", "  source: ../demo/hr_export.csv\n  encoding: utf-8-sig\n"),
    )
    assert load_plan(plan)[0].accounts.encoding == "utf-8-sig"
    plan.write_text(PILOT.replace("      into: product\n", "      into: product\n      encoding: rot13\n"))
    error = refused(plan)
    assert error.field == "migration.datasets.2.encoding" and "unknown encoding 'rot13'" in str(error)


def test_control_characters_in_cells_reject_their_row_naming_the_column(tmp_path: Path):
    data = (
        'Nom;Ville\nok;Lyon\n"Le\x1b[31mfèvre";Lyon\nX;"Ly\x7fon"\n"a\u2028b";Lyon\n"Multi\r\nline";Lyon\nlast;Lyon\n'
    ).encode()
    table = read_table(write(tmp_path, data))
    problems = [(row.line, row.problem) for row in table.rows]
    assert problems == [
        (2, ""),
        (3, "Nom: control character U+001B (ESC) is not allowed"),
        (4, "Ville: control character U+007F (DEL) is not allowed"),
        (5, "Nom: control character U+2028 is not allowed"),
        (6, "Nom: control character U+000D (CR) is not allowed"),
        (8, ""),
    ]


def test_a_control_character_in_a_workbook_cell_rejects_its_row(tmp_path: Path):
    book = Workbook()
    book.active.append(["Code", "Nom"])
    book.active.append(["F1", "Dupont\nSA"])
    book.active.append(["F2", "Martin"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    assert [row.problem for row in read_table(path).rows] == ["Nom: control character U+000A (LF) is not allowed", ""]


def test_a_control_character_in_a_header_is_refused(tmp_path: Path):
    error = refused(write(tmp_path, b'Nom;"Vi\x1blle"\nA;B\n'), read_table)
    assert error.line == 1 and "U+001B (ESC)" in str(error) and "\x1b" not in str(error)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_source_that_is_not_a_regular_file_is_refused_without_waiting(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.csv")
    assert "not a regular file" in str(refused(tmp_path / "pipe.csv", read_table))


def test_a_malformed_record_deep_in_the_hr_export_is_refused_with_its_line(tmp_path: Path):
    """The export is parsed as the wave is prepared, a batch of rows at a time: a record the CSV reader refuses
    far below the header is still one error naming the file and its line, before anything is sent."""
    from erpflow.application.preparation import prepare

    plan = project(tmp_path)
    export = tmp_path / "demo" / "hr_export.csv"
    lines = export.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    oversized = "001999;Martin;" + "x" * 200_000 + ";lmartin;l.martin@acme.example;Lyon;Comptable;01/02/2024\n"
    export.write_text("".join([*lines, oversized]), encoding="utf-8-sig")
    with pytest.raises(InputError) as caught:
        prepare(plan, accounts=lambda prefixes: {})
    assert str(caught.value).startswith(f"{export}:{len(lines) + 1}: malformed CSV: field larger than field limit")
