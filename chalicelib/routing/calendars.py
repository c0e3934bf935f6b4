"""Opening hours as small frozen values: weekly windows in a zone, closed dates, DST-safe business-time arithmetic."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: how far next_open / add_business_time look for an opening before deciding the calendar never opens
HORIZON_DAYS = 400

_DAYS = {name: i for i, name in enumerate(DAY_NAMES)} | {
    name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_DAY_US = 86_400_000_000
_WEEK_US = 7 * _DAY_US
_WEEK = timedelta(days=7)
_CACHE_DAYS = 512  # a few windows per date: bounded memory even for a long-lived container
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*(\+\s*1)?\s*")
_DAY_SPEC_HELP = "use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, a list such as mon,wed,fri, or daily"

_Span = tuple[datetime, datetime]  # one opening as [start, end) in UTC: comparisons and subtraction are real time
_Day = tuple[datetime, datetime, tuple[_Span, ...]]  # a local date's [first, next) instants and the spans open on it


def parse_zone(key: str) -> ZoneInfo:
    """The IANA zone ``key``, or a ValueError a person can act on."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {key!r}: use an IANA name such as America/New_York") from None


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is refused because routing must never guess a zone."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give it a time zone")
    return moment.astimezone(UTC)


def clock(t: time) -> str:
    return f"{t:%H:%M:%S}" if t.second or t.microsecond else f"{t:%H:%M}"


def day_time(moment: datetime) -> str:
    """ "Fri 27 Nov 09:00", in ``moment``'s own zone."""
    return f"{_date(moment)} {_hm(moment)}"


# English names by hand rather than strftime: independent of the locale, and cheaper on every decision's reasons
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _hm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _date(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def _wd_hm(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {_hm(moment)}"


@dataclass(frozen=True)
class Window:
    """One opening, belonging to the weekday it starts on; ``end`` is on the next day when ``overnight``.

    ``end`` 00:00 with ``overnight`` is 24:00 (so 00:00-24:00 is the whole day).
    """

    weekday: int  # 0 = Monday, as datetime.weekday()
    start: time  # local wall-clock
    end: time
    overnight: bool

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday}: use 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(f"window {self}: give wall-clock times; the calendar carries the zone")
        if not self.overnight and self.start == self.end:
            raise ValueError(f"window {self} is empty: start equals end")
        if not self.overnight and self.start > self.end:
            raise ValueError(
                f"window {self}: start is not before end; write {self}+1 for a window that crosses midnight"
            )
        if self.overnight and self.end != _MIDNIGHT and self.end >= self.start:
            raise ValueError(f"window {self} would last 24 hours or more; drop the +1 for a window within one day")

    def __str__(self) -> str:
        return self.text("-")

    def text(self, dash: str) -> str:
        if self.overnight and self.end == _MIDNIGHT:
            return f"{clock(self.start)}{dash}24:00"
        return f"{clock(self.start)}{dash}{clock(self.end)}{'+1' if self.overnight else ''}"


@dataclass(frozen=True)
class Calendar:
    """When a team is reachable: weekly windows in one zone, minus closed dates.

    Each window's local boundaries become real instants through ``datetime(..., tzinfo=zone)``, so a boundary in a
    spring-forward gap is read with the offset in force before the gap (zoneinfo's fold=0): 02:30 on 2026-03-08 in
    New York is 03:30 EDT. A boundary in a repeated fall-back hour is its first occurrence. Every method, is_open
    included, compares against those instants, so they all agree; an overnight window is an hour longer on the
    fall-back night and an hour shorter on the spring-forward night.
    """

    name: str
    timezone: ZoneInfo
    windows: tuple[Window, ...]
    # closed dates with why; a window is skipped when the date it starts on is closed
    closed: Mapping[date, str] = field(hash=False)
    _by_day: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False)
    _starts: dict[date, tuple[_Span, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _days: dict[date, _Day] = field(default_factory=dict, init=False, repr=False, compare=False)
    # the last local date is_open saw: consecutive calls in one day skip the zone conversion and the dict lookup
    _today: list[_Day] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for day, why in self.closed.items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"closed date {day!r} ({why}): give a date such as 2026-11-26")
        object.__setattr__(self, "windows", tuple(self.windows))
        # a private copy: the per-date caches would go stale if the caller's dict changed later
        object.__setattr__(self, "closed", MappingProxyType(dict(self.closed)))
        by_day = tuple(
            tuple(sorted((w for w in self.windows if w.weekday == d), key=lambda w: w.start)) for d in range(7)
        )
        object.__setattr__(self, "_by_day", by_day)
        _check_overlaps(self.windows)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        self._today.append((epoch, epoch, ()))

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (any aware datetime) falls in a window, half-open [start, end)."""
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now.isoformat()}: give it a time zone")
        u = now.astimezone(UTC)
        first, following, spans = self._today[0]
        if not first <= u < following:
            first, following, spans = self._today[0] = self._day(u.astimezone(self.timezone).date())
        for s, e in spans:  # noqa: SIM110 - a plain loop is about half the cost of any() over a generator here
            if s <= u < e:
                return True
        return False

    def next_open(self, now: datetime) -> datetime:
        """``now`` itself (in the calendar's zone) when open, else the start of the next window."""
        u = to_utc(now)
        if self.is_open(u):
            return u.astimezone(self.timezone)
        for s, _ in self._spans_from(u):
            if s > u:
                return s.astimezone(self.timezone)
        raise ValueError(f"calendar {self.name!r} does not open within {HORIZON_DAYS} days of {now.isoformat()}")

    def current_close(self, now: datetime) -> datetime | None:
        """The end of the window ``now`` is in (in the calendar's zone), or None when closed."""
        span = self._span_at(to_utc(now))
        return None if span is None else span[1].astimezone(self.timezone)

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of open time after ``start``, counted in real elapsed time.

        Time that runs out exactly at a close ends there: 4 business hours from 14:00 in a
        09:00–18:00 calendar is 18:00 that day, as a person reads it, not 09:00 the next morning.
        A zero duration is next_open(start); add(add(s, a), b) == add(s, a + b) for b > 0.
        """
        if duration < timedelta(0):
            raise ValueError(f"duration {duration} is negative")
        u, left = to_utc(start), duration
        for s, e in self._spans_from(u):
            if e <= u:
                continue
            s = max(s, u)
            if left < e - s or (left == e - s and left > timedelta(0)):
                return (s + left).astimezone(self.timezone)
            left -= e - s
            u = e
        raise ValueError(f"calendar {self.name!r} stops opening within {HORIZON_DAYS} days after {start.isoformat()}")

    def explain(self, now: datetime) -> str:
        """One line for people: "Mon 10:05 Europe/London: open until 12:30"."""
        u = to_utc(now)
        local = u.astimezone(self.timezone)
        today = local.date()
        span = self._span_at(u)
        if span is not None:
            # windows that touch (22:00-24:00, then 00:00-06:00) are one opening to a person; look a week ahead
            close, limit = span[1], u + _WEEK
            for s, e in self._spans_from(close):
                if s > close or close >= limit:
                    break
                close = max(close, e)
            local_close = close.astimezone(self.timezone)
            if close >= limit:
                until = "for at least a week"
            elif local_close.date() == today:
                until = f"until {_hm(local_close)}"
            elif local_close.date() == today + _ONE_DAY and local_close.time() == _MIDNIGHT:
                until = "until 24:00"
            else:
                until = f"until {_later(today, local_close)}"
            return f"{_wd_hm(local)} {self.timezone.key}: open {until}"
        try:
            opens = f"opens {_later(today, self.next_open(local))}"
        except ValueError:
            opens = f"does not open in the next {HORIZON_DAYS} days"
        why = self.closed.get(today)
        if why is None:
            return f"{_wd_hm(local)} {self.timezone.key}: closed; {opens}"
        day = _date(local)
        # "closed: company offsite" already says closed; "Thanksgiving Day" does not
        return f"{day} is {why}; {opens}" if why.lower().startswith("closed") else f"{day} is {why}: closed; {opens}"

    def describe(self) -> str:
        """ "Mon–Fri 09:00–12:30, 13:30–18:00; Sat 10:00–14:00 America/New_York; 12 holidays/closed dates"."""
        groups: dict[tuple[tuple[time, time, bool], ...], list[int]] = {}
        for day, windows in enumerate(self._by_day):
            if windows:
                groups.setdefault(tuple((w.start, w.end, w.overnight) for w in windows), []).append(day)
        parts = [
            f"{_day_list(days)} {', '.join(w.text('–') for w in self._by_day[days[0]])}" for days in groups.values()
        ]
        text = f"{'; '.join(parts) or 'never open'} {self.timezone.key}"
        if n := len(self.closed):
            text += f"; {n} holiday{'s' if n != 1 else ''}/closed date{'s' if n != 1 else ''}"
        return text

    @classmethod
    def build(
        cls, name: str, timezone: str, hours: Mapping[str, Sequence[str]], closed: Mapping[date, str] | None = None
    ) -> Calendar:
        """Parse the config form: {"mon-fri": ["09:00-12:30", "13:30-18:00"], "fri": ["22:00-06:00+1"]}."""
        zone = parse_zone(timezone)
        if not hours:
            raise ValueError("no opening hours: give at least one day with a window, e.g. mon-fri: [09:00-17:00]")
        listed: dict[int, str] = {}
        windows: list[Window] = []
        for spec, texts in hours.items():
            for day in _day_spec(spec):
                if day in listed:
                    where = f"in {spec!r}" if listed[day] == spec else f"in {listed[day]!r} and {spec!r}"
                    raise ValueError(
                        f"{DAY_NAMES[day]} is listed twice ({where}); give each day once with all its windows"
                    )
                listed[day] = spec
                try:
                    windows.extend(_parse_window(day, text) for text in ([texts] if isinstance(texts, str) else texts))
                except ValueError as exc:
                    raise ValueError(f"{spec}: {exc}") from None
        return cls(name=name, timezone=zone, windows=tuple(windows), closed=closed or {})

    def _starting(self, day: date) -> tuple[_Span, ...]:
        """The openings that start on local ``day``, as UTC spans in order (cached)."""
        spans = self._starts.get(day)
        if spans is None:
            if len(self._starts) >= _CACHE_DAYS:
                self._starts.clear()
            found: list[_Span] = []
            if day not in self.closed:
                for w in self._by_day[day.weekday()]:
                    s = datetime.combine(day, w.start, self.timezone).astimezone(UTC)
                    e = datetime.combine(day + _ONE_DAY if w.overnight else day, w.end, self.timezone).astimezone(UTC)
                    # a window inside a spring-forward gap (its start, read before the gap, not before its end)
                    # does not happen that day
                    if s < e:
                        found.append((s, e))
            spans = self._starts[day] = tuple(found)
        return spans

    def _day(self, day: date) -> _Day:
        """Local ``day``'s first instant, the next day's, and every span open at some point of it (cached)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= _CACHE_DAYS:
                self._days.clear()
            first = datetime.combine(day, _MIDNIGHT, self.timezone).astimezone(UTC)
            following = datetime.combine(day + _ONE_DAY, _MIDNIGHT, self.timezone).astimezone(UTC)
            # yesterday's overnight windows reach into today, unless yesterday was closed
            tails = tuple(span for span in self._starting(day - _ONE_DAY) if span[1] > first)
            found = self._days[day] = (first, following, tails + self._starting(day))
        return found

    def _span_at(self, u: datetime) -> _Span | None:
        for s, e in self._day(u.astimezone(self.timezone).date())[2]:
            if s <= u < e:
                return s, e
        return None

    def _spans_from(self, u: datetime) -> Iterator[_Span]:
        """Spans in order from the local day before ``u``; stops after HORIZON_DAYS days without an opening."""
        day, idle = u.astimezone(self.timezone).date() - _ONE_DAY, 0
        while idle <= HORIZON_DAYS:
            spans = self._starting(day)
            idle = 0 if spans else idle + 1
            yield from spans
            day += _ONE_DAY


def _later(today: date, moment: datetime) -> str:
    """A later moment: "Tue 09:00" within the week, "Mon 4 Jan 09:00" beyond it."""
    return day_time(moment) if (moment.date() - today).days >= 6 else _wd_hm(moment)


def _day_list(days: list[int]) -> str:
    """[0, 1, 2, 4] → "Mon–Wed,Fri"."""
    if len(days) == 7:
        return "daily"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:  # "fri-mon" reads better than "Mon,Fri–Sun"
        runs = [*runs[1:-1], runs[-1] + runs[0]]
    names = [DAY_NAMES[r[0]].title() + (f"–{DAY_NAMES[r[-1]].title()}" if len(r) > 1 else "") for r in runs]
    return ",".join(names)


def _day_spec(spec: str) -> list[int]:
    """ "mon-fri" / "fri-mon" (wraps the week) / "mon,wed,fri" / "daily" → weekday numbers, repeats kept."""
    if not isinstance(spec, str):
        raise ValueError(f"day {spec!r}: {_DAY_SPEC_HELP}")
    text = spec.strip().lower()
    if text == "daily":
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        ends = [name.strip() for name in part.split("-")]
        unknown = next((name for name in ends if name not in _DAYS), None)
        if unknown is not None or len(ends) > 2:
            raise ValueError(f"unknown day {unknown if unknown is not None else part!r} in {spec!r}: {_DAY_SPEC_HELP}")
        first, last = _DAYS[ends[0]], _DAYS[ends[-1]]
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _parse_window(day: int, text: str) -> Window:
    found = _WINDOW.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError(
            f"bad window {text!r}: write HH:MM-HH:MM, e.g. 09:00-17:30 (HH:MM-HH:MM+1 if it ends the next day)"
        )
    sh, sm, eh, em = (int(g) for g in found.group(1, 2, 3, 4))
    crosses = found[5] is not None
    if sh > 23 or sm > 59 or eh > 24 or em > 59 or (eh == 24 and em):
        raise ValueError(f"bad time in window {text.strip()!r}: hours 00–23 (24:00 only as an end), minutes 00–59")
    if eh == 24:
        if crosses:
            raise ValueError(f"window {text.strip()}: 24:00 already ends the day; drop the +1")
        return Window(day, time(sh, sm), _MIDNIGHT, overnight=True)
    if crosses and sh == sm == eh == em == 0:
        raise ValueError("window 00:00-00:00+1 would last 24 hours; write 00:00-24:00 for the whole day")
    return Window(day, time(sh, sm), time(eh, em), overnight=crosses)


def _check_overlaps(windows: Sequence[Window]) -> None:
    """Windows on one weekly line, in microseconds from Monday 00:00, must not overlap (touching is fine)."""
    line = sorted(
        ((_micros(w.weekday, w.start), _micros(w.weekday + w.overnight, w.end), w) for w in windows), key=_first
    )
    # the week wraps: Sunday's overnight tail lands on Monday
    wrap = [(line[-1], (line[0][0] + _WEEK_US, 0, line[0][2]))] if line else []
    for (_, end, a), (start, _, b) in [*pairwise(line), *wrap]:
        if start < end:
            why = "" if a.weekday == b.weekday else " (a window that crosses midnight must end before the next opens)"
            raise ValueError(f"windows {DAY_NAMES[a.weekday]} {a} and {DAY_NAMES[b.weekday]} {b} overlap{why}")


def _micros(day: int, t: time) -> int:
    return day * _DAY_US + ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _first(item: tuple[int, int, Window]) -> int:
    return item[0]
