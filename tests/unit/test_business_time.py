"""Business-time arithmetic: only open time counts, in real elapsed time, across weekends, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.routing.calendars import Calendar

NY = ZoneInfo("America/New_York")
SYD = ZoneInfo("Australia/Sydney")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(zone: tzinfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold)


OFFICE = Calendar.build(
    "office", "America/New_York", {"mon-fri": ["09:00-18:00"]}, {date(2026, 11, 26): "Thanksgiving"}
)
LUNCH = Calendar.build("lunch", "America/New_York", {"mon-fri": ["09:00-12:30", "13:30-18:00"]})
NY_NIGHT = Calendar.build("ny-night", "America/New_York", {"sat": ["22:00-06:00+1"]})
SYD_NIGHT = Calendar.build("syd-night", "Australia/Sydney", {"sat": ["22:00-06:00+1"]})
DAILY_NY = Calendar.build("daily", "America/New_York", {"daily": ["09:00-18:00"]})


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        pytest.param(OFFICE, at(NY, 2026, 11, 20, 16), 4 * H, at(NY, 2026, 11, 23, 11), id="friday-1600-over-weekend"),
        pytest.param(OFFICE, at(NY, 2026, 11, 25, 16), 4 * H, at(NY, 2026, 11, 27, 11), id="over-thanksgiving"),
        pytest.param(OFFICE, at(NY, 2026, 11, 9, 9), 36 * H, at(NY, 2026, 11, 12, 18), id="four-full-days"),
        pytest.param(LUNCH, at(NY, 2026, 11, 16, 11), 3 * H, at(NY, 2026, 11, 16, 15), id="over-lunch"),
        pytest.param(LUNCH, at(NY, 2026, 11, 16, 12, 45), 30 * M, at(NY, 2026, 11, 16, 14), id="starting-in-lunch"),
        pytest.param(OFFICE, at(NY, 2026, 11, 21, 10), H, at(NY, 2026, 11, 23, 10), id="starting-saturday"),
        pytest.param(OFFICE, at(NY, 2026, 11, 17, 3), H, at(NY, 2026, 11, 17, 10), id="starting-before-open"),
        pytest.param(OFFICE, at(NY, 2026, 11, 20, 18), H, at(NY, 2026, 11, 23, 10), id="starting-exactly-at-close"),
        # running out exactly at a close ends at the close: "by 18:00 today", as a person reads it
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 14), 4 * H, at(NY, 2026, 11, 16, 18), id="ending-exactly-at-close"),
        pytest.param(LUNCH, at(NY, 2026, 11, 16, 12), 30 * M, at(NY, 2026, 11, 16, 12, 30), id="ending-at-lunch"),
        pytest.param(OFFICE, at(NY, 2026, 11, 21, 10), timedelta(0), at(NY, 2026, 11, 23, 9), id="zero-when-closed"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 10), timedelta(0), at(NY, 2026, 11, 16, 10), id="zero-when-open"),
        # fall-back night: 22:00 EDT + 8 real hours is 05:00 EST, and the window holds 9 hours, not 8
        pytest.param(NY_NIGHT, at(NY, 2026, 10, 31, 22), 8 * H, at(NY, 2026, 11, 1, 5), id="ny-fall-back-8h"),
        pytest.param(NY_NIGHT, at(NY, 2026, 10, 31, 22), 9 * H - M, at(NY, 2026, 11, 1, 5, 59), id="ny-fall-back-9h"),
        # spring-forward night: the window holds 7 real hours
        pytest.param(NY_NIGHT, at(NY, 2026, 3, 7, 22), 6 * H, at(NY, 2026, 3, 8, 5), id="ny-spring-6h"),
        pytest.param(NY_NIGHT, at(NY, 2026, 3, 7, 22), 7 * H, at(NY, 2026, 3, 8, 6), id="ny-spring-7h-fills"),
        # Sydney: DST ends on 2026-04-05 (9-hour night), starts on 2026-10-04 (7-hour night)
        pytest.param(SYD_NIGHT, at(SYD, 2026, 4, 4, 22), 8 * H, at(SYD, 2026, 4, 5, 5), id="syd-dst-ends-8h"),
        pytest.param(SYD_NIGHT, at(SYD, 2026, 10, 3, 22), 6 * H, at(SYD, 2026, 10, 4, 5), id="syd-dst-starts-6h"),
        # a 09:00–18:00 window on a DST-change day is still 9 real hours
        pytest.param(DAILY_NY, at(NY, 2026, 3, 8, 9), 9 * H, at(NY, 2026, 3, 8, 18), id="dst-day-window-9h"),
        # the start in another zone: Friday 16:00 New York is Saturday 08:00 in Sydney
        pytest.param(OFFICE, at(SYD, 2026, 11, 21, 8), 4 * H, at(NY, 2026, 11, 23, 11), id="start-given-in-sydney"),
    ],
)
def test_add_business_time(calendar: Calendar, start: datetime, duration: timedelta, expected: datetime) -> None:
    # GIVEN a calendar, a start and an amount of business time
    # WHEN the deadline is computed
    deadline = calendar.add_business_time(start, duration)
    # THEN it is the expected instant, in the calendar's zone
    assert deadline.astimezone(UTC) == expected.astimezone(UTC)
    assert deadline.tzinfo is calendar.timezone


def test_zero_duration_is_next_open() -> None:
    # GIVEN starts open, closed and at a close WHEN adding nothing THEN the answer is next_open(start)
    for start in (at(NY, 2026, 11, 16, 10), at(NY, 2026, 11, 21, 10), at(NY, 2026, 11, 20, 18)):
        assert OFFICE.add_business_time(start, timedelta(0)) == OFFICE.next_open(start)


def test_negative_duration_is_refused() -> None:
    # GIVEN a negative duration WHEN added THEN ValueError
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add_business_time(at(NY, 2026, 11, 16, 10), -H)


# calendars whose boundaries sit in DST gaps and repeats, on a 15-minute grid so sampling measures open time exactly
PROPERTY_CALENDARS = [
    Calendar.build(
        "ny-mixed",
        "America/New_York",
        {"mon-fri": ["09:00-12:30", "13:30-18:00"], "sat": ["23:00-02:30+1"], "sun": ["02:45-03:15", "10:00-11:00"]},
        {date(2026, 11, 26): "Thanksgiving", date(2026, 3, 6): "closed"},
    ),
    Calendar.build("syd", "Australia/Sydney", {"daily": ["01:30-02:45", "22:00-24:00"]}),
    Calendar.build("kathmandu", "Asia/Kathmandu", {"sun-thu": ["09:00-17:00"], "fri": ["20:00-04:00+1"]}),
]
STEP = timedelta(minutes=15)
# a few days before each DST change in both zones, and the end of January
BASES = [
    datetime(2026, 3, 5, 12, tzinfo=UTC),
    datetime(2026, 10, 29, 12, tzinfo=UTC),
    datetime(2026, 4, 2, 12, tzinfo=UTC),
    datetime(2026, 10, 1, 12, tzinfo=UTC),
    datetime(2026, 1, 29, 12, tzinfo=UTC),
]


def open_time(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time in [start, end), measured with is_open alone, one 15-minute step at a time."""
    steps = (end.astimezone(UTC) - start.astimezone(UTC)) // STEP
    return STEP * sum(calendar.is_open(start + i * STEP) for i in range(steps))


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    calendar=st.sampled_from(PROPERTY_CALENDARS),
    base=st.sampled_from(BASES),
    offset=st.integers(min_value=0, max_value=6 * 96),
    a=st.integers(min_value=0, max_value=80),
    b=st.integers(min_value=1, max_value=80),
)
def test_add_business_time_properties(calendar: Calendar, base: datetime, offset: int, a: int, b: int) -> None:
    # GIVEN a start on the 15-minute grid near a DST change, and two durations
    start = base + offset * STEP
    # WHEN the deadline is computed
    deadline = calendar.add_business_time(start, a * STEP)
    # THEN it is not before the start; it is an open instant, or the close where positive time ran out;
    # and exactly the asked open time lies between them
    assert deadline.astimezone(UTC) >= start
    assert calendar.is_open(deadline) or (a > 0 and calendar.is_open(deadline - timedelta(microseconds=1)))
    assert open_time(calendar, start, deadline) == a * STEP
    # AND adding in two steps is adding once (b > 0: a zero step from a close moves to the next opening)
    twice = calendar.add_business_time(deadline, b * STEP)
    assert twice.astimezone(UTC) == calendar.add_business_time(start, (a + b) * STEP).astimezone(UTC)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(
    calendar_index=st.sampled_from(range(len(PROPERTY_CALENDARS))),
    base=st.sampled_from(BASES),
    asks=st.lists(st.tuples(st.integers(0, 6 * 96), st.integers(0, 80)), min_size=1, max_size=12),
)
def test_answers_do_not_depend_on_what_was_asked_before(calendar_index: int, base: datetime, asks) -> None:
    # GIVEN one calendar asked many things in any order (it keeps answers per closed stretch and day)
    shared = PROPERTY_CALENDARS[calendar_index]
    for offset, steps in asks:
        start = base + offset * STEP + timedelta(seconds=offset % 60)
        # WHEN a fresh calendar with the same hours is asked the same THEN the answers agree
        fresh = Calendar.build(shared.name, shared.timezone.key, _hours(shared), dict(shared.closed))
        assert shared.add_business_time(start, steps * STEP) == fresh.add_business_time(start, steps * STEP)
        assert shared.next_open(start) == Calendar.build(
            shared.name, shared.timezone.key, _hours(shared), dict(shared.closed)
        ).next_open(start)


def _hours(calendar: Calendar) -> dict[str, list[str]]:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    found: dict[str, list[str]] = {}
    for window in calendar.windows:
        found.setdefault(days[window.weekday], []).append(str(window))
    return found
