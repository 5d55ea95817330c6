"""An HR export naming the ERP's administrator or someone else's account, run through the real CLI on a real
Tryton: those accounts are untouched byte for byte, each row is refused with a blocking anomaly, and nobody
whose account was refused is invited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from erpflow.inputs.plan import load_plan
from erpflow.settings import Settings
from erpflow.targets.bundle import Targets
from tests.plans import edit_plan

from .conftest import small_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.tryton]
ROWS = (
    "009001;Hacker;Mallory;ADMIN;mallory@evil.example;Lyon;Comptable;01/01/2020\r\n"
    "009002;Legrand;Marie;mlegrand;marie.legrand@acme.example;Lyon;Comptable;01/01/2020\r\n"
    "009003;Martin;Paul;pmartin;paul.martin@acme.example;Lyon;Acheteur;01/01/2020\r\n"
)


def stored(database: Path, logins: tuple[str, ...]) -> list[tuple]:
    with sqlite3.connect(database) as db:
        users = db.execute(
            f"SELECT * FROM res_user WHERE login IN ({','.join('?' * len(logins))}) ORDER BY id", logins
        ).fetchall()
        ids = ",".join(str(u[0]) for u in users)
        return users + db.execute(f'SELECT * FROM "res_user-res_group" WHERE "user" IN ({ids}) ORDER BY id').fetchall()


def test_an_hr_row_cannot_take_over_the_admin_or_an_account_erpflow_did_not_create(cli, tmp_path: Path):
    plan = small_pilot(tmp_path)
    hr = tmp_path / "demo" / "hr_export.csv"
    hr.write_bytes(hr.read_bytes() + ROWS.encode("utf-8"))
    edit_plan(plan, {"accounts.adopt": ["PMartin"]})
    settings = Settings(home=Path(cli.env["ERPFLOW_HOME"]), tryton_template=Path(cli.env["ERPFLOW_TRYTON_TEMPLATE"]))
    erp = Targets(load_plan(plan)[0], settings).erp
    with erp._session():  # accounts made by Tryton's own administrators before erpflow came
        erp._call(
            "res.user",
            "create",
            [{"login": login, "name": "Made by hand", "email": "it@acme.example"} for login in ("mlegrand", "pmartin")],
        )
    configured = cli("run", str(plan), "--only", "configuration")  # Tryton's company wizard writes every user
    assert configured.exit_code == 0, configured.output
    database = erp.database.path
    before = stored(database, ("admin", "root", "mlegrand"))

    result = cli("run", str(plan))

    assert result.exit_code == 0, result.output
    assert stored(database, ("admin", "root", "mlegrand")) == before
    assert erp.find_users(["pmartin"])["pmartin"]["name"] == "Paul Martin"  # adopted by the plan
    listed = cli("anomaly", "list", "pilot", "--severity", "blocking")
    assert listed.exit_code == 0, listed.output
    assert "admin" in listed.output and "mlegrand" in listed.output and "pmartin" not in listed.output
    outbox = Path(cli.env["ERPFLOW_HOME"]) / "outbox" / "pilot"
    invited = {p.stem for p in outbox.rglob("*.eml")}
    assert "pmartin" in invited and not invited & {"admin", "mlegrand"}
    assert len(invited) > 10
