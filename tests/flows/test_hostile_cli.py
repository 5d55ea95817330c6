"""Hostile plans and sources through the real command line: one line, exit 2, no traceback, nothing recorded,
and never a byte of a file the plan had no right to read."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpflow.cli import app

from .conftest import REPO, copy_pilot
from .test_cli import assert_user_error

PASSWORD = "s3cr3t-Horse-battery"
PASSWD_LINE = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").exists() else "root:x:0:0"


def invoke(*args: str, home: Path, **env: str):
    return CliRunner().invoke(app, list(args), env={"ERPFLOW_HOME": str(home), **env})


def spoiled(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """The demo plan copied with its project, then damaged as text (malformed YAML cannot be written as data)."""
    plan = copy_pilot(tmp_path)
    plan.write_text(edit((REPO / "deployments" / "plans" / "pilot.yaml").read_text()))
    return plan


def refused(plan: Path, home: Path, *fragments: str, commands=("plan", "run"), **env: str) -> str:
    """Each command answers one line naming the plan and the fragments, and records nothing; that line."""
    line = ""
    for command in commands:
        result = invoke(command, str(plan), home=home, **env)
        assert_user_error(result, *fragments)
        line = result.stderr.strip()
    assert not (home / "events.sqlite").exists()
    return line


def test_a_yaml_bomb_plan_is_refused_in_under_a_second(tmp_path: Path):
    bomb = ["wave: pilot", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    plan = tmp_path / "bomb.yaml"
    plan.write_text("\n".join(bomb) + "\n")
    started = time.perf_counter()
    refused(plan, tmp_path / "home", f"{plan}:5:", "aliases expand to more than", commands=("plan",))
    assert time.perf_counter() - started < 1
    refused(plan, tmp_path / "home", "aliases expand")


def test_a_duplicate_key_is_refused_naming_both_lines(tmp_path: Path):
    plan = spoiled(tmp_path, lambda text: text.replace("sites: [Lyon]\n", "sites: [Lyon]\nkind: big-bang\n"))
    refused(plan, tmp_path / "home", f"{plan}:5:", "duplicate key 'kind' (first at line 3)")


def test_a_plan_over_the_size_cap_is_refused(tmp_path: Path):
    plan = spoiled(tmp_path, lambda text: text + "#" * 5000 + "\n")
    refused(plan, tmp_path / "home", str(plan), "larger than 4096 bytes", ERPFLOW_MAX_INPUT_BYTES="4096")


def test_markup_in_a_refused_key_is_printed_as_text(tmp_path: Path):
    plan = spoiled(tmp_path, lambda text: text + '"[/]": 1\n"[/]": 2\n')
    refused(plan, tmp_path / "home", "duplicate key '[/]'")


@pytest.mark.parametrize(
    "source", ["/etc/passwd", "../../../../../../../../../etc/passwd", "../demo/team.csv", "../demo/system/passwd"]
)
@pytest.mark.parametrize(
    "field", ["../demo/hr_export.csv", "../demo/legacy_customers.csv", "../demo/configuration.yaml"]
)
def test_etc_passwd_is_never_read_whatever_the_path_trick(tmp_path: Path, source: str, field: str):
    plan = spoiled(tmp_path, lambda text: text.replace(field, source))
    (tmp_path / "demo" / "team.csv").symlink_to("/etc/passwd")
    (tmp_path / "demo" / "system").symlink_to("/etc")
    line = refused(plan, tmp_path / "home", f"{plan}:", "source")
    assert "absolute path is refused" in line or "leads outside the project folder" in line
    assert PASSWD_LINE not in line and "root:" not in line


def test_an_outbox_elsewhere_is_refused(tmp_path: Path):
    plan = copy_pilot(tmp_path, mail={"sender": "formation@acme.example", "outbox": "../../../tmp/mail"})
    refused(plan, tmp_path / "home", "training.mail.outbox", "leads outside the project folder")


@pytest.mark.parametrize(
    "section",
    [
        f"  url: https://admin:{PASSWORD}@tryton.example:8000/\n",
        f"  url: http://{PASSWORD}@tryton.example/\n",
    ],
)
def test_a_tryton_url_with_credentials_is_refused_without_the_password(tmp_path: Path, section: str):
    plan = spoiled(tmp_path, lambda text: text.replace("  erp: tryton\n", "  erp: tryton\n" + section))
    line = refused(plan, tmp_path / "home", "target.url", "ERPFLOW_TRYTON_PASSWORD")
    assert PASSWORD not in line


def test_a_scim_url_with_a_token_is_refused_without_the_token(tmp_path: Path):
    plan = spoiled(
        tmp_path,
        lambda text: text.replace(
            "accounts:\n", f"accounts:\n  scim:\n    url: https://erpflow:{PASSWORD}@scim.example/v2\n", 1
        ),
    )
    line = refused(plan, tmp_path / "home", "accounts.scim.url", "ERPFLOW_SCIM_TOKEN")
    assert PASSWORD not in line


def test_an_hr_export_mixing_encodings_is_refused_at_its_first_odd_line(tmp_path: Path):
    plan = copy_pilot(tmp_path)
    hr = tmp_path / "demo" / "hr_export.csv"
    lines = hr.read_bytes().splitlines(keepends=True)
    odd = next(i for i, line in enumerate(lines) if i > 10 and not line.isascii())
    lines[odd] = lines[odd].decode("utf-8").encode("cp1252")
    hr.write_bytes(b"".join(lines))
    refused(plan, tmp_path / "home", f"hr_export.csv:{odd + 1}:", "mixed encodings", "line 1 is UTF-8")


def test_a_source_in_the_encoding_the_plan_names_is_read(tmp_path: Path):
    plan = spoiled(
        tmp_path, lambda text: text.replace("      into: product\n", "      into: product\n      encoding: cp850\n")
    )
    products = tmp_path / "demo" / "legacy_products.csv"
    products.write_bytes(products.read_text(encoding="utf-8").encode("cp850"))
    result = invoke("plan", str(plan), home=tmp_path / "home")
    assert result.exit_code == 0, result.output
    assert "products: 60 rows" in result.stdout


@pytest.mark.parametrize(
    "name, code",
    [
        ('"Claire\\r\\nFontaine"', "U+000D (CR)"),
        ('"\\e]0;pwned\\aClaire"', "U+001B (ESC)"),
        ('"Claire\\0"', "U+0000 (NUL)"),
    ],
)
def test_a_control_character_in_a_plan_field_is_refused(tmp_path: Path, name: str, code: str):
    plan = spoiled(tmp_path, lambda text: text.replace("{name: Claire Fontaine,", f"{{name: {name},"))
    refused(plan, tmp_path / "home", f"{plan}:", "training.trainer.name", f"control character {code}")


def test_a_control_character_in_an_hr_cell_rejects_that_row_only(tmp_path: Path):
    plan = copy_pilot(tmp_path)
    hr = tmp_path / "demo" / "hr_export.csv"
    text = hr.read_text(encoding="utf-8-sig").replace(";Lyon;", ';"Lyon";', 1)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    row = next(i for i, line in enumerate(lines) if '"Lyon"' in line)
    cells = lines[row].split(";")
    cells[1] = f'"{cells[1]}\r\nBcc: everyone@acme.example"'
    lines[row] = ";".join(cells)
    hr.write_bytes(newline.join(lines).encode("utf-8-sig"))
    result = invoke("plan", str(plan), home=tmp_path / "home")
    assert result.exit_code == 0, result.output
    assert f"will reject hr_export.csv:{row + 1}: " in result.stdout
    assert "Nom: control character U+000D (CR) is not allowed" in result.stdout
    accounts = next(line for line in result.stdout.splitlines() if line.startswith("│ accounts"))
    assert [cell.strip() for cell in accounts.split("│")[2:6]] == ["1", "100", "96", "4"]
    assert not (tmp_path / "home").exists()
