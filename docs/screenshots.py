"""Regenerate the screenshots of docs/: the demo pilot triggered as a deployment run on a local Prefect server, its
run page (logs, then artifacts) and its summary artifact; then, after a partial sign-in sheet and a no-go, its
steering-committee report. Rendered by headless Chromium driven over the DevTools protocol. From the repository root:

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

from erpflow.orchestration.server import LocalPrefect

ROOT = Path(__file__).resolve().parents[1]
FIND = """JSON.stringify([...document.querySelectorAll('button, a, [role=tablist] > *')]
            .find(e => e.textContent.trim() === %s)?.getBoundingClientRect() ?? null)"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Chromium:
    """One headless Chromium page, driven by DevTools protocol commands."""

    def __init__(self, profile: Path) -> None:
        port = free_port()
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
                    page = next(t for t in json.load(answer) if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None)
        self.ids = itertools.count(1)

    def call(self, method: str, **params) -> dict:
        sent = next(self.ids)
        self.socket.send(json.dumps({"id": sent, "method": method, "params": params}))
        while (message := json.loads(self.socket.recv())).get("id") != sent:
            pass
        return message.get("result", {})

    def shoot(
        self,
        url: str,
        target: Path,
        *,
        click: str | None = None,
        height: int = 1100,
        width: int = 1500,
        whole: bool = False,
        wait: float = 8,
    ) -> None:
        """A screenshot of ``url``, after a click on what reads ``click``; ``whole``: the page's full height."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        if click:
            self.click(click)
            time.sleep(4)
        if whole:
            height = self.call("Runtime.evaluate", expression="document.documentElement.scrollHeight")["result"]
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height["value"],
                deviceScaleFactor=1,
                mobile=False,
            )
        target.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        print(f"{target.relative_to(ROOT)}: {url}")

    def click(self, text: str) -> None:
        """A real mouse press and release on the element that reads ``text`` (tabs react to the press)."""
        found = self.call("Runtime.evaluate", expression=FIND % json.dumps(text))["result"]["value"]
        box = json.loads(found)
        if box is None:
            raise SystemExit(f"nothing reads {text!r} on the page")
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()


def summary_id(local: LocalPrefect) -> str:
    """The latest pilot-summary artifact: its own page shows the Markdown rendered."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: local.api_url}), get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pilot-summary"])))
    return str(found[-1].id)


def report_after_a_no_go(local: LocalPrefect, home: Path) -> Path:
    """Two thirds of the invited people sign in; the committee records a no-go; the report as HTML."""
    from erpflow.application.ledger import Ledger
    from erpflow.projections.gate import invitations
    from erpflow.settings import Settings

    erpflow = str(Path(sys.executable).with_name("erpflow"))
    env = {**local.env(), "ERPFLOW_HOME": str(home), "ERPFLOW_ACTOR": "steering.committee"}
    sessions = invitations(Ledger(Settings(home=home)), "pilot")
    sheet = home / "sign-in.csv"
    sheet.write_text(
        "session,login,present\n"
        + "".join(
            f"{name},{login},{'yes' if n % 3 else 'no'}\n"
            for name, s in sessions.items()
            for n, login in enumerate(sorted(s["invited"]))
        )
    )
    page = home / "pilot.html"
    for args in (
        ["training", "attend", "pilot", str(sheet)],
        ["gate", "pilot", "--record", "--comment", "rejected rows to fix, one more week of training"],
        ["report", "pilot", "--html", str(page)],
    ):
        subprocess.run([erpflow, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=args[0] != "gate")
    return page


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="erpflow-shots-"))
    local = LocalPrefect(work / "prefect", free_port())
    os.environ["ERPFLOW_PROJECT_DIR"] = str(ROOT)
    try:
        local.start()
        local.deploy(ROOT)
        local.worker("demo", ERPFLOW_HOME=str(work / "home"))
        started = subprocess.run(
            [str(Path(sys.executable).with_name("erpflow")), "trigger", "deployments/plans/pilot.yaml", "--watch"],
            env=local.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        link = re.search(r"http://\S+/runs/flow-run/\S+", started.stdout).group(0)
        time.sleep(3)
        browser = Chromium(work / "chromium")
        try:
            docs = ROOT / "docs"
            browser.shoot(link, docs / "prefect-run.png")
            browser.shoot(link, docs / "prefect-artifacts.png", click="Artifacts", height=1300)
            browser.shoot(f"{local.ui_url}/artifacts/artifact/{summary_id(local)}", docs / "prefect-summary.png")
            page = report_after_a_no_go(local, work / "home")
            browser.shoot(page.as_uri(), docs / "report.png", width=1100, whole=True, wait=2)
        finally:
            browser.close()
    finally:
        local.stop()


if __name__ == "__main__":
    main()
