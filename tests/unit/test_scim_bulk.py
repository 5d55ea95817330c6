"""A /Bulk answer read operation by operation: only a 2xx is a write."""

from __future__ import annotations

from pydantic import SecretStr
from scim2_models import BulkOperation, BulkResponse, Error, User

from erpflow.targets.scim import ScimTarget


class _Answers:
    def __init__(self, *operations: BulkOperation):
        self.answer = BulkResponse[User](operations=list(operations))

    def bulk(self, request):
        return self.answer


def _bulk(*operations: BulkOperation) -> dict:
    scim = ScimTarget("http://scim.invalid/", SecretStr("t"))
    scim._client = _Answers(*operations)
    user = User(user_name="alice")
    return scim._bulk([(0, "POST", "/Users", user), (1, "POST", "/Users", User(user_name="bob"))])


def test_a_4xx_operation_without_a_body_is_a_refusal_not_a_creation():
    results = _bulk(
        BulkOperation[User](method="POST", bulk_id="0", status=409),
        BulkOperation[User](method="POST", bulk_id="1", status=201, location="http://scim.invalid/Users/b1"),
    )
    assert results[0][0] == 409 and results[0][2] == "SCIM 409: no detail"
    assert results[1] == (201, "b1", "")


def test_a_4xx_operation_carries_the_servers_detail():
    results = _bulk(
        BulkOperation[User](
            method="POST", bulk_id="0", status=400, response=Error(status=400, detail="userName is required")
        )
    )
    assert results[0][2] == "SCIM 400: userName is required"


def test_an_operation_without_a_status_is_not_counted_as_written():
    results = _bulk(BulkOperation[User](method="POST", bulk_id="1"))
    assert results[1][2] == "SCIM no status: no detail"
