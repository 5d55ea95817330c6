"""A fault in the Tryton adapter's own code stops the batch: it is never turned into a rejected item."""

from __future__ import annotations

import pytest

from erpflow.model.items import ConfigItem
from erpflow.targets.tryton import TrytonTarget
from erpflow.targets.tryton_remote import RemoteTryton


def _target(monkeypatch: pytest.MonkeyPatch, error: Exception) -> TrytonTarget:
    target = TrytonTarget(RemoteTryton("http://tryton.invalid/", "db", "admin", password=None))  # type: ignore[arg-type]
    target._config = object()  # connected: no call reaches a server in these tests

    def broken(*_: object) -> None:
        raise error

    monkeypatch.setattr(target, "_company", broken)
    return target


@pytest.mark.parametrize("error", [KeyError("party."), ValueError("bad date")])
def test_a_bug_in_the_adapter_is_raised_not_recorded_as_a_rejection(monkeypatch, error):
    target = _target(monkeypatch, error)
    with pytest.raises(type(error)):
        target.apply_config([ConfigItem("company", "company", {"party_name": "Acme", "currency": "EUR"})])
