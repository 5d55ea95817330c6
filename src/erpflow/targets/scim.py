"""User accounts in a SCIM 2.0 service provider: users by userName, role groups by displayName, idempotent.

Writes go through /Bulk when the server offers it, in requests within the operations and payload size it
advertises; one request per user otherwise. A refused user is a rejected outcome with the server's detail.
Calls run ``concurrency`` at a time; group memberships are brought up to date one batch at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from erpflow.model.accounts import Existing, Holder, Protected, mark, refusal
from erpflow.model.items import ItemOutcome, UserSpec
from erpflow.targets.errors import TargetError, TargetUnavailable

FILTER_CHUNK = 50  # userName values per filter: short URLs, few requests
CONCURRENCY = 4  # calls in flight at once to one SCIM server, by default


class ScimTarget:
    """A SCIM 2.0 server at ``url`` (its base, e.g. https://idp.acme.example/scim/v2/), with a bearer token."""

    def __init__(
        self,
        url: str,
        token: SecretStr,
        timeout: float = 30.0,
        *,
        programme: str = "default",
        protected: Protected = Protected(),
        concurrency: int = CONCURRENCY,
    ):
        self.url, self._token, self.timeout = url, token, timeout
        self.mark, self.protected = mark(programme), protected
        self._client: Any = None
        self._lock = threading.BoundedSemaphore(concurrency)
        self._opening, self._groups_lock = threading.Lock(), threading.Lock()

    def __repr__(self) -> str:
        return f"ScimTarget({self.url!r})"

    def _scim(self) -> Any:
        with self._opening:
            return self._client or self._open()

    def _open(self) -> Any:
        if self._client is None:
            import httpx2
            from scim2_client.engines.httpx2 import SyncSCIMClient
            from scim2_models import Group, ScimProvider, User

            http = httpx2.Client(
                base_url=self.url,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self._token.get_secret_value()}"},
            )
            client = SyncSCIMClient(http, provider=ScimProvider(models=[User, Group]))
            with _errors(self.url):
                client.discover()
            self._client = client
        return self._client

    @property
    def bulk_limits(self) -> tuple[int, int] | None:
        """(operations, bytes) per /Bulk request, or None when the server does not offer /Bulk."""
        bulk = self._scim().provider.config.bulk if self._scim().provider.config else None
        if bulk is None or not bulk.supported:
            return None
        return bulk.max_operations or 1000, bulk.max_payload_size or 1_048_576

    def find_users(self, logins: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lock, _errors(self.url):
            found = self._users(logins)
            return {login: _plain(found[login.lower()]) for login in logins if login.lower() in found}

    def holders(self, prefixes: Sequence[str]) -> dict[str, Holder]:
        """The users whose userName starts with one of ``prefixes`` (a filter per chunk of prefixes)."""
        from scim2_models import SearchRequest, User

        prefixes, found = list(dict.fromkeys(prefixes)), {}
        with self._lock, _errors(self.url):
            for start in range(0, len(prefixes), FILTER_CHUNK):
                query = " or ".join(f'userName sw "{_quoted(p)}"' for p in prefixes[start : start + FILTER_CHUNK])
                listed = self._scim().query(User, query_parameters=SearchRequest(filter=query, count=1000))
                for u in listed.resources or []:
                    plain = _plain(u)
                    found[u.user_name.lower()] = Holder(
                        u.user_name.lower(), plain["name"] or "", plain["email"] or "", u.external_id == self.mark
                    )
        return found

    def group_names(self) -> set[str]:
        """The display names of the server's groups (read only)."""
        with self._lock, _errors(self.url):
            return set(self._groups())

    def managed(self, logins: Sequence[str]) -> set[str]:
        """The logins whose account exists and is erpflow's for this programme (its externalId)."""
        with self._lock, _errors(self.url):
            found = self._users(logins)
            return {login for login in logins if (u := found.get(login.lower())) and u.external_id == self.mark}

    def upsert_users(self, users: Sequence[UserSpec]) -> list[ItemOutcome]:
        """Create or replace each user, then bring the membership of its role groups to what it should be; an
        account erpflow may not write (see :mod:`erpflow.model.accounts`) is rejected untouched."""
        with self._lock, _errors(self.url):
            found = self._users([u.login for u in users])
            groups = self._groups()
            member_of = {
                uid: {name for name, g in groups.items() if uid in g["members"]}
                for uid in (u.id for u in found.values())
            }
            writes, outcomes = [], {}
            for i, spec in enumerate(users):
                current = found.get(spec.login.lower())
                before = _plain(current, member_of.get(current.id, set())) if current else None
                existing = (
                    Existing(current.external_id == self.mark, frozenset(before["groups"]))
                    if current and before
                    else None
                )
                if why := refusal(spec.login, spec.groups, existing, spec.adopt, self.protected):
                    outcomes[i] = ItemOutcome(spec.login, "rejected", reason=why, source=spec.source)
                    continue
                want = {"name": spec.name, "email": spec.email or None, "groups": sorted(set(spec.groups))}
                if current is None or before is None:  # no such account yet
                    writes.append((i, "POST", "/Users", _user(spec, self.mark)))
                    continue
                changes = {k: [before[k], v] for k, v in want.items() if before[k] != v}
                if existing is not None and not existing.managed:
                    changes["adopted"] = [False, True]
                outcomes[i] = ItemOutcome(
                    spec.login, "updated" if changes else "unchanged", current.id, source=spec.source, changes=changes
                )
                if set(changes) - {"groups"}:
                    writes.append((i, "PUT", f"/Users/{current.id}", _user(spec, self.mark, current.id)))
            for i, (_status, erp_id, reason) in self._write(writes).items():
                spec = users[i]
                if reason:
                    outcomes[i] = ItemOutcome(spec.login, "rejected", reason=reason, source=spec.source)
                elif i not in outcomes:
                    outcomes[i] = ItemOutcome(
                        spec.login,
                        "created",
                        erp_id,
                        source=spec.source,
                        changes={
                            "name": [None, spec.name],
                            "email": [None, spec.email or None],
                            "groups": [None, sorted(set(spec.groups))],
                        },
                    )
            self._memberships(users, outcomes, groups)
            return [outcomes[i] for i in range(len(users))]

    def _users(self, logins: Sequence[str]) -> dict[str, Any]:
        """Existing users by lower-cased userName (SCIM compares userName case-insensitively)."""
        from scim2_models import SearchRequest, User

        found = {}
        for start in range(0, len(logins), FILTER_CHUNK):
            chunk = logins[start : start + FILTER_CHUNK]
            query = " or ".join(f'userName eq "{_quoted(login)}"' for login in chunk)
            listed = self._scim().query(User, query_parameters=SearchRequest(filter=query, count=len(chunk) * 2))
            found.update({u.user_name.lower(): u for u in listed.resources or []})
        return found

    def _groups(self) -> dict[str, dict[str, Any]]:
        """Every group: displayName -> {id, members (user ids)}."""
        from scim2_models import Group, SearchRequest

        groups, start = {}, 1
        while True:
            listed = self._scim().query(Group, query_parameters=SearchRequest(start_index=start, count=200))
            for g in listed.resources or []:
                groups[g.display_name] = {"id": g.id, "members": {m.value for m in g.members or []}}
            start += len(listed.resources or [])
            if not listed.resources or start > (listed.total_results or 0):
                return groups

    def _write(self, writes: list[tuple[int, str, str, Any]]) -> dict[int, tuple[int, str, str]]:
        """Each write's (HTTP status, id, refusal reason), through /Bulk when offered."""
        limits = self.bulk_limits
        if limits is None:
            return {i: self._single(method, path, user) for i, method, path, user in writes}
        results = {}
        for chunk in _chunks(writes, *limits):
            results.update(self._bulk(chunk))
        return results

    def _bulk(self, chunk: list[tuple[int, str, str, Any]]) -> dict[int, tuple[int, str, str]]:
        from scim2_models import BulkOperation, BulkRequest, Error, User

        request = BulkRequest[User](
            operations=[
                BulkOperation[User](method=method, path=path, bulk_id=str(i), data=user)
                for i, method, path, user in chunk
            ]
        )
        answer = self._scim().bulk(request)
        if isinstance(answer, Error):
            raise TargetError(f"SCIM /Bulk refused: {answer.status} {answer.detail}")
        results = {}
        for op in answer.operations or []:
            i = (
                int(op.bulk_id)
                if op.bulk_id
                else next(c[0] for c in chunk if op.location and op.location.endswith(c[2]))
            )
            status = int(op.status or 0)
            reason = _refusal(status, op.response) if not 200 <= status < 300 else ""
            results[i] = (status, (op.location or "").rstrip("/").rsplit("/", 1)[-1], reason)
        return results

    def _single(self, method: str, path: str, user: Any) -> tuple[int, str, str]:
        from scim2_client import SCIMResponseException

        try:
            saved = self._scim().create(user) if method == "POST" else self._scim().replace(user)
        except SCIMResponseException as exc:
            return int(getattr(exc, "status", 400) or 400), "", f"SCIM: {exc}"
        return 201 if method == "POST" else 200, saved.id, ""

    def _memberships(
        self, users: Sequence[UserSpec], outcomes: dict[int, ItemOutcome], groups: dict[str, dict[str, Any]]
    ) -> None:
        """Add each loaded user to its role groups and remove it from the others (groups made if missing)."""
        wanted: dict[str, set[str]] = {}
        for spec, outcome in ((users[i], o) for i, o in outcomes.items() if o.status != "rejected"):
            for name in spec.groups:
                wanted.setdefault(name, set()).add(str(outcome.erp_id))
        loaded = {str(o.erp_id) for o in outcomes.values() if o.status != "rejected"}
        with self._groups_lock:  # groups another batch made meanwhile are patched, not made twice
            self._patch_groups(wanted, loaded, self._groups() if wanted.keys() - groups.keys() else groups)

    def _patch_groups(self, wanted: dict[str, set[str]], loaded: set[str], groups: dict[str, dict[str, Any]]) -> None:
        from scim2_models import Group, GroupMember, PatchOp, PatchOperation

        for name in sorted(wanted.keys() | groups.keys()):
            want = wanted.get(name, set())
            if name not in groups:
                self._scim().create(
                    Group(display_name=name, members=[GroupMember(value=v, type="User") for v in sorted(want)])
                )
                continue
            current = groups[name]["members"] & loaded
            add, remove = sorted(want - current), sorted(current - want)
            operations = (
                [PatchOperation[Group](op="add", path="members", value=[{"value": v} for v in add])] if add else []
            )
            operations += [PatchOperation[Group](op="remove", path=f'members[value eq "{v}"]') for v in remove]
            if operations:
                self._scim().modify(Group, groups[name]["id"], PatchOp[Group](operations=operations))


def _refusal(status: int, response: Any) -> str:
    """One line for a refused /Bulk operation, with the server's detail when it sends one."""
    detail = getattr(response, "detail", None) or getattr(response, "scim_type", None) or "no detail"
    return f"SCIM {status or 'no status'}: {detail}"


def _user(spec: UserSpec, marked: str, user_id: str | None = None) -> Any:
    from scim2_models import Email, User

    return User(
        id=user_id,
        user_name=spec.login,
        display_name=spec.name,
        active=True,
        external_id=marked,
        emails=[Email(value=spec.email, primary=True)] if spec.email else None,
    )


def _plain(user: Any, groups: set[str] | None = None) -> dict[str, Any]:
    email = next((e.value for e in user.emails or [] if e.primary), None) or next(
        (e.value for e in user.emails or []), None
    )
    found = {"id": user.id, "name": user.display_name, "email": email}
    return found if groups is None else {**found, "groups": sorted(groups)}


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _chunks(writes: list[tuple[int, str, str, Any]], operations: int, size: int) -> Iterator[list]:
    """Writes grouped under the server's /Bulk limits (operations, and bytes with room for the envelope)."""
    chunk: list = []
    used = 200
    for write in writes:
        cost = len(json.dumps(write[3].model_dump(mode="json", exclude_none=True))) + 150
        if chunk and (len(chunk) >= operations or used + cost > size * 0.9):
            yield chunk
            chunk, used = [], 200
        chunk.append(write)
        used += cost
    if chunk:
        yield chunk


@contextmanager
def _errors(url: str) -> Iterator[None]:
    """Network failures and server errors as target errors; the token never in the message."""
    from scim2_client import RequestNetworkException, SCIMClientException
    from scim2_models.exceptions import SCIMException, UnauthorizedException

    try:
        yield
    except RequestNetworkException as exc:
        raise TargetUnavailable(f"cannot reach the SCIM server at {url}: {exc}".splitlines()[0]) from None
    except UnauthorizedException:
        raise TargetError(f"the SCIM server at {url} refused the token (ERPFLOW_SCIM_TOKEN)") from None
    except (SCIMClientException, SCIMException) as exc:
        raise TargetError(f"SCIM server at {url}: {exc}".splitlines()[0]) from None
