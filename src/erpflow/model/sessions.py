"""Training sessions: trainees grouped by site and role, key users first, each group in a free slot."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

__all__ = ["NotEnoughSlots", "Session", "Slot", "Trainee", "Trainer", "form_sessions"]


@dataclass(frozen=True, slots=True)
class Trainee:
    login: str
    name: str
    email: str
    role: str
    site: str
    key_user: bool = False
    language: str = ""  # the invitation's language; empty: the plan's

    def __repr__(self) -> str:
        """As the dataclass writes it, without an empty language: batch keys digest this text, and those of waves
        recorded before trainees had a language must not change."""
        shown = [f for f in fields(self) if f.name != "language" or self.language]
        return f"{type(self).__qualname__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in shown)})"


@dataclass(frozen=True, slots=True)
class Slot:
    """A time and room a session can take; site None means any site."""

    start: datetime
    end: datetime
    room: str = ""
    site: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a slot needs time-zone-aware start and end")
        if self.end <= self.start:
            raise ValueError("a slot must end after it starts")

    def fits(self, site: str) -> bool:
        return self.site is None or self.site == site


@dataclass(frozen=True, slots=True)
class Trainer:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Session:
    key: str
    title: str
    role: str
    site: str
    track: str
    key_users: bool
    slot: Slot
    trainer: Trainer
    participants: tuple[Trainee, ...]


class NotEnoughSlots(Exception):
    """The calendar has fewer free slots than a site needs sessions."""

    def __init__(self, site: str, needed: int, fit: int):
        self.site, self.needed, self.fit = site, needed, fit
        super().__init__(f"{needed} sessions need a slot at site {site!r}, but only {fit} fit in the calendar")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def _balanced(members: list[Trainee], group_size: int) -> list[list[Trainee]]:
    """The fewest groups of at most group_size, sizes differing by at most one."""
    count = -(-len(members) // group_size)
    small, extra = divmod(len(members), count)
    groups, at = [], 0
    for index in range(count):
        size = small + (index < extra)
        groups.append(members[at : at + size])
        at += size
    return groups


def _order(trainee: Trainee) -> tuple[str, str, str, str, str, bool]:
    return (trainee.login, trainee.name, trainee.email, trainee.role, trainee.site, trainee.key_user)


def form_sessions(
    trainees: Iterable[Trainee], tracks: Mapping[str, str], group_size: int, slots: Sequence[Slot], trainer: Trainer
) -> list[Session]:
    """Sessions in schedule order: key-user groups first, then by site, role and group.

    A role's groups at a site are key-user groups when any of its trainees is a key user.
    Each group takes the earliest free slot of its site (or of any site).
    """
    if group_size < 1:
        raise ValueError("group_size must be at least 1")
    by_group: dict[tuple[str, str], list[Trainee]] = {}
    for trainee in sorted(trainees, key=_order):
        by_group.setdefault((trainee.site, trainee.role), []).append(trainee)
    missing = sorted({role for _, role in by_group} - set(tracks))
    if missing:
        raise ValueError(f"no training track for role {missing[0]!r}")
    with_key_user = {group: any(t.key_user for t in members) for group, members in by_group.items()}
    planned = sorted(
        (
            (not with_key_user[(site, role)], site, role, number, tuple(group))
            for (site, role), members in by_group.items()
            for number, group in enumerate(_balanced(members, group_size), start=1)
        ),
        key=lambda p: p[:4],
    )
    free = sorted(slots, key=lambda s: (s.start, s.end, s.room, s.site or ""))
    sessions: list[Session] = []
    short: dict[str, list[int]] = {}  # site -> [needed, fit]
    for not_key, site, role, number, group in planned:
        counts = short.setdefault(site, [0, 0])
        counts[0] += 1
        slot = next((s for s in free if s.fits(site)), None)
        if slot is None:
            continue
        free.remove(slot)
        counts[1] += 1
        sessions.append(
            Session(
                f"{_slug(site)}/{_slug(role)}/{number}",
                tracks[role],
                role,
                site,
                tracks[role],
                not not_key,
                slot,
                trainer,
                group,
            )
        )
    for site, (needed, fit) in sorted(short.items()):
        if fit < needed:
            raise NotEnoughSlots(site, needed, fit)
    return sessions
