"""Calendars: is_open / next_open / current_close / explain / describe / build, table-driven, DST in both hemispheres."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from chalicelib.routing.calendars import Calendar
from chalicelib.routing.windows import Window

NY = ZoneInfo("America/New_York")
SYD = ZoneInfo("Australia/Sydney")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: Monday morning there is Sunday afternoon in UTC
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45


def at(zone: tzinfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold)


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    # one ZoneInfo compares by wall clock and ignores fold; UTC compares the instants themselves
    return a is not None and b is not None and a.astimezone(UTC) == b.astimezone(UTC)


OFFICE = Calendar.build(
    "office",
    "America/New_York",
    {"mon-fri": ["09:00-12:30", "13:30-18:00"], "sat": ["10:00-14:00"]},
    {date(2026, 11, 26): "Thanksgiving Day", date(2026, 12, 4): "closed: company offsite"},
)
NIGHTS = Calendar.build(
    "nights",
    "America/New_York",
    {"fri": ["22:00-06:00+1"]},
    {date(2026, 11, 27): "Black Friday", date(2026, 12, 5): "Saturday off"},
)
NIGHTLY_LONDON = Calendar.build("nightly", "Europe/London", {"daily": ["22:00-06:00+1"]})
NY_DST = Calendar.build("ny-dst", "America/New_York", {"sat": ["22:00-06:00+1"], "sun": ["10:00-11:00"]})
NY_GAP = Calendar.build("ny-gap", "America/New_York", {"sun": ["02:30-05:00"]})  # 02:30 is skipped on 2026-03-08
NY_REPEAT = Calendar.build("ny-repeat", "America/New_York", {"sun": ["00:30-01:30"]})  # 01:30 happens twice 2026-11-01
SYD_NIGHT = Calendar.build("syd-night", "Australia/Sydney", {"sat": ["22:00-06:00+1"]})
SYD_EARLY = Calendar.build("syd-early", "Australia/Sydney", {"sun": ["02:30-09:00"]})
KIRI = Calendar.build("kiri", "Pacific/Kiritimati", {"mon-fri": ["09:00-17:00"]})
ROUND_THE_CLOCK = Calendar.build("always", "UTC", {"daily": ["00:00-24:00"]})
SPLIT_MIDNIGHT = Calendar.build("split", "America/New_York", {"fri": ["22:00-24:00"], "sat": ["00:00-06:00"]})


@pytest.mark.parametrize(
    ("calendar", "now", "expected"),
    [
        # several periods a day: [start, end) at every boundary
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 8, 59), False, id="lunch-cal-0859-before-open"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 9, 0), True, id="lunch-cal-0900-opens"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 12, 29), True, id="lunch-cal-1229-open"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 12, 30), False, id="lunch-cal-1230-lunch"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 13, 29), False, id="lunch-cal-1329-lunch"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 13, 30), True, id="lunch-cal-1330-open"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 18, 0), False, id="lunch-cal-1800-closed"),
        pytest.param(OFFICE, at(NY, 2026, 11, 21, 11, 0), True, id="saturday-hours"),
        pytest.param(OFFICE, at(NY, 2026, 11, 22, 11, 0), False, id="sunday-closed"),
        # holidays / closed dates
        pytest.param(OFFICE, at(NY, 2026, 11, 26, 10, 0), False, id="thanksgiving-closed"),
        pytest.param(OFFICE, at(NY, 2026, 11, 27, 10, 0), True, id="day-after-thanksgiving-open"),
        # crossing midnight: the window belongs to the Friday it starts on
        pytest.param(NIGHTS, at(NY, 2026, 11, 20, 21, 59), False, id="overnight-fri-2159"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 20, 22, 0), True, id="overnight-fri-2200"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 21, 0, 0), True, id="overnight-sat-0000"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 21, 5, 59), True, id="overnight-sat-0559"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 21, 6, 0), False, id="overnight-sat-0600"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 28, 2, 0), False, id="overnight-tail-after-closed-friday"),
        pytest.param(NIGHTS, at(NY, 2026, 12, 5, 2, 0), True, id="overnight-tail-on-closed-saturday"),
        # the last day of a month
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 1, 31, 23, 0), True, id="jan31-2300"),
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 2, 1, 5, 59), True, id="jan31-tail-feb1-0559"),
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 2, 1, 6, 0), False, id="jan31-tail-feb1-0600"),
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 3, 1, 5, 59), True, id="feb28-tail-mar1-0559"),
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 3, 1, 6, 0), False, id="feb28-tail-mar1-0600"),
        # New York spring forward (2026-03-08 02:00 EST -> 03:00 EDT): the Saturday night is 7 real hours
        pytest.param(NY_DST, at(NY, 2026, 3, 8, 1, 59), True, id="ny-spring-0159-est"),
        pytest.param(NY_DST, at(UTC, 2026, 3, 8, 7, 0), True, id="ny-spring-0300-edt"),
        pytest.param(NY_DST, at(NY, 2026, 3, 8, 5, 59), True, id="ny-spring-0559-edt"),
        pytest.param(NY_DST, at(NY, 2026, 3, 8, 6, 0), False, id="ny-spring-0600-edt"),
        # a window starting at 02:30 on the spring-forward day opens at 03:30 EDT (fold=0: the pre-gap offset)
        pytest.param(NY_GAP, at(NY, 2026, 3, 8, 3, 15), False, id="ny-gap-start-0315-edt-not-yet"),
        pytest.param(NY_GAP, at(NY, 2026, 3, 8, 3, 30), True, id="ny-gap-start-0330-edt-opens"),
        pytest.param(NY_GAP, at(NY, 2026, 3, 15, 2, 30), True, id="ny-gap-start-next-sunday-0230"),
        # New York fall back (2026-11-01 02:00 EDT -> 01:00 EST): the night is 9 real hours
        pytest.param(NY_DST, at(NY, 2026, 11, 1, 1, 30, fold=0), True, id="ny-fall-0130-edt"),
        pytest.param(NY_DST, at(NY, 2026, 11, 1, 1, 30, fold=1), True, id="ny-fall-0130-est"),
        pytest.param(NY_DST, at(NY, 2026, 11, 1, 5, 59), True, id="ny-fall-0559-est"),
        pytest.param(NY_DST, at(NY, 2026, 11, 1, 6, 0), False, id="ny-fall-0600-est"),
        # a window ending at 01:30 on the fall-back day ends at the first 01:30 and does not reopen in the repeat
        pytest.param(NY_REPEAT, at(NY, 2026, 11, 1, 1, 29, fold=0), True, id="ny-repeat-0129-edt-open"),
        pytest.param(NY_REPEAT, at(NY, 2026, 11, 1, 1, 30, fold=0), False, id="ny-repeat-0130-edt-closes"),
        pytest.param(NY_REPEAT, at(NY, 2026, 11, 1, 1, 0, fold=1), False, id="ny-repeat-0100-est-stays-closed"),
        # Sydney DST ends (2026-04-05 03:00 AEDT -> 02:00 AEST)
        pytest.param(SYD_NIGHT, at(SYD, 2026, 4, 5, 2, 30, fold=1), True, id="syd-end-0230-aest"),
        pytest.param(SYD_NIGHT, at(SYD, 2026, 4, 5, 5, 59), True, id="syd-end-0559"),
        pytest.param(SYD_NIGHT, at(SYD, 2026, 4, 5, 6, 0), False, id="syd-end-0600"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 4, 5, 2, 29, fold=0), False, id="syd-repeat-0229-aedt-before"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 4, 5, 2, 30, fold=0), True, id="syd-repeat-0230-aedt-opens"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 4, 5, 2, 0, fold=1), True, id="syd-repeat-0200-aest-still-open"),
        # Sydney DST starts (2026-10-04 02:00 AEST -> 03:00 AEDT)
        pytest.param(SYD_NIGHT, at(SYD, 2026, 10, 4, 1, 59), True, id="syd-start-0159-aest"),
        pytest.param(SYD_NIGHT, at(SYD, 2026, 10, 4, 3, 0), True, id="syd-start-0300-aedt"),
        pytest.param(SYD_NIGHT, at(SYD, 2026, 10, 4, 6, 0), False, id="syd-start-0600-aedt"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 10, 4, 3, 29), False, id="syd-gap-start-0329-not-yet"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 10, 4, 3, 30), True, id="syd-gap-start-0330-opens"),
        # a zone far from UTC, asked in UTC: Monday 09:00 in Kiritimati is Sunday 19:00 UTC
        pytest.param(KIRI, at(UTC, 2026, 11, 15, 18, 59), False, id="kiritimati-sun-1859-utc"),
        pytest.param(KIRI, at(UTC, 2026, 11, 15, 19, 0), True, id="kiritimati-sun-1900-utc-is-mon-0900"),
        pytest.param(KIRI, at(UTC, 2026, 11, 20, 3, 0), False, id="kiritimati-fri-0300-utc-is-fri-1700"),
        # 24:00 ends the day; touching windows leave no gap
        pytest.param(ROUND_THE_CLOCK, at(UTC, 2026, 11, 16, 23, 59), True, id="always-2359"),
        pytest.param(ROUND_THE_CLOCK, at(UTC, 2026, 11, 17, 0, 0), True, id="always-midnight"),
        pytest.param(SPLIT_MIDNIGHT, at(NY, 2026, 11, 21, 0, 0), True, id="split-midnight-0000"),
    ],
)
def test_is_open(calendar: Calendar, now: datetime, expected: bool) -> None:
    # GIVEN a calendar and an instant
    # WHEN asked whether it is open, with the instant in its own zone, in UTC and in a zone far away
    answers = {calendar.is_open(now.astimezone(zone)) for zone in (now.tzinfo, UTC, KIRITIMATI, KATHMANDU)}
    # THEN every form of the instant gets the same answer
    assert answers == {expected}


@pytest.mark.parametrize(
    ("calendar", "now", "expected"),
    [
        pytest.param(OFFICE, at(NY, 2026, 11, 17, 3, 12), at(NY, 2026, 11, 17, 9), id="early-morning-same-day"),
        pytest.param(OFFICE, at(NY, 2026, 11, 17, 10, 0), at(NY, 2026, 11, 17, 10), id="open-is-now"),
        pytest.param(OFFICE, at(NY, 2026, 11, 17, 12, 30), at(NY, 2026, 11, 17, 13, 30), id="lunch-to-afternoon"),
        pytest.param(OFFICE, at(NY, 2026, 11, 21, 14, 0), at(NY, 2026, 11, 23, 9), id="saturday-close-to-monday"),
        pytest.param(OFFICE, at(NY, 2026, 11, 25, 18, 0), at(NY, 2026, 11, 27, 9), id="thanksgiving-skips-to-friday"),
        pytest.param(OFFICE, at(NY, 2026, 12, 3, 18, 0), at(NY, 2026, 12, 5, 10), id="closed-friday-to-saturday"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 27, 23, 0), at(NY, 2026, 12, 4, 22), id="closed-friday-night-next-week"),
        pytest.param(NIGHTLY_LONDON, at(UTC, 2026, 2, 28, 12), at(UTC, 2026, 2, 28, 22), id="feb28-to-evening"),
        pytest.param(NY_GAP, at(NY, 2026, 3, 8, 1, 0), at(NY, 2026, 3, 8, 3, 30), id="ny-gap-start-0330-edt"),
        pytest.param(NY_REPEAT, at(NY, 2026, 11, 1, 1, 0, 1), at(NY, 2026, 11, 8, 0, 30), id="ny-repeat-next-week"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 10, 4, 1, 0), at(SYD, 2026, 10, 4, 3, 30), id="syd-gap-start-0330"),
        pytest.param(SYD_EARLY, at(SYD, 2026, 4, 5, 1, 0), at(UTC, 2026, 4, 4, 15, 30), id="syd-repeat-first-0230"),
        pytest.param(KIRI, at(UTC, 2026, 11, 14, 12, 0), at(KIRITIMATI, 2026, 11, 16, 9), id="kiritimati-from-utc"),
    ],
)
def test_next_open(calendar: Calendar, now: datetime, expected: datetime) -> None:
    # GIVEN a calendar and an instant
    # WHEN asked for the next opening, with the instant in its own zone and in UTC
    answers = [calendar.next_open(now), calendar.next_open(now.astimezone(UTC))]
    # THEN both name the same instant, in the calendar's zone
    assert all(same_instant(a, expected) and a.tzinfo is calendar.timezone for a in answers)


@pytest.mark.parametrize(
    ("calendar", "now", "expected"),
    [
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 10, 5), at(NY, 2026, 11, 16, 12, 30), id="morning-until-lunch"),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 12, 30), None, id="closed-at-lunch"),
        pytest.param(NIGHTS, at(NY, 2026, 11, 20, 23, 0), at(NY, 2026, 11, 21, 6), id="overnight-until-saturday"),
        pytest.param(NY_DST, at(NY, 2026, 10, 31, 23), at(NY, 2026, 11, 1, 6), id="fall-back-night-until-0600-est"),
        # the end of this window; explain() is what joins touching windows for people
        pytest.param(SPLIT_MIDNIGHT, at(NY, 2026, 11, 20, 23), at(NY, 2026, 11, 21), id="touching-window-ends-at-24"),
    ],
)
def test_current_close(calendar: Calendar, now: datetime, expected: datetime | None) -> None:
    # GIVEN a calendar WHEN asked when the current opening ends THEN it is the end of the window, or None
    close = calendar.current_close(now)
    assert close is None if expected is None else same_instant(close, expected)


@pytest.mark.parametrize(
    ("calendar", "now", "expected"),
    [
        pytest.param(
            OFFICE, at(NY, 2026, 11, 17, 3, 12), "Tue 03:12 America/New_York: closed; opens Tue 09:00", id="night"
        ),
        pytest.param(
            OFFICE, at(NY, 2026, 11, 26, 10), "Thu 26 Nov is Thanksgiving Day: closed; opens Fri 09:00", id="holiday"
        ),
        pytest.param(
            OFFICE, at(NY, 2026, 12, 4, 10), "Fri 4 Dec is closed: company offsite; opens Sat 10:00", id="offsite"
        ),
        pytest.param(OFFICE, at(NY, 2026, 11, 16, 10, 5), "Mon 10:05 America/New_York: open until 12:30", id="open"),
        pytest.param(
            NIGHTS, at(NY, 2026, 11, 20, 23), "Fri 23:00 America/New_York: open until Sat 06:00", id="overnight"
        ),
        pytest.param(
            NIGHTS,
            at(NY, 2026, 11, 28, 1),
            "Sat 01:00 America/New_York: closed; opens Fri 4 Dec 22:00",
            id="a-week-away-names-the-date",
        ),
        pytest.param(
            SPLIT_MIDNIGHT, at(NY, 2026, 11, 20, 22), "Fri 22:00 America/New_York: open until Sat 06:00", id="merged"
        ),
        pytest.param(
            Calendar.build("late", "UTC", {"mon": ["20:00-24:00"]}),
            at(UTC, 2026, 11, 16, 21),
            "Mon 21:00 UTC: open until 24:00",
            id="until-midnight",
        ),
        pytest.param(
            ROUND_THE_CLOCK,
            at(UTC, 2026, 11, 16, 21),
            "Mon 21:00 UTC: open for at least a week",
            id="never-closes",
        ),
        pytest.param(
            KIRI, at(UTC, 2026, 11, 15, 19, 5), "Mon 09:05 Pacific/Kiritimati: open until 17:00", id="far-zone"
        ),
    ],
)
def test_explain(calendar: Calendar, now: datetime, expected: str) -> None:
    # GIVEN a calendar and an instant WHEN explained THEN one line says open/closed and until/when
    assert calendar.explain(now) == expected


@pytest.mark.parametrize(
    ("hours", "closed", "expected"),
    [
        pytest.param(
            {"mon-fri": ["09:00-12:30", "13:30-18:00"], "sat": ["10:00-14:00"]},
            {date(2026, 1, d): "x" for d in range(1, 13)},
            "Mon–Fri 09:00–12:30, 13:30–18:00; Sat 10:00–14:00 America/New_York; 12 holidays/closed dates",
            id="office",
        ),
        pytest.param({"daily": ["00:00-24:00"]}, {}, "daily 00:00–24:00 America/New_York", id="daily"),
        pytest.param(
            {"fri-mon": ["22:00-06:00+1"]},
            {date(2026, 12, 25): "Christmas Day"},
            "Fri–Mon 22:00–06:00+1 America/New_York; 1 holiday/closed date",
            id="wrapping-range",
        ),
        pytest.param(
            {"Monday, wed,fri": ["08:00-09:00"]}, {}, "Mon,Wed,Fri 08:00–09:00 America/New_York", id="day-list"
        ),
        pytest.param({"sun": []}, {}, "never open America/New_York", id="a-day-with-no-windows"),
    ],
)
def test_build_and_describe(hours: dict[str, list[str]], closed: dict[date, str], expected: str) -> None:
    # GIVEN the config form WHEN built THEN describe() reads it back for people
    assert Calendar.build("c", "America/New_York", hours, closed).describe() == expected


@pytest.mark.parametrize(
    ("timezone", "hours", "closed", "message"),
    [
        pytest.param("UTC", {"mnday": ["09:00-17:00"]}, {}, "unknown day 'mnday' in 'mnday': use mon, tue", id="day"),
        pytest.param("UTC", {"mon-fry": ["09:00-17:00"]}, {}, "unknown day 'fry' in 'mon-fry'", id="day-in-range"),
        pytest.param("UTC", {"mon": ["9-17"]}, {}, "mon: bad window '9-17': write HH:MM-HH:MM", id="format"),
        pytest.param("UTC", {"mon": ["25:00-26:00"]}, {}, "bad time in window '25:00-26:00'", id="hour-25"),
        pytest.param("UTC", {"mon": ["09:00-24:30"]}, {}, "bad time in window '09:00-24:30'", id="after-24"),
        pytest.param(
            "UTC",
            {"fri": ["22:00-06:00"]},
            {},
            "fri: window 22:00-06:00: start is not before end; write 22:00-06:00+1 for a window that crosses midnight",
            id="crossing-midnight-without-plus-one",
        ),
        pytest.param("UTC", {"mon": ["09:00-09:00"]}, {}, "window 09:00-09:00 is empty", id="empty"),
        pytest.param(
            "UTC",
            {"mon": ["06:00-22:00+1"]},
            {},
            "window 06:00-22:00+1 would last 24 hours or more",
            id="plus-one-long",
        ),
        pytest.param("UTC", {"mon": ["09:00-09:00+1"]}, {}, "would last 24 hours or more", id="plus-one-24h"),
        pytest.param("UTC", {"mon": ["00:00-00:00+1"]}, {}, "write 00:00-24:00 for the whole day", id="whole-day"),
        pytest.param("UTC", {"mon": ["22:00-24:00+1"]}, {}, "24:00 already ends the day; drop the +1", id="24-plus"),
        pytest.param(
            "UTC",
            {"mon": ["09:00-12:00", "11:00-13:00"]},
            {},
            "windows mon 09:00-12:00 and mon 11:00-13:00 overlap",
            id="overlap-same-day",
        ),
        pytest.param(
            "UTC",
            {"fri": ["22:00-06:00+1"], "sat": ["05:00-09:00"]},
            {},
            "windows fri 22:00-06:00+1 and sat 05:00-09:00 overlap (a window that crosses midnight",
            id="overnight-tail-overlaps-next-day",
        ),
        pytest.param(
            "UTC",
            {"sun": ["22:00-02:00+1"], "mon": ["01:00-03:00"]},
            {},
            "windows sun 22:00-02:00+1 and mon 01:00-03:00 overlap",
            id="sunday-tail-overlaps-monday",
        ),
        pytest.param(
            "UTC",
            {"mon-fri": ["09:00-17:00"], "wed": ["18:00-19:00"]},
            {},
            "wed is listed twice (in 'mon-fri' and 'wed')",
            id="day-twice",
        ),
        pytest.param(
            "UTC", {"mon,mon": ["09:00-17:00"]}, {}, "mon is listed twice (in 'mon,mon')", id="day-twice-in-key"
        ),
        pytest.param(
            "America/NewYork",
            {"mon": ["09:00-17:00"]},
            {},
            "unknown time zone 'America/NewYork': use an IANA name such as America/New_York",
            id="zone",
        ),
        pytest.param("America", {"mon": ["09:00-17:00"]}, {}, "unknown time zone 'America'", id="zone-directory"),
        pytest.param("UTC", {}, {}, "no opening hours", id="no-hours"),
        pytest.param(
            "UTC",
            {"mon": ["09:00-17:00"]},
            {datetime(2026, 11, 26, tzinfo=UTC): "Thanksgiving Day"},
            "give a date such as 2026-11-26",
            id="closed-datetime",
        ),
    ],
)
def test_build_rejects_with_an_actionable_message(
    timezone: str, hours: dict[str, list[str]], closed: dict[date, str], message: str
) -> None:
    # GIVEN a calendar config with one mistake WHEN built THEN the ValueError says what to write instead
    with pytest.raises(ValueError) as err:
        Calendar.build("support", timezone, hours, closed)
    assert message in str(err.value)


def test_direct_construction_is_validated_like_build() -> None:
    # GIVEN windows built by hand WHEN they overlap or run backwards THEN construction fails the same way
    with pytest.raises(ValueError, match="start is not before end"):
        Window(0, time(22), time(6), overnight=False)
    late = Window(4, time(22), time(6), overnight=True)
    early = Window(5, time(5), time(9), overnight=False)
    with pytest.raises(ValueError, match="overlap"):
        Calendar("c", NY, (late, early), {})


def test_naive_now_is_refused() -> None:
    # GIVEN a naive datetime WHEN asked THEN the calendar refuses to guess a zone
    with pytest.raises(ValueError, match="naive datetime"):
        OFFICE.is_open(datetime(2026, 11, 16, 10))


def test_a_calendar_that_never_opens_says_so() -> None:
    # GIVEN a calendar whose only weekday is closed for more than the horizon
    mondays = {date(2026, 11, 16) + timedelta(weeks=i): "closed" for i in range(60)}
    calendar = Calendar.build("gone", "UTC", {"mon": ["09:00-17:00"]}, mondays)
    # WHEN asked for the next opening THEN it raises, and explain says it in words
    with pytest.raises(ValueError, match="does not open within 400 days"):
        calendar.next_open(at(UTC, 2026, 11, 15))
    assert calendar.explain(at(UTC, 2026, 11, 15)).endswith("closed; does not open in the next 400 days")


def test_calendar_is_a_hashable_value() -> None:
    # GIVEN two calendars built from the same config WHEN compared THEN they are equal values, usable as keys
    again = Calendar.build(
        "office",
        "America/New_York",
        {"mon-fri": ["09:00-12:30", "13:30-18:00"], "sat": ["10:00-14:00"]},
        {date(2026, 11, 26): "Thanksgiving Day", date(2026, 12, 4): "closed: company offsite"},
    )
    assert again == OFFICE
    assert hash(again) == hash(OFFICE)


STRETCH_CALENDARS = [
    OFFICE,
    NIGHTS,
    NIGHTLY_LONDON,
    NY_DST,
    NY_GAP,
    NY_REPEAT,
    SYD_NIGHT,
    SYD_EARLY,
    KIRI,
    SPLIT_MIDNIGHT,
]
# every 37 minutes for two days around each DST change (both hemispheres), Thanksgiving and the offsite
STRETCH_MOMENTS = [
    base + k * timedelta(minutes=37, seconds=11)
    for base in (
        datetime(2026, 3, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 12, tzinfo=UTC),
        datetime(2026, 4, 4, 0, tzinfo=UTC),
        datetime(2026, 10, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 0, tzinfo=UTC),
    )
    for k in range(78)
]


def probes(lo: datetime, hi: datetime) -> list[datetime]:
    """The ends and middle of [lo, hi)."""
    return [lo, lo + (hi - lo) / 2, hi - timedelta(microseconds=1)] if lo < hi else []


@pytest.mark.parametrize("calendar", STRETCH_CALENDARS, ids=lambda c: c.name)
def test_an_answer_holds_through_the_stretch_it_names(calendar: Calendar) -> None:
    for now in STRETCH_MOMENTS:
        # WHEN asked whether it is open, and how to say so, with the stretch those answers hold through
        is_open, lo, hi, _ = calendar.openness(now)
        tail, timed, words_lo, words_hi = calendar.explain_parts(now)
        # THEN the answers are those of is_open and explain, and hold anywhere in the stretch
        assert is_open == calendar.is_open(now)
        assert lo <= now < hi or lo == hi == now
        assert all(calendar.is_open(t) == is_open for t in probes(lo, hi)), now
        assert calendar.explain(now).endswith(tail) and timed == (calendar.explain(now) != tail)
        assert words_lo <= now < words_hi or words_lo == words_hi == now
        for t in probes(words_lo, words_hi):
            local = t.astimezone(calendar.timezone)
            said = f"{local:%a %H:%M} {calendar.timezone.key}: {tail}" if timed else tail
            if local.date() == now.astimezone(calendar.timezone).date():  # a repeated hour may belong to another day
                assert calendar.explain(t) == said, (now, t)
