"""An invitation that cannot be built is rejected with its reason; the rest of its batch is sent."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import erpflow.targets.mail as mail
from erpflow.application.preparation import prepare
from erpflow.operations.training import OPERATION
from erpflow.targets.mail import OutboxMailer

REPO = Path(__file__).resolve().parents[2]


class AllManaged:
    def managed(self, refs):
        return {ref: ref for ref in refs}


def test_an_invitation_that_cannot_be_built_rejects_that_invitation_only(tmp_path, monkeypatch):
    prepared = prepare(REPO / "deployments" / "plans" / "pilot.yaml")
    batch = prepared.batches["training"][0]
    spoiled = batch.items[1].ref
    build = mail.build_invitation

    def fails_for_one(session, trainee, sender, wave, **kwargs):
        if trainee.login == spoiled:
            raise ValueError("Header values may not contain linefeed\nor carriage return characters")
        return build(session, trainee, sender, wave, **kwargs)

    monkeypatch.setattr(mail, "build_invitation", fails_for_one)
    targets = SimpleNamespace(plan=prepared.plan, accounts=AllManaged(), mailer=OutboxMailer(tmp_path), invitations={})
    outcomes = OPERATION.send(batch, targets)
    assert [o.ref for o in outcomes] == [i.ref for i in batch.items]
    refused = [o for o in outcomes if o.status == "rejected"]
    assert [o.ref for o in refused] == [spoiled]
    assert refused[0].reason.startswith("invitation not built: Header values") and "\n" not in refused[0].reason
    assert len(list(tmp_path.glob("*/*.eml"))) == len(batch.items) - 1
