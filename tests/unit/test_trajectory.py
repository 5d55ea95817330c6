"""The trajectory of a roll-out: plans in the order they follow each other, and the estimate of what remains."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from erpflow.model.errors import InputError
from erpflow.projections.trajectory import WaveStep, estimate, read_plans
from tests.plans import edit_plan

REPO = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def step(
    name: str, after: str | None = None, started: datetime | None = None, finished: datetime | None = None
) -> WaveStep:
    return WaveStep(
        name, "progressive", ["X"], after, (date(2027, 1, 1), date(2027, 1, 2)), started=started, finished=finished
    )


def plans(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "domain", tmp_path / "domain")  # the project the plans' paths stay in
    shutil.copytree(REPO / "deployments" / "demo", tmp_path / "demo")
    shutil.copytree(REPO / "deployments" / "plans", tmp_path / "plans")
    return tmp_path / "plans"


def test_plans_come_in_the_order_they_follow_each_other(tmp_path):
    folder = plans(tmp_path)
    (folder / "wave2.yaml").rename(folder / "a-wave2.yaml")  # sorts before the pilot it follows
    assert [p.wave for p in read_plans(folder)] == ["pilot", "wave2"]


@pytest.mark.parametrize(
    "changes, drop, reason",
    [
        ({"after": "nowhere"}, (), "after: 'nowhere' is not a wave planned in"),
        ({"wave": "pilot"}, ("after",), "wave 'pilot' is planned by more than one file"),
    ],
)
def test_a_folder_that_does_not_make_a_sequence_names_the_file(tmp_path, changes, drop, reason):
    folder = plans(tmp_path)
    wave2 = folder / "wave2.yaml"
    edit_plan(wave2, changes, drop=drop)
    with pytest.raises(InputError, match=reason) as raised:
        read_plans(folder)
    assert str(folder) in str(raised.value)


def test_waves_that_follow_each_other_in_a_circle_are_refused(tmp_path):
    folder = plans(tmp_path)
    pilot = folder / "pilot.yaml"
    edit_plan(pilot, {"after": "wave2"})
    with pytest.raises(InputError, match="follow each other in a circle"):
        read_plans(folder)


def test_no_estimate_before_a_wave_reaches_a_go():
    found = estimate([step("pilot", started=NOW - DAY), step("wave2", "pilot")], NOW)
    assert found.cycle_time is None and found.remaining is None and found.waves[1].remaining is None


def test_remaining_time_follows_the_longest_chain_from_the_mean_cycle_time():
    waves = [
        step("pilot", started=NOW - 30 * DAY, finished=NOW - 20 * DAY),  # 10 days
        step("lyon", "pilot", started=NOW - 26 * DAY, finished=NOW - 6 * DAY),  # 20 days: mean 15
        step("lille", "lyon", started=NOW - 5 * DAY),  # 10 days to go
        step("paris", "lille"),  # 15 more
        step("nice", "pilot"),
    ]  # 15, in parallel with lille and paris
    found = estimate(waves, NOW)
    assert found.cycle_time == 15 * DAY
    assert [w.remaining for w in found.waves] == [timedelta(), timedelta(), 10 * DAY, 15 * DAY, 15 * DAY]
    assert found.remaining == 25 * DAY


def test_a_wave_running_longer_than_the_mean_has_nothing_left_to_estimate():
    found = estimate(
        [step("pilot", started=NOW - 30 * DAY, finished=NOW - 20 * DAY), step("lyon", "pilot", started=NOW - 12 * DAY)],
        NOW,
    )
    assert found.waves[1].remaining == timedelta() and found.remaining == timedelta()
