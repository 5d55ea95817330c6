"""Tryton reached over the network: a trytond server's XML-RPC, through proteus, logged in with a session."""

from __future__ import annotations

import base64
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from erpflow.targets.errors import TargetError, TargetUnavailable

USER_ERROR = 1  # trytond's code for a UserError (a refusal of the data, not of the call)


@dataclass(frozen=True)
class RemoteTryton:
    """A database of a trytond server; the password never appears in a repr, an event or a log line."""

    url: str  # the server, e.g. http://tryton.acme.example:8000/
    name: str  # the database
    user: str
    password: SecretStr = field(repr=False)

    @property
    def rpc_url(self) -> str:
        return f"{self.url.rstrip('/')}/{self.name}/rpc/"

    def open(self) -> Any:
        """A proteus configuration on the server, with a fresh session. A refused login is not retried: the same
        password would be refused again."""
        from proteus.config import XmlrpcConfig

        server = xmlrpc.client.ServerProxy(self.rpc_url, allow_none=True, use_builtin_types=True)
        try:
            reply = server.common.db.login(self.user, {"password": self.password.get_secret_value()})
            if not isinstance(reply, list):  # trytond answers [user id, session, ...]
                raise TargetError(
                    f"Tryton at {self.url} opened no session for {self.user!r} on database "
                    f"{self.name!r} (it answered a {type(reply).__name__})"
                )
            user_id, session, _ = reply
            token = base64.b64encode(f"{self.user}:{user_id}:{session}".encode()).decode("ascii")
            return XmlrpcConfig(self.rpc_url, headers=[("Authorization", f"Session {token}")])
        except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError) as exc:
            if isinstance(exc, xmlrpc.client.ProtocolError) and exc.errcode not in (401, 403):
                raise TargetUnavailable(f"cannot reach Tryton at {self.url}: {exc}") from None
            why = exc.errmsg if isinstance(exc, xmlrpc.client.ProtocolError) else exc.faultString
            raise TargetError(
                f"Tryton at {self.url} refused the login of {self.user!r} on database {self.name!r} "
                f"({' '.join(why.split())[:200]}); check ERPFLOW_TRYTON_PASSWORD or the "
                "erpflow-tryton-password block"
            ) from None
        except OSError as exc:
            raise TargetUnavailable(f"cannot reach Tryton at {self.url}: {exc}") from None


def refused(exc: BaseException) -> bool:
    """Whether Tryton refused the data of a call (locally a UserError, remotely its XML-RPC fault)."""
    from trytond.exceptions import UserError

    return isinstance(exc, UserError) or (isinstance(exc, xmlrpc.client.Fault) and exc.faultCode == USER_ERROR)
