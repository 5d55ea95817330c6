"""A wave is judged by the method it ran with: its files are pinned by digest in the wave's plan event."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from erpflow.application.ledger import Ledger
from erpflow.application.waves import view

from .conftest import small_pilot
from .test_cli import assert_user_error

LAX_GATES = """gates:
  pilot-exit:
    applies_to: [pilot]
    criteria:
      - {id: operations-completed, title: Every operation completed, metric: operations_completed, op: "==", value: 1}
"""


@pytest.fixture
def ran(cli, tmp_path: Path) -> Path:
    """A small pilot run through the CLI; its project folder."""
    project = tmp_path / "project"
    result = cli("run", str(small_pilot(project)))
    assert result.exit_code == 0, result.output
    return project


def lax_copy(project: Path) -> Path:
    other = project.parent / "other"
    shutil.copytree(project / "domain", other)
    (other / "gates.yaml").write_text(LAX_GATES)
    return other


def test_a_go_judged_by_another_method_is_refused_naming_the_file(cli, ran: Path):
    cli.env["ERPFLOW_METHOD"] = str(lax_copy(ran))
    for args in (("gate", "pilot", "--record"), ("gate", "pilot"), ("report", "pilot")):
        assert_user_error(cli(*args), "gates.yaml", "differs from the method wave 'pilot' ran with")
    assert view(Ledger(cli.settings), "pilot").gate is None


def test_without_a_configured_method_the_pinned_criteria_apply(cli, ran: Path):
    lax_copy(ran)
    result = cli("gate", "pilot", "--record")
    assert result.exit_code == 1 and "training-completion" in result.stderr, result.output
    assert view(Ledger(cli.settings), "pilot").gate["decision"] == "no-go"


def test_a_configured_method_with_the_same_files_is_accepted(cli, ran: Path):
    same = ran.parent / "same"
    shutil.copytree(ran / "domain", same)
    cli.env["ERPFLOW_METHOD"] = str(same)
    result = cli("gate", "pilot")
    assert result.exit_code == 1 and "training-completion" in result.stderr, result.output


def test_a_pinned_method_file_changed_since_the_run_is_refused(cli, ran: Path):
    (ran / "domain" / "gates.yaml").write_text(LAX_GATES)
    assert_user_error(cli("gate", "pilot", "--record"), "gates.yaml", "changed since wave 'pilot' ran with it")
    assert view(Ledger(cli.settings), "pilot").gate is None
