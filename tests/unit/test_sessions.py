"""Forming training sessions: groups per site and role, key users first, one slot each."""

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erpflow.model.sessions import NotEnoughSlots, Slot, Trainee, Trainer, form_sessions

TRACKS = {"accountant": "Accounting in Tryton", "controller": "Accounting (key users)", "sales": "Customers"}
KEY_ROLES = {"controller"}
TRAINER = Trainer("Claire Fontaine", "claire.fontaine@acme.example")
MONDAY = datetime(2027, 1, 11, 9, tzinfo=UTC)


def trainee(login: str, role: str = "accountant", site: str = "Lyon") -> Trainee:
    return Trainee(login, login.title(), f"{login}@acme.example", role, site, role in KEY_ROLES)


def slot(hours: int, room: str = "A", site: str | None = None) -> Slot:
    start = MONDAY + timedelta(hours=hours)
    return Slot(start, start + timedelta(hours=2), room, site)


def test_a_site_and_role_is_split_into_the_fewest_balanced_groups_ordered_by_login():
    people = [trainee(f"u{i:02d}") for i in reversed(range(10))]
    sessions = form_sessions(people, TRACKS, 4, [slot(h) for h in range(5)], TRAINER)
    assert [[t.login for t in s.participants] for s in sessions] == [
        ["u00", "u01", "u02", "u03"],
        ["u04", "u05", "u06"],
        ["u07", "u08", "u09"],
    ]
    assert [s.key for s in sessions] == ["lyon/accountant/1", "lyon/accountant/2", "lyon/accountant/3"]
    assert {s.title for s in sessions} == {"Accounting in Tryton"}


def test_key_user_groups_take_the_earliest_slots():
    people = [trainee("ann", "sales"), trainee("bob", "controller"), trainee("cid", "accountant")]
    sessions = form_sessions(people, TRACKS, 8, [slot(h) for h in (48, 0, 24)], TRAINER)
    assert [(s.role, s.key_users, s.slot.start.hour + 24 * (s.slot.start.day - 11)) for s in sessions] == [
        ("controller", True, 9),
        ("accountant", False, 33),
        ("sales", False, 57),
    ]


def test_a_session_only_takes_a_slot_of_its_site_or_of_any_site():
    people = [trainee("ann", site="Lyon"), trainee("bob", site="Nantes")]
    slots = [slot(0, "Rhône", "Lyon"), slot(1, "Any"), slot(2, "Loire", "Nantes")]
    sessions = {s.site: s.slot.room for s in form_sessions(people, TRACKS, 8, slots, TRAINER)}
    assert sessions == {"Lyon": "Rhône", "Nantes": "Any"}


def test_too_few_slots_names_the_site_and_how_many_fit():
    people = [trainee(f"u{i}") for i in range(5)] + [trainee("zed", site="Nantes")]
    with pytest.raises(NotEnoughSlots, match=r"3 sessions need a slot at site 'Lyon', but only 1 fit") as caught:
        form_sessions(people, TRACKS, 2, [slot(0, site="Lyon"), slot(1, site="Nantes")], TRAINER)
    assert (caught.value.site, caught.value.needed, caught.value.fit) == ("Lyon", 3, 1)


def test_session_keys_are_readable_and_slug_safe():
    sessions = form_sessions([trainee("ann", site="Saint-Étienne")], TRACKS, 8, [slot(0)], TRAINER)
    assert sessions[0].key == "saint-etienne/accountant/1"


def test_a_role_without_a_track_is_refused():
    with pytest.raises(ValueError, match="no training track for role 'pilot'"):
        form_sessions([trainee("ann", "pilot")], TRACKS, 8, [slot(0)], TRAINER)


def test_a_slot_needs_aware_times_in_order():
    with pytest.raises(ValueError, match="time-zone-aware"):
        Slot(datetime(2027, 1, 11, 9), datetime(2027, 1, 11, 11))
    with pytest.raises(ValueError, match="end after"):
        Slot(MONDAY, MONDAY)


people_strategy = st.lists(
    st.tuples(st.sampled_from(["Lyon", "Nantes"]), st.sampled_from(sorted(TRACKS))), max_size=40
).map(lambda rows: [trainee(f"p{i:03d}", role, site) for i, (site, role) in enumerate(rows)])
slots_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.sampled_from(["A", "B"]), st.sampled_from(["Lyon", "Nantes", None])),
    max_size=30,
    unique=True,
).map(lambda rows: [slot(h, room, site) for h, room, site in rows])


@settings(max_examples=200, deadline=None)
@given(people=people_strategy, group_size=st.integers(1, 6), slots=slots_strategy, data=st.data())
def test_sessions_cover_everyone_once_in_balanced_groups_or_report_missing_slots(people, group_size, slots, data):
    needed = Counter()
    for (site, _), members in Counter((t.site, t.role) for t in people).items():
        needed[site] += -(-members // group_size)
    try:
        sessions = form_sessions(people, TRACKS, group_size, slots, TRAINER)
    except NotEnoughSlots as error:
        assert error.needed == needed[error.site] > error.fit
        return
    assert sum(needed.values()) <= len(slots)
    assert sorted(t.login for s in sessions for t in s.participants) == sorted(t.login for t in people)
    assert len({s.slot for s in sessions}) == len(sessions)
    assert len({s.key for s in sessions}) == len(sessions)
    for s in sessions:
        assert 1 <= len(s.participants) <= group_size
        assert s.slot.site in (None, s.site)
        assert all(re.fullmatch(r"[a-z0-9-]+", part) for part in s.key.split("/"))
    by_group: dict[tuple[str, str], list[int]] = {}
    for s in sessions:
        by_group.setdefault((s.site, s.role), []).append(len(s.participants))
    assert all(max(sizes) - min(sizes) <= 1 for sizes in by_group.values())
    for site in {s.site for s in sessions}:
        key = [s.slot.start for s in sessions if s.site == site and s.key_users]
        other = [s.slot.start for s in sessions if s.site == site and not s.key_users]
        if key and other:
            assert max(key) <= min(other)
    shuffled = data.draw(st.permutations(people)), data.draw(st.permutations(slots))
    assert form_sessions(shuffled[0], TRACKS, group_size, shuffled[1], TRAINER) == sessions


@settings(max_examples=50, deadline=None)
@given(people=people_strategy.filter(bool), group_size=st.integers(1, 6))
def test_one_slot_short_of_the_groups_needed_raises_not_enough_slots(people, group_size):
    groups = sum(-(-n // group_size) for n in Counter((t.site, t.role) for t in people).values())
    with pytest.raises(NotEnoughSlots):
        form_sessions(people, TRACKS, group_size, [slot(h) for h in range(groups - 1)], TRAINER)


def test_a_trainees_language_is_in_the_batch_key_text_only_when_the_trainee_has_one():
    plain = Trainee("jdupont", "Jean Dupont", "jean@acme.example", "Comptable", "Lyon")
    assert repr(plain) == (
        "Trainee(login='jdupont', name='Jean Dupont', email='jean@acme.example', role='Comptable', site='Lyon', "
        "key_user=False)"
    )
    assert repr(replace(plain, language="fr")).endswith("key_user=False, language='fr')")
