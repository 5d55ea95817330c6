"""Training invitations rendered and written to the outbox, and sent to a real SMTP server (aiosmtpd, in a process
of its own), each beside a bare loop doing the same I/O with the same bytes.

Usage: python -m bench.invitations [N] (prints the rates and their ratios).
"""

from __future__ import annotations

import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from bench.figures import Figure, say

REPO = Path(__file__).resolve().parents[1]
GROUP = 20  # trainees per session, one mailer call per session as the flow makes
SENDER = "formation@acme.example"


def sessions(count: int) -> list:
    from erpflow.model.sessions import Session, Slot, Trainee, Trainer

    start = datetime(2027, 1, 11, 8, tzinfo=UTC)
    trainer = Trainer("Claire Fontaine", "claire.fontaine@acme.example")
    people = [
        Trainee(f"user{i:06d}", f"Élodie Bérard {i}", f"user{i:06d}@acme.example", "controller", "Lyon")
        for i in range(count)
    ]
    return [
        Session(
            f"lyon/controller/{n}",
            "Accounting in Tryton",
            "controller",
            "Lyon",
            "accounting",
            False,
            Slot(start + timedelta(days=n), start + timedelta(days=n, hours=3), "Salle Rhône", "Lyon"),
            trainer,
            tuple(people[n * GROUP : (n + 1) * GROUP]),
        )
        for n in range((count + GROUP - 1) // GROUP)
    ]


def send_all(mailer, batches: list) -> int:
    """What a flow does per session batch: each invitation's texts from the method's French templates, the
    invitation rendered, then one mailer call."""
    sent = 0
    for session in batches:
        outcomes = mailer.send([(t.login, invitation(session, t)) for t in session.participants])
        sent += sum(o.status == "sent" for o in outcomes)
    return sent


@cache
def french() -> dict[str, str]:
    from erpflow.inputs.invitations import load_invitations

    return load_invitations(REPO / "domain" / "invitations")[0]["fr"]


def invitation(session, trainee):
    """One invitation as the training operation makes it, its texts from the method's French templates."""
    from erpflow.inputs.invitations import render
    from erpflow.targets.mail import build_invitation

    return build_invitation(session, trainee, SENDER, "bench", texts=render(french(), "fr", session, trainee))


def rendered(batches: list) -> list[tuple[str, str, bytes]]:
    """(session, login, bytes) of every invitation, for the baselines."""
    return [(s.key, t.login, invitation(s, t).data) for s in batches for t in s.participants]


def outbox(batches: list, folder: Path) -> tuple[float, float]:
    """Rates (invitations/s) of the outbox mailer and of a bare open().write loop of the same bytes."""
    from erpflow.targets.mail import OutboxMailer

    count = sum(len(s.participants) for s in batches)
    start = time.perf_counter()
    assert send_all(OutboxMailer(folder / "outbox"), batches) == count
    measured = count / (time.perf_counter() - start)
    messages = rendered(batches)
    start = time.perf_counter()
    for session, login, data in messages:
        path = folder / "bare" / session.replace("/", "-") / f"{login}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)
    return measured, count / (time.perf_counter() - start)


@contextmanager
def smtp_server() -> Iterator[int]:
    """aiosmtpd discarding what it receives, in a process of its own (not sharing this one's GIL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline and server.poll() is None, "aiosmtpd did not start"
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def smtp(batches: list) -> tuple[float, float]:
    """Rates (invitations/s) of the SMTP mailer and of smtplib sending the same pre-built messages."""
    from erpflow.targets.mail import SmtpMailer

    count = sum(len(s.participants) for s in batches)
    messages = [(login, data.replace(b"\n", b"\r\n")) for _, login, data in rendered(batches)]
    with smtp_server() as port:
        start = time.perf_counter()
        assert send_all(SmtpMailer("127.0.0.1", port, SENDER), batches) == count
        measured = count / (time.perf_counter() - start)
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as client:
            for login, data in messages:
                client.sendmail(SENDER, [f"{login}@acme.example"], data)
        return measured, count / (time.perf_counter() - start)


def figures(count: int = 2_000) -> list[Figure]:
    """The two figures, each beside its baseline."""
    batches = sessions(count)
    folder = Path(tempfile.mkdtemp(prefix="erpflow-bench-mail-"))
    try:
        written, bare_write = outbox(batches, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sent, bare_send = smtp(sessions(count))
    what = f"{count:,} invitations in sessions of {GROUP}, French templates, rendered and"
    return [
        Figure(
            "Invitations",
            f"{what} written to the outbox",
            written,
            bare_write,
            "open().write of the same bytes, no rendering",
            "invitations/s",
            ">= 500/s",
            written >= 500,
        ),
        Figure(
            "Invitations",
            f"{what} sent to aiosmtpd",
            sent,
            bare_send,
            "smtplib sending the same pre-built messages",
            "invitations/s",
            ">= 200/s",
            sent >= 200,
        ),
    ]


if __name__ == "__main__":
    for f in figures(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000):
        say(
            f"{f.what}: {f.measured:,.0f} {f.unit} vs {f.baseline:,.0f} ({f.baseline_what}): ratio {f.ratio:.2f}, "
            f"goal {f.goal}"
        )
