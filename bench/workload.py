"""Workloads for the benchmarks: an HR export of N people on one site, as a copy of the demo plan."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
JOBS = ("Comptable", "Contrôleur de gestion", "Acheteur", "Commercial", "Magasinier", "Responsable administratif")
SLOTS_PER_ROOM = 2 * 250  # two sessions a working day for a year


def accounts_plan(folder: Path, people: int, database: str, batch_size: int = 500) -> Path:
    """The demo pilot with N people at Lyon, batches of ``batch_size``, and slots enough to train them all."""
    shutil.copytree(REPO / "domain", folder / "domain")
    shutil.copytree(REPO / "deployments" / "demo", folder / "demo")
    with (folder / "demo" / "hr_export.csv").open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(["Matricule", "Nom", "Prénom", "Identifiant", "E-mail", "Site", "Fonction", "Date d'entrée"])
        for n in range(people):
            out.writerow(
                [
                    f"{n:07d}",
                    f"Nom{n}",
                    f"Prénom{n}",
                    f"user{n:07d}",
                    f"user{n:07d}@acme.example",
                    "Lyon",
                    JOBS[n % len(JOBS)],
                    "01/01/2020",
                ]
            )
    data = yaml.safe_load((REPO / "deployments" / "plans" / "pilot.yaml").read_text(encoding="utf-8"))
    data["accounts"]["batch_size"] = batch_size
    data["target"]["database"] = database
    calendar = data["training"]["calendars"][0]
    calendar["end_date"] = "2028-01-10"
    calendar["rooms"] = [f"Salle {n}" for n in range(1, people // 8 // SLOTS_PER_ROOM + 3)]  # enough, not many more
    (folder / "plans").mkdir()
    plan = folder / "plans" / "pilot.yaml"
    plan.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return plan
