"""Where a report or an export may be written: a missing folder or an existing file is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import assert_user_error


@pytest.fixture
def at_pilot(pilot_copy, cli):
    cli.env["ERPFLOW_HOME"] = str(pilot_copy.settings.home)
    return cli


@pytest.mark.parametrize("option", ["--html", "--markdown"])
def test_a_report_into_a_missing_folder_is_one_line(at_pilot, tmp_path: Path, option: str):
    target = tmp_path / "nowhere" / "report.out"
    assert_user_error(at_pilot("report", "pilot", option, str(target)), "does not exist", "nowhere")
    assert not target.parent.exists()


@pytest.mark.parametrize("option", ["--html", "--markdown"])
def test_a_report_onto_an_existing_file_is_refused_unless_forced(at_pilot, tmp_path: Path, option: str):
    target = tmp_path / "report.out"
    target.write_text("keep me")
    assert_user_error(at_pilot("report", "pilot", option, str(target)), "exists", "--force")
    assert target.read_text() == "keep me"
    assert_user_error(at_pilot("report", "pilot", option, str(tmp_path)), "is a folder")
    forced = at_pilot("report", "pilot", option, str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert "pilot" in target.read_text()


def test_an_export_into_a_missing_folder_or_over_an_export_is_refused(at_pilot, tmp_path: Path):
    assert_user_error(at_pilot("export", "pilot", str(tmp_path / "a" / "b")), "does not exist")
    folder = tmp_path / "export"
    assert at_pilot("export", "pilot", str(folder)).exit_code == 0
    manifest = (folder / "manifest.json").read_text()
    assert_user_error(at_pilot("export", "pilot", str(folder)), "exists", "--force")
    assert (folder / "manifest.json").read_text() == manifest
    assert at_pilot("export", "pilot", str(folder), "--force").exit_code == 0
    (tmp_path / "file").write_text("x")
    assert_user_error(at_pilot("export", "pilot", str(tmp_path / "file")), "is a file")


def test_a_report_into_a_read_only_folder_is_one_line(at_pilot, tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = at_pilot("report", "pilot", "--markdown", str(folder / "r.md"))
        if result.exit_code == 0:  # root writes anywhere
            pytest.skip("running as root: the folder is writable")
        assert_user_error(result, "cannot write", "r.md")
    finally:
        folder.chmod(0o700)
