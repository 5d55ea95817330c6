"""Workloads for the benchmarks: an HR export of N people on one site, as a copy of the demo plan."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

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
    text = (REPO / "deployments" / "plans" / "pilot.yaml").read_text()
    text = text.replace("  batch_size: 200\nconfiguration:", f"  batch_size: {batch_size}\nconfiguration:")
    text = text.replace("database: acme", f"database: {database}")
    rooms = [f"Salle {n}" for n in range(1, people // 8 // SLOTS_PER_ROOM + 3)]  # slots enough, not many more
    text = text.replace("end_date: 2027-01-22", "end_date: 2028-01-10")
    text = text.replace("rooms: [Salle Rhône, Salle Saône]", f"rooms: [{', '.join(rooms)}]")
    (folder / "plans").mkdir()
    plan = folder / "plans" / "pilot.yaml"
    plan.write_text(text)
    return plan
