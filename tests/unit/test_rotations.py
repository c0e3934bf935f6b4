"""Rotations: handoffs at a fixed local time across DST, counting before the start, overrides, reasons, build errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from chalicelib.routing.rotations import Override, Rotation

NY = ZoneInfo("America/New_York")
SYD = ZoneInfo("Australia/Sydney")
H = timedelta(hours=1)


def at(zone: tzinfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold)


DAILY = Rotation.build("support", ["ana", "ben", "cai"], "daily", "09:00", "America/New_York", date(2026, 11, 2))
WEEKLY = Rotation.build(
    "primary",
    ["leo", "maya"],
    "weekly",
    "09:00",
    "America/New_York",
    date(2026, 10, 26),
    [
        ("maya", at(NY, 2026, 11, 25, 9), at(NY, 2026, 11, 27, 9)),
        ("sam", at(UTC, 2026, 11, 26, 5), at(UTC, 2026, 11, 26, 17)),  # 00:00–12:00 New York, given in UTC
        ("ana", at(NY, 2026, 11, 28, 10), at(NY, 2026, 11, 28, 12)),
        ("ben", at(NY, 2026, 11, 28, 10), at(NY, 2026, 11, 28, 11)),  # same start, listed later: wins
    ],
)
APAC = Rotation.build("apac", ["kai", "lena", "mo"], "weekly", "09:00", "Australia/Sydney", date(2026, 3, 30))
GAP = Rotation.build("gap", ["x", "y"], "daily", "02:30", "America/New_York", date(2026, 3, 1))
REPEAT = Rotation.build("repeat", ["x", "y"], "daily", "01:30", "America/New_York", date(2026, 11, 1))


@pytest.mark.parametrize(
    ("rotation", "now", "person", "shift_start", "real_hours"),
    [
        # daily handoff at 09:00: just before, at, just after
        pytest.param(DAILY, at(NY, 2026, 11, 2, 8, 59), "cai", at(NY, 2026, 11, 1, 9), 24, id="daily-before-start"),
        pytest.param(DAILY, at(NY, 2026, 11, 2, 9, 0), "ana", at(NY, 2026, 11, 2, 9), 24, id="daily-first-handoff"),
        pytest.param(DAILY, at(NY, 2026, 11, 2, 9, 1), "ana", at(NY, 2026, 11, 2, 9), 24, id="daily-after-handoff"),
        pytest.param(DAILY, at(NY, 2026, 11, 3, 8, 59), "ana", at(NY, 2026, 11, 2, 9), 24, id="daily-next-0859"),
        pytest.param(DAILY, at(NY, 2026, 11, 3, 9, 0), "ben", at(NY, 2026, 11, 3, 9), 24, id="daily-next-0900"),
        pytest.param(DAILY, at(NY, 2026, 11, 5, 9, 0), "ana", at(NY, 2026, 11, 5, 9), 24, id="daily-wraps-around"),
        pytest.param(DAILY, at(UTC, 2026, 11, 3, 14), "ben", at(NY, 2026, 11, 3, 9), 24, id="daily-asked-in-utc"),
        # before `start`, over the fall-back night: the shift is 25 real hours
        pytest.param(DAILY, at(NY, 2026, 10, 31, 12), "ben", at(NY, 2026, 10, 31, 9), 25, id="daily-fall-back-25h"),
        # weekly, New York fall back: 169 hours, handoff still at 09:00 local
        pytest.param(WEEKLY, at(NY, 2026, 10, 26, 8, 59), "maya", at(NY, 2026, 10, 19, 9), 168, id="weekly-before"),
        pytest.param(WEEKLY, at(NY, 2026, 10, 26, 9), "leo", at(NY, 2026, 10, 26, 9), 169, id="weekly-at-handoff"),
        pytest.param(WEEKLY, at(NY, 2026, 11, 1, 1, 30, 1), "leo", at(NY, 2026, 10, 26, 9), 169, id="weekly-fold"),
        pytest.param(WEEKLY, at(NY, 2026, 11, 2, 8, 59), "leo", at(NY, 2026, 10, 26, 9), 169, id="weekly-0859-est"),
        pytest.param(WEEKLY, at(NY, 2026, 11, 2, 9, 0), "maya", at(NY, 2026, 11, 2, 9), 168, id="weekly-0900-est"),
        # weekly, New York spring forward, long before `start`: 167 hours
        pytest.param(WEEKLY, at(NY, 2026, 3, 9, 8, 59), "leo", at(NY, 2026, 3, 2, 9), 167, id="weekly-spring-0859"),
        pytest.param(WEEKLY, at(NY, 2026, 3, 9, 9, 0), "maya", at(NY, 2026, 3, 9, 9), 168, id="weekly-spring-0900"),
        # Sydney: DST ends 2026-04-05 (169 h), starts 2026-10-04 (167 h)
        pytest.param(APAC, at(SYD, 2026, 4, 6, 8, 59), "kai", at(SYD, 2026, 3, 30, 9), 169, id="syd-dst-ends-0859"),
        pytest.param(APAC, at(SYD, 2026, 4, 6, 9, 0), "lena", at(SYD, 2026, 4, 6, 9), 168, id="syd-dst-ends-0900"),
        pytest.param(APAC, at(SYD, 2026, 10, 5, 8, 59), "mo", at(SYD, 2026, 9, 28, 9), 167, id="syd-dst-starts-0859"),
        pytest.param(APAC, at(SYD, 2026, 10, 5, 9, 0), "kai", at(SYD, 2026, 10, 5, 9), 168, id="syd-dst-starts-0900"),
        # a handoff inside the spring-forward gap happens at 03:30 EDT (fold=0: the pre-gap offset)
        pytest.param(GAP, at(NY, 2026, 3, 8, 3, 15), "x", at(NY, 2026, 3, 7, 2, 30), 24, id="gap-handoff-not-yet"),
        pytest.param(GAP, at(NY, 2026, 3, 8, 3, 30), "y", at(NY, 2026, 3, 8, 2, 30), 23, id="gap-handoff-0330-edt"),
        # a handoff inside the repeated hour happens once, at the first 01:30
        pytest.param(REPEAT, at(NY, 2026, 11, 1, 1, 29), "y", at(NY, 2026, 10, 31, 1, 30), 24, id="repeat-0129-edt"),
        pytest.param(REPEAT, at(NY, 2026, 11, 1, 1, 30), "x", at(NY, 2026, 11, 1, 1, 30), 25, id="repeat-0130-edt"),
        pytest.param(REPEAT, at(NY, 2026, 11, 1, 1, 45, 1), "x", at(NY, 2026, 11, 1, 1, 30), 25, id="repeat-0145-est"),
    ],
)
def test_on_call(rotation: Rotation, now: datetime, person: str, shift_start: datetime, real_hours: int) -> None:
    # GIVEN a rotation and an instant
    # WHEN asked who is on call
    on_call = rotation.on_call(now)
    # THEN the right person holds the right shift, measured in real hours, in the rotation's zone
    assert on_call.person == on_call.scheduled == person
    assert on_call.override is None
    assert on_call.shift_start.astimezone(UTC) == shift_start.astimezone(UTC)
    assert on_call.shift_end.astimezone(UTC) - on_call.shift_start.astimezone(UTC) == real_hours * H
    assert on_call.shift_start.tzinfo is rotation.timezone


@pytest.mark.parametrize(
    ("now", "person", "override_person"),
    [
        pytest.param(at(NY, 2026, 11, 25, 8, 59), "leo", None, id="just-before-override"),
        pytest.param(at(NY, 2026, 11, 25, 9, 0), "maya", "maya", id="override-starts"),
        pytest.param(at(NY, 2026, 11, 26, 0, 0), "sam", "sam", id="later-starting-overlap-wins"),
        pytest.param(at(NY, 2026, 11, 26, 11, 59), "sam", "sam", id="inner-override-last-minute"),
        pytest.param(at(NY, 2026, 11, 26, 12, 0), "maya", "maya", id="inner-override-ends"),
        pytest.param(at(NY, 2026, 11, 27, 8, 59), "maya", "maya", id="outer-override-last-minute"),
        pytest.param(at(NY, 2026, 11, 27, 9, 0), "leo", None, id="override-ends"),
        pytest.param(at(NY, 2026, 11, 28, 10, 30), "ben", "ben", id="tie-listed-last-wins"),
        pytest.param(at(NY, 2026, 11, 28, 11, 30), "ana", "ana", id="tie-loser-after-winner-ends"),
        pytest.param(at(NY, 2026, 11, 28, 12, 0), "leo", None, id="back-to-rotation"),
    ],
)
def test_overrides(now: datetime, person: str, override_person: str | None) -> None:
    # GIVEN leo's week with overlapping overrides WHEN asked who is on call
    on_call = WEEKLY.on_call(now)
    # THEN the latest-starting override covering now wins, half-open, and the regular shift is still reported
    assert on_call.person == person
    assert (on_call.override.person if on_call.override else None) == override_person
    assert on_call.scheduled == "leo"
    assert on_call.shift_start.astimezone(UTC) == at(NY, 2026, 11, 23, 9).astimezone(UTC)


@pytest.mark.parametrize(
    ("rotation", "now", "expected"),
    [
        pytest.param(
            WEEKLY,
            at(NY, 2026, 11, 24, 12),
            "rotation primary: leo on call (Mon 23 Nov 09:00 – Mon 30 Nov 09:00 America/New_York)",
            id="regular",
        ),
        pytest.param(
            WEEKLY,
            at(NY, 2026, 11, 25, 10),
            "rotation primary: maya on call by override until Fri 27 Nov 09:00 America/New_York (instead of leo)",
            id="override",
        ),
        pytest.param(
            WEEKLY,
            at(NY, 2026, 11, 26, 1),
            "rotation primary: sam on call by override until Thu 26 Nov 12:00 America/New_York (instead of leo)",
            id="override-given-in-utc-shown-in-zone",
        ),
        pytest.param(
            APAC,
            at(UTC, 2026, 4, 1),
            "rotation apac: kai on call (Mon 30 Mar 09:00 – Mon 6 Apr 09:00 Australia/Sydney)",
            id="sydney-over-dst-end",
        ),
        pytest.param(
            Rotation.build(
                "solo",
                ["leo"],
                "daily",
                "09:00",
                "UTC",
                date(2026, 1, 1),
                [("leo", at(UTC, 2026, 1, 1), at(UTC, 2026, 1, 3))],
            ),
            at(UTC, 2026, 1, 2, 12),
            "rotation solo: leo on call by override until Sat 3 Jan 00:00 UTC",
            id="override-by-the-scheduled-person",
        ),
    ],
)
def test_reason(rotation: Rotation, now: datetime, expected: str) -> None:
    # GIVEN who is on call WHEN the decision explains it THEN one line names the person, the shift or the override
    assert rotation.on_call(now).reason(rotation.name) == expected


def test_an_override_spanning_handoffs_holds_in_every_shift_it_touches() -> None:
    # GIVEN a daily rotation with an old override and one from Tuesday noon to Thursday noon
    rotation = Rotation.build(
        "support",
        ["ana", "ben", "cai"],
        "daily",
        "09:00",
        "America/New_York",
        date(2026, 11, 2),
        [("old", at(NY, 2020, 1, 1), at(NY, 2020, 1, 2)), ("dee", at(NY, 2026, 11, 3, 12), at(NY, 2026, 11, 5, 12))],
    )
    # WHEN asked across three shifts THEN dee is on call throughout, instead of each scheduled person in turn
    instants = [at(NY, 2026, 11, 3, 11, 59), at(NY, 2026, 11, 3, 12), at(NY, 2026, 11, 4, 9), at(NY, 2026, 11, 5, 11)]
    answers = [(c.person, c.scheduled) for c in map(rotation.on_call, [*instants, at(NY, 2026, 11, 5, 12)])]
    assert answers == [("ben", "ben"), ("dee", "ben"), ("dee", "cai"), ("dee", "ana"), ("ana", "ana")]


def test_the_shift_cache_follows_time_in_both_directions() -> None:
    # GIVEN one rotation asked about instants out of order WHEN each is answered THEN each answer is its own shift
    instants = [at(NY, 2026, 11, 3, 9), at(NY, 2026, 11, 2, 9), at(NY, 2026, 11, 3, 8, 59), at(NY, 2026, 11, 4, 9)]
    assert [DAILY.on_call(now).person for now in instants] == ["ben", "ana", "ana", "cai"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"members": []}, "no members: a rotation needs at least one person", id="no-members"),
        pytest.param({"members": ["leo", "maya", "leo"]}, "member 'leo' is listed twice", id="duplicate-member"),
        pytest.param({"members": "leo"}, "members 'leo': give a list of people", id="members-as-a-string"),
        pytest.param({"period": "monthly"}, "period 'monthly': use daily or weekly", id="period"),
        pytest.param({"handoff": "9am"}, "handoff '9am': write HH:MM on a 24-hour clock", id="handoff-format"),
        pytest.param({"handoff": "24:00"}, "handoff '24:00'", id="handoff-24"),
        pytest.param({"handoff": "09:60"}, "handoff '09:60'", id="handoff-minutes"),
        pytest.param(
            {"timezone": "Eastern"}, "unknown time zone 'Eastern': use an IANA name such as America/New_York", id="zone"
        ),
        pytest.param({"start": datetime(2026, 11, 23, 9, tzinfo=NY)}, "give a date such as", id="start-datetime"),
        pytest.param(
            {"overrides": [("maya", at(NY, 2026, 11, 27, 9), at(NY, 2026, 11, 25, 9))]},
            "override for maya: end 2026-11-25T09:00:00-05:00 is not after start",
            id="override-backwards",
        ),
        pytest.param(
            {"overrides": [("maya", at(NY, 2026, 11, 25, 9), at(UTC, 2026, 11, 25, 14))]},
            "is not after start",
            id="override-empty-across-zones",
        ),
        pytest.param(
            {"overrides": [("maya", datetime(2026, 11, 25, 9), datetime(2026, 11, 27, 9))]},
            "give start and end with a time zone",
            id="override-naive",
        ),
    ],
)
def test_build_rejects_with_an_actionable_message(kwargs: dict[str, object], message: str) -> None:
    # GIVEN a rotation config with one mistake
    config: dict[str, object] = {
        "name": "primary",
        "members": ["leo", "maya"],
        "period": "weekly",
        "handoff": "09:00",
        "timezone": "America/New_York",
        "start": date(2026, 11, 23),
    } | kwargs
    # WHEN built THEN the ValueError says what to fix
    with pytest.raises(ValueError) as err:
        Rotation.build(**config)  # type: ignore[arg-type]
    assert message in str(err.value)


def test_naive_now_is_refused() -> None:
    # GIVEN a naive datetime WHEN asked who is on call THEN the rotation refuses to guess a zone
    with pytest.raises(ValueError, match="naive datetime"):
        WEEKLY.on_call(datetime(2026, 11, 24, 12))


def test_override_is_a_value() -> None:
    # GIVEN the same override given in two zones WHEN compared THEN they are the same instant range
    assert Override("maya", at(NY, 2026, 11, 25, 9), at(NY, 2026, 11, 27, 9)) == Override(
        "maya", at(UTC, 2026, 11, 25, 14), at(UTC, 2026, 11, 27, 14)
    )


@pytest.mark.parametrize("rotation", [DAILY, WEEKLY, APAC, GAP, REPEAT], ids=lambda r: r.name)
def test_who_is_on_call_holds_through_the_stretch_it_names(rotation: Rotation) -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC) if rotation.timezone is NY else datetime(2026, 3, 30, tzinfo=UTC)
    for k in range(0, 14 * 24 * 4):
        now = start + k * timedelta(minutes=15, seconds=7)
        # WHEN asked who is on call, with the stretch that answer holds through
        answer, lo, hi = rotation.on_call_through(now)
        # THEN it is on_call's answer, and the same anywhere in [lo, hi)
        assert answer is rotation.on_call(now)
        assert lo <= now < hi
        for t in (lo, lo + (hi - lo) / 2, hi - timedelta(microseconds=1)):
            assert rotation.on_call(t) is answer, (now, t)
