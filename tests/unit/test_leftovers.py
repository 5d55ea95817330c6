"""Temporary files of dead processes are removed; the Tryton template is built once, whoever asks at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from erpflow.children import alive, remove_stale
from erpflow.targets import tryton_db


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_files_of_dead_processes_are_removed_and_those_of_live_ones_kept(tmp_path: Path):
    dead, live = dead_pid(), os.getppid()
    for name in (
        f"erpflow_template_build{dead}.sqlite",
        f"erpflow_template_build{dead}.sqlite-wal",
        f"erpflow_template_build{live}.sqlite",
        f".w1.copy{dead}",
        "erpflow_template.sqlite",
    ):
        (tmp_path / name).touch()
    assert not alive(dead) and alive(live)
    removed = remove_stale(tmp_path, tryton_db._BUILD) + remove_stale(tmp_path, tryton_db._COPY)
    assert sorted(p.name for p in removed) == sorted(
        [f"erpflow_template_build{dead}.sqlite", f"erpflow_template_build{dead}.sqlite-wal", f".w1.copy{dead}"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "erpflow_template.sqlite",
        f"erpflow_template_build{live}.sqlite",
    ]


def test_the_template_is_built_once_when_two_ask_at_once_and_a_killed_build_is_cleared(tmp_path: Path, monkeypatch):
    builds = []
    (tmp_path / f"erpflow_template_build{dead_pid()}.sqlite").touch()

    def build(home: Path, conf: Path, final: Path) -> None:
        builds.append(sorted(p.name for p in home.glob("erpflow_template_build*")))
        time.sleep(0.3)
        final.touch()

    monkeypatch.setattr(tryton_db, "_build", build)
    askers = [threading.Thread(target=tryton_db.ensure_template, args=(tmp_path,)) for _ in range(3)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert builds == [[]] and (tmp_path / "erpflow_template.sqlite").exists()


def test_the_outbox_leaves_no_temporary_file_and_removes_those_of_dead_processes(tmp_path: Path):
    from erpflow.targets.invitations import build_invitation
    from erpflow.targets.outbox import OutboxMailer
    from tests.unit.test_invitation_rendering import PEOPLE, SESSION

    folder = tmp_path / "outbox" / "lyon-controller-1"
    folder.mkdir(parents=True)
    (folder / f".u0.eml.{dead_pid()}.tmp").write_bytes(b"half a message")
    mailer = OutboxMailer(tmp_path / "outbox")
    outcomes = mailer.send([(t.login, build_invitation(SESSION, t, "formation@acme.example", "pilot")) for t in PEOPLE])
    assert [o.status for o in outcomes] == ["sent"] * 3
    assert sorted(p.name for p in folder.iterdir()) == ["u0.eml", "u1.eml", "u2.eml"]
    assert mailer.find([("u1", SESSION.key), ("u9", SESSION.key)]) == {"u1": str(folder / "u1.eml")}
