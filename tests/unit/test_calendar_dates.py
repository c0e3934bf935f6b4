"""Calendars limited to days of the month, months and years (Alertmanager's time intervals): month ends, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from chalicelib.routing.calendars import Calendar
from chalicelib.routing.dates import DateFilter
from cli.compile import RulesFileError, compile_text
from tests.unit.rules_fixture import LITERAL

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def at(zone: tzinfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone)


def month_end_close() -> Calendar:
    """A finance customer's close: the last 3 days of every month, 08:00-20:00 New York time."""
    return Calendar.build(
        "close", "America/New_York", {"daily": ["08:00-20:00"]}, dates=DateFilter.build(days=["-3:-1"])
    )


@pytest.mark.parametrize(
    ("days", "months", "years", "day", "expected"),
    [
        # the last 3 days, whatever the month's length
        pytest.param(["-3:-1"], [], [], date(2026, 2, 25), False, id="feb-28-days-25th-is-4th-last"),
        pytest.param(["-3:-1"], [], [], date(2026, 2, 26), True, id="feb-28-days-26th"),
        pytest.param(["-3:-1"], [], [], date(2026, 2, 28), True, id="feb-28-days-28th-last"),
        pytest.param(["-3:-1"], [], [], date(2028, 2, 26), False, id="leap-feb-26th-is-4th-last"),
        pytest.param(["-3:-1"], [], [], date(2028, 2, 29), True, id="leap-feb-29th-last"),
        pytest.param(["-3:-1"], [], [], date(2026, 4, 27), False, id="30-day-month-27th"),
        pytest.param(["-3:-1"], [], [], date(2026, 4, 28), True, id="30-day-month-28th"),
        pytest.param(["-3:-1"], [], [], date(2026, 1, 28), False, id="31-day-month-28th"),
        pytest.param(["-3:-1"], [], [], date(2026, 1, 29), True, id="31-day-month-29th"),
        pytest.param([-1], [], [], date(2026, 4, 30), True, id="last-day-of-april"),
        pytest.param([-1], [], [], date(2026, 5, 30), False, id="30th-of-may-is-not-last"),
        # a day the month lacks matches nothing: no clamping to its last day
        pytest.param([31], [], [], date(2026, 4, 30), False, id="31st-never-in-april"),
        pytest.param([30], [], [], date(2028, 2, 29), False, id="30th-never-in-february"),
        pytest.param(["1:-1"], [], [], date(2026, 2, 28), True, id="start-to-end-is-every-day"),
        pytest.param(["1:5", 15], [], [], date(2026, 6, 15), True, id="list-of-day-and-range"),
        pytest.param(["1:5", 15], [], [], date(2026, 6, 6), False, id="between-list-items"),
        pytest.param(["28:-1"], [], [], date(2026, 2, 28), True, id="positive-to-negative"),
        # months by name, short name or number, and years
        pytest.param([], ["january:march"], [], date(2026, 3, 31), True, id="month-range-end"),
        pytest.param([], ["january:march"], [], date(2026, 4, 1), False, id="after-month-range"),
        pytest.param([], ["dec", 6], [], date(2026, 6, 1), True, id="month-number"),
        pytest.param([], [], ["2026:2027"], date(2027, 12, 31), True, id="year-range-end"),
        pytest.param([], [], ["2026:2027"], date(2028, 1, 1), False, id="after-year-range"),
        # every field given must match
        pytest.param([-1], ["december"], [2026], date(2026, 12, 31), True, id="all-three-match"),
        pytest.param([-1], ["december"], [2026], date(2026, 11, 30), False, id="month-does-not-match"),
        pytest.param([-1], ["december"], [2026], date(2027, 12, 31), False, id="year-does-not-match"),
    ],
)
def test_which_dates_a_filter_matches(days, months, years, day, expected):
    # GIVEN a filter WHEN a date is checked THEN it matches only when every field given does
    date_filter = DateFilter.build(days, months, years)
    assert date_filter is not None
    assert date_filter.matches(day) is expected


def test_no_field_given_is_no_filter():
    assert DateFilter.build() is None


@pytest.mark.parametrize(
    ("days", "months", "years", "message"),
    [
        pytest.param([0], [], [], "use 1 to 31, or -1 (the last day) to -31", id="day-zero"),
        pytest.param([32], [], [], "use 1 to 31", id="day-32"),
        pytest.param(["-32"], [], [], "use 1 to 31", id="day-minus-32"),
        pytest.param(["5:1"], [], [], "is reversed", id="reversed-days"),
        pytest.param(["-1:-3"], [], [], "is reversed", id="reversed-negative-days"),
        pytest.param(["-3:5"], [], [], "counted from the month's end must end there too", id="negative-to-positive"),
        pytest.param(["1:"], [], [], 'such as "1:5" or "-3:-1"', id="open-range"),
        pytest.param(["1:2:3"], [], [], 'such as "1:5"', id="three-ends"),
        pytest.param(["last"], [], [], 'such as "1:5"', id="a-word"),
        pytest.param([], ["smarch"], [], "unknown month 'smarch'", id="unknown-month"),
        pytest.param([], [13], [], "unknown month '13'", id="month-13"),
        pytest.param([], ["march:january"], [], "does not wrap the year", id="reversed-months"),
        pytest.param([], [], ["2027:2026"], "is reversed", id="reversed-years"),
        pytest.param([], [], [0], "use a year such as 2026", id="year-zero"),
    ],
)
def test_bad_values_are_refused_with_what_to_write(days, months, years, message):
    # GIVEN a value out of range, reversed or unknown WHEN the filter is built THEN the error says what to write
    with pytest.raises(ValueError) as err:
        DateFilter.build(days, months, years)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("now", "is_open", "next_open"),
    [
        # February has 28 days in 2026: the close is the 26th to the 28th
        pytest.param(at(NY, 2026, 2, 25, 12), False, at(NY, 2026, 2, 26, 8), id="feb-25-before-the-close"),
        pytest.param(at(NY, 2026, 2, 28, 19, 59), True, at(NY, 2026, 2, 28, 19, 59), id="feb-28-last-minute"),
        # the opening ends at 20:00 on the month's last day; March's close starts on the 29th, after DST began
        pytest.param(at(NY, 2026, 2, 28, 20), False, at(NY, 2026, 3, 29, 8), id="feb-28-close-to-march-29-edt"),
        pytest.param(at(NY, 2026, 3, 1, 9), False, at(NY, 2026, 3, 29, 8), id="march-1st-waits-for-29th"),
        # a leap year's February: 27th to 29th
        pytest.param(at(NY, 2028, 2, 26, 12), False, at(NY, 2028, 2, 27, 8), id="leap-feb-26"),
        pytest.param(at(NY, 2028, 2, 29, 12), True, at(NY, 2028, 2, 29, 12), id="leap-feb-29"),
        # 30- and 31-day months
        pytest.param(at(NY, 2026, 4, 27, 12), False, at(NY, 2026, 4, 28, 8), id="april-27-before"),
        pytest.param(at(NY, 2026, 4, 30, 12), True, at(NY, 2026, 4, 30, 12), id="april-30-last"),
        pytest.param(at(NY, 2026, 5, 28, 12), False, at(NY, 2026, 5, 29, 8), id="may-28-before"),
        # October's close spans no DST change in New York; November 1st's (the change) is outside it
        pytest.param(at(NY, 2026, 10, 31, 21), False, at(NY, 2026, 11, 28, 8), id="october-to-november-est"),
    ],
)
def test_a_month_end_close(now, is_open, next_open):
    # GIVEN the last 3 days of every month, 08:00-20:00
    calendar = month_end_close()
    # WHEN asked at a moment THEN openness and the next opening follow the month's own length
    assert calendar.is_open(now) is is_open
    assert calendar.next_open(now).astimezone(UTC) == next_open.astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # an hour left on February's last day, the second hour on March 29th (EDT, an hour less offset)
        pytest.param(at(NY, 2026, 2, 28, 19), timedelta(hours=2), at(NY, 2026, 3, 29, 9), id="over-month-and-dst"),
        # time that runs out exactly at the month's last close ends there, not at the next month's opening
        pytest.param(at(NY, 2026, 4, 30, 18), timedelta(hours=2), at(NY, 2026, 4, 30, 20), id="ends-at-last-close"),
        pytest.param(at(NY, 2026, 1, 1), timedelta(hours=36), at(NY, 2026, 1, 31, 20), id="three-days-of-twelve"),
    ],
)
def test_business_time_in_a_month_end_close(start, duration, expected):
    # GIVEN the month-end close WHEN open time is counted THEN it is spent only in the close's days
    assert month_end_close().add_business_time(start, duration).astimezone(UTC) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # London's clocks go forward on the last Sunday of March (29th in 2026): that day has 23 hours
        pytest.param(at(LONDON, 2026, 3, 28, 23), False, id="march-28-not-in-last-3"),
        pytest.param(at(LONDON, 2026, 3, 29, 0, 30), True, id="march-29-before-the-gap"),
        pytest.param(at(LONDON, 2026, 3, 31, 23, 59), True, id="march-31-last-minute"),
        pytest.param(at(LONDON, 2026, 4, 1), False, id="april-1-closed"),
        # and back on the last Sunday of October (25th): the close is 29th-31st, after it
        pytest.param(at(LONDON, 2026, 10, 28, 23), False, id="october-28"),
        pytest.param(at(LONDON, 2026, 10, 29), True, id="october-29"),
    ],
)
def test_a_whole_day_close_across_dst(now, expected):
    # GIVEN the last 3 days of each month, all day, in London
    calendar = Calendar.build("ldn", "Europe/London", {"daily": ["00:00-24:00"]}, dates=DateFilter.build(["-3:-1"]))
    # WHEN asked THEN DST does not move the month's edges
    assert calendar.is_open(now) is expected


def test_open_time_on_a_month_end_dst_day_is_real_time():
    # GIVEN the last 3 days of March in London, all day; the 29th has 23 hours
    calendar = Calendar.build("ldn", "Europe/London", {"daily": ["00:00-24:00"]}, dates=DateFilter.build(["-3:-1"]))
    # WHEN 24 hours of open time are counted from the 29th's start THEN they end at 01:00 on the 30th
    found = calendar.add_business_time(at(LONDON, 2026, 3, 29), timedelta(hours=24))
    assert found.astimezone(UTC) == at(LONDON, 2026, 3, 30, 1).astimezone(UTC)


def test_an_overnight_window_from_the_last_day_ends_the_next_morning():
    # GIVEN an overnight window on the last day of each month only (a window belongs to the day it starts on)
    calendar = Calendar.build("nights", "Europe/London", {"daily": ["22:00-06:00+1"]}, dates=DateFilter.build([-1]))
    # WHEN asked on the 1st THEN the window from the 31st is open until 06:00, and the 1st's own night is not
    assert calendar.is_open(at(LONDON, 2026, 1, 31, 23))
    assert calendar.is_open(at(LONDON, 2026, 2, 1, 5, 59))
    assert calendar.current_close(at(LONDON, 2026, 2, 1, 5)) == at(LONDON, 2026, 2, 1, 6)
    assert not calendar.is_open(at(LONDON, 2026, 2, 1, 6))
    assert not calendar.is_open(at(LONDON, 2026, 2, 1, 23))
    assert calendar.next_open(at(LONDON, 2026, 2, 1, 23)) == at(LONDON, 2026, 2, 28, 22)


def test_the_per_day_caches_agree_with_a_fresh_calendar_across_month_ends():
    # GIVEN one calendar asked hour by hour over two month ends (its caches carry from call to call)
    shared = month_end_close()
    start = at(NY, 2028, 1, 27).astimezone(UTC)
    for hour in range(24 * 40):
        now = start + timedelta(hours=hour)
        local = now.astimezone(NY)
        last = (local.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        # WHEN asked THEN the answer is what the rule says and what a calendar with empty caches says
        expected = local.day >= last.day - 2 and 8 <= local.hour < 20
        assert shared.is_open(now) is expected, local
        assert shared.next_open(now) == month_end_close().next_open(now), local
        assert shared.openness(now)[0] is expected, local


def test_describe_names_the_dates():
    assert month_end_close().describe() == "daily 08:00–20:00 America/New_York; days -3:-1"
    months = DateFilter.build([1], ["jan:mar", "november", 12], ["2026:2027"])
    assert months is not None
    assert months.describe() == "days 1 of Jan–Mar,Nov–Dec in 2026:2027"


CLOSE = """  close:
    timezone: America/New_York
    hours: {daily: ["08:00-20:00"]}
    days_of_month: ["-3:-1"]
"""


def with_close(block: str = CLOSE, team_calendar: str = "always") -> str:
    text = LITERAL.replace("  always:\n", block + "  always:\n", 1)
    return text.replace("calendar: always", f"calendar: {team_calendar}", 1)


def test_the_month_end_close_compiles_as_written():
    # GIVEN rules with a month-end close WHEN compiled THEN the JSON keeps the ranges and the Lambda's calendar uses them
    compiled, rules = compile_text(with_close(), "routing.yaml")
    assert compiled["rules"]["calendars"]["close"]["days_of_month"] == ["-3:-1"]
    assert rules.calendars["close"].is_open(at(NY, 2026, 2, 27, 12))
    assert not rules.calendars["close"].is_open(at(NY, 2026, 2, 25, 12))


def test_month_names_compile_to_numbers():
    block = CLOSE.replace('days_of_month: ["-3:-1"]', 'months: ["january:march", dec]\n    years: [2026]')
    compiled, _ = compile_text(with_close(block), "routing.yaml")
    assert compiled["rules"]["calendars"]["close"]["months"] == ["1:3", "12"]
    assert compiled["rules"]["calendars"]["close"]["years"] == ["2026"]


@pytest.mark.parametrize(
    ("old", "new", "team_calendar", "anchor", "expected"),
    [
        pytest.param('["-3:-1"]', '["-3:-1", 0]', "always", "days_of_month", "days_of_month.1: ", id="day-zero"),
        pytest.param(
            '["-3:-1"]', '\n      - "-1"\n      - "-3:5"', "always", '"-3:5"', "days_of_month.1: ", id="item-line"
        ),
        pytest.param(
            'days_of_month: ["-3:-1"]', "months: [smarch]", "always", "smarch", "unknown month", id="unknown-month"
        ),
        pytest.param(
            'days_of_month: ["-3:-1"]',
            "months: [february]\n    days_of_month: [30]",
            "always",
            "days_of_month: [30]",
            "calendars.close.days_of_month: never opens in 2024–2032",
            id="never-opens",
        ),
        pytest.param(
            'days_of_month: ["-3:-1"]',
            "years: [2026]",
            "close",
            "years: [2026]",
            "calendars.close.years: does not open from 2027-01-01 to 2032-12-31",
            id="a-team-calendar-that-stops",
        ),
    ],
)
def test_date_mistakes_name_the_line(old, new, team_calendar, anchor, expected):
    # GIVEN a close with one mistake
    text = with_close(CLOSE.replace(old, new), team_calendar)
    # WHEN compiled THEN one issue, at the line of the mistake
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    (issue,) = err.value.issues
    assert expected in str(issue)
    assert issue.line == next(i for i, line in enumerate(text.splitlines(), 1) if anchor in line)


def test_a_close_only_conditions_use_may_stop_opening():
    # GIVEN a close limited to 2026, used by no team WHEN compiled THEN it is accepted: only conditions ask it
    block = CLOSE.replace('days_of_month: ["-3:-1"]', "years: [2026]")
    assert compile_text(with_close(block), "routing.yaml")[1].calendars["close"].dates is not None
