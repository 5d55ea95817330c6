"""Training: groups per role and site, key users first, placed in slots; one invitation each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from erpflow.inputs.method import Method
from erpflow.inputs.plan import Calendar, TrainingPlan, WavePlan
from erpflow.model.items import ItemOutcome
from erpflow.model.sessions import NotEnoughSlots, Session, Slot, Trainee, Trainer, form_sessions
from erpflow.operations.accounts import Person, prepared_people
from erpflow.operations.base import Defaults, Preparing
from erpflow.operations.batches import BatchPlan, keyed, slug

if TYPE_CHECKING:
    from erpflow.targets.bundle import Targets


@dataclass(frozen=True, slots=True)
class Invitation:
    session: Session
    trainee: Trainee

    @property
    def ref(self) -> str:
        return self.trainee.login


def slots(calendar: Calendar) -> list[Slot]:
    """Every slot of a calendar: each working day x time x room."""
    zone = ZoneInfo(calendar.timezone)
    result = []
    day = calendar.start_date
    while day <= calendar.end_date:
        if day.weekday() in calendar.weekdays:
            for at in calendar.times:
                start = datetime.combine(day, at, tzinfo=zone)
                result += [
                    Slot(start, start + timedelta(minutes=calendar.minutes), room, calendar.site)
                    for room in calendar.rooms
                ]
        day += timedelta(days=1)
    return result


def trainees(method: Method, entries: list[tuple[str, Person | ItemOutcome]]) -> list[Trainee]:
    """The people accepted for accounts (``entries`` as accounts.people() gives them), as trainees."""
    roles = method.roles.roles
    return [
        Trainee(p.login, p.name, str(p.email), p.role, p.site, roles[p.role].key_user, p.language)
        for _, p in entries
        if isinstance(p, Person)
    ]


def sessions(plan: TrainingPlan, method: Method, people: list[Trainee]) -> list[Session]:
    tracks = {role_id: role.track for role_id, role in method.roles.roles.items()}
    available = [slot for calendar in plan.calendars for slot in slots(calendar)]
    trainer = Trainer(plan.trainer.name, str(plan.trainer.email))
    return form_sessions(people, tracks, plan.group_size, available, trainer)


def details(session: Session) -> dict[str, object]:
    return {
        "session": session.key,
        "title": session.title,
        "role": session.role,
        "site": session.site,
        "key_users": session.key_users,
        "start": session.slot.start.isoformat(),
        "end": session.slot.end.isoformat(),
        "room": session.slot.room,
        "trainer": session.trainer.name,
        "participants": [t.login for t in session.participants],
    }


def prepare(plan: WavePlan, method: Method, entries: list[tuple[str, Person | ItemOutcome]]) -> list[BatchPlan]:
    """One batch per session: its invitations."""
    return [
        keyed(slug(session.key), [Invitation(session, t) for t in session.participants], [], details=details(session))
        for session in sessions(plan.training, method, trainees(method, entries))
    ]


class Training(Defaults):
    """Invitations go out ``wanted`` batches at a time; only people with an account of erpflow's are invited."""

    id = "training"

    def prepare(self, preparing: Preparing) -> list[BatchPlan]:
        try:
            return prepare(preparing.plan, preparing.method, prepared_people(preparing))
        except NotEnoughSlots as exc:
            raise preparing.error(str(exc), "training", "calendars") from None

    def send(self, batch: BatchPlan, targets: Targets) -> list[ItemOutcome]:
        from email.errors import MessageError

        from erpflow.inputs.invitations import render
        from erpflow.targets.mail import build_invitation

        sender, wave = str(targets.plan.training.mail.sender), targets.plan.wave
        planned = targets.plan.training.mail.language or ""
        accounts = targets.accounts.managed([i.ref for i in batch.items])
        invited = [i for i in batch.items if i.ref in accounts]
        refused = {
            i.ref: f"not invited: no account of erpflow's for {i.ref!r}" for i in batch.items if i.ref not in accounts
        }
        messages = []
        for i in invited:
            language = i.trainee.language or planned
            templates = targets.invitations.get(language)
            try:
                texts = render(templates, language, i.session, i.trainee) if templates else None
                messages.append((i.ref, build_invitation(i.session, i.trainee, sender, wave, texts=texts)))
            except (ValueError, MessageError) as exc:
                refused[i.ref] = f"invitation not built: {' '.join(str(exc).split())}"
        sent = iter(targets.mailer.send(messages))
        return [
            ItemOutcome(i.ref, "rejected", reason=refused[i.ref]) if i.ref in refused else next(sent)
            for i in batch.items
        ]

    def lookup(self, batch: BatchPlan, targets: Targets) -> dict[str, str]:
        """Invitations already written to the outbox (an SMTP server cannot be asked: none found)."""
        return targets.mailer.find([(i.ref, i.session.key) for i in batch.items])

    def concurrency(self, wanted: int, targets: Targets) -> int:
        return wanted

    def summary(self, batches: list[BatchPlan], rows: dict[str, int]) -> str:
        if not batches:
            return ""
        starts = sorted(str(b.details["start"]) for b in batches)
        return f"{len(batches)} sessions, {starts[0][:16]} to {starts[-1][:16]}".replace("T", " ")


OPERATION = Training()
