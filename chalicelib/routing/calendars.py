"""Calendars: weekly windows (windows.py) in a zone, less closed dates; openness, reasons, DST-safe business time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from chalicelib.routing.dates import DateFilter
from chalicelib.routing.record import Record
from chalicelib.routing.windows import MIDNIGHT, Window, check_overlaps, day_list, parse_hours
from chalicelib.routing.zones import day_date, hour_minute, later, parse_zone, to_utc, weekday_time

#: how far next_open / add_business_time look for an opening before deciding the calendar never opens
HORIZON_DAYS = 400

_ONE_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_NO_TIME = timedelta(0)
_CACHE_DAYS = 512  # a few windows per date: bounded memory even for a long-lived container
_set = object.__setattr__

_Span = tuple[datetime, datetime]  # one opening as [start, end) in UTC: comparisons and subtraction are real time
# a local date's [first, next) instants, the spans open at some point of it, and the date
_Day = tuple[datetime, datetime, tuple[_Span, ...], date]


class Calendar(Record):
    """When a team is reachable: weekly windows in one zone, on the dates ``dates`` allows, minus closed dates.

    Each window's local boundaries become real instants through ``datetime(..., tzinfo=zone)``, so a boundary in a
    spring-forward gap is read with the offset in force before the gap (zoneinfo's fold=0): 02:30 on 2026-03-08 in
    New York is 03:30 EDT. A boundary in a repeated fall-back hour is its first occurrence. Every method, is_open
    included, compares against those instants, so they all agree; an overnight window is an hour longer on the
    fall-back night and an hour shorter on the spring-forward night.
    """

    _fields = ("name", "timezone", "windows", "closed", "dates")
    __slots__ = (*_fields, "_by_day", "_starts", "_days", "_today", "_opens", "_deadlines", "_explained")
    name: str
    timezone: ZoneInfo
    windows: tuple[Window, ...]
    # closed dates with why; a window is skipped when the date it starts on is closed
    closed: Mapping[date, str]
    # days of the month, months, years (None: every date); like a closed date, it skips the windows that start
    # on a date it does not match, so an overnight window from the last day of a month still ends the next morning
    dates: DateFilter | None
    _by_day: tuple[tuple[Window, ...], ...]
    _starts: dict[date, tuple[_Span, ...]]
    _days: dict[date, _Day]
    # the last local date is_open saw: consecutive calls in one day skip the zone conversion and the dict lookup
    _today: list[_Day]
    # next_open's and add_business_time's answers by closed stretch: see _closed_stretch
    _opens: dict[tuple[date, int], datetime]
    _deadlines: dict[tuple[tuple[date, int], timedelta], datetime]
    # explain()'s words after the local time, by (local date, span or gap): see explain
    _explained: dict[tuple[date, int], tuple[str, bool]]

    def __init__(
        self,
        name: str,
        timezone: ZoneInfo,
        windows: Sequence[Window],
        closed: Mapping[date, str],
        dates: DateFilter | None = None,
    ) -> None:
        for day, why in closed.items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"closed date {day!r} ({why}): give a date such as 2026-11-26")
        windows = tuple(windows)
        # a private copy: the per-date caches would go stale if the caller's dict changed later
        super().__init__(name, timezone, windows, MappingProxyType(dict(closed)), dates)
        by_day = tuple(tuple(sorted((w for w in windows if w.weekday == d), key=lambda w: w.start)) for d in range(7))
        check_overlaps(windows)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for slot, value in (
            ("_by_day", by_day),
            ("_starts", {}),
            ("_days", {}),
            ("_today", [(epoch, epoch, (), epoch.date())]),
            ("_opens", {}),
            ("_deadlines", {}),
            ("_explained", {}),
        ):
            _set(self, slot, value)

    def __hash__(self) -> int:
        return hash(
            (self.name, self.timezone, self.windows, self.dates)
        )  # closed dates are a mapping: equal, not hashed

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (any aware datetime) falls in a window, half-open [start, end)."""
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now.isoformat()}: give it a time zone")
        u = now.astimezone(UTC)
        first, following, spans, _ = self._today[0]
        if not first <= u < following:
            first, following, spans, _ = self._today[0] = self._day(u.astimezone(self.timezone).date())
        for s, e in spans:  # noqa: SIM110 - a plain loop is about half the cost of any() over a generator here
            if s <= u < e:
                return True
        return False

    def next_open(self, now: datetime) -> datetime:
        """``now`` itself (in the calendar's zone) when open, else the start of the next window."""
        u = to_utc(now)
        stretch = self._closed_stretch(u)
        if stretch is None:
            return self._next_open(u, now)
        found = self._opens.get(stretch)
        if found is None:
            found = self._opens[stretch] = self._next_open(u, now)
        return found

    def _next_open(self, u: datetime, now: datetime) -> datetime:
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
        if duration < _NO_TIME:
            raise ValueError(f"duration {duration} is negative")
        u = to_utc(start)
        stretch = self._closed_stretch(u)
        if stretch is None:
            return self._deadline(u, duration, start)
        found = self._deadlines.get((stretch, duration))
        if found is None:
            found = self._deadlines[stretch, duration] = self._deadline(u, duration, start)
        return found

    def _deadline(self, u: datetime, left: timedelta, start: datetime) -> datetime:
        # most deadlines fall within start's own day: walk its spans (cached for is_open) first
        first, following, spans, _ = self._today[0]
        if not first <= u < following:
            first, following, spans, _ = self._today[0] = self._day(u.astimezone(self.timezone).date())
        found, u, left = self._walk(spans, u, left)
        return found if found is not None else self._add(u, left, start)

    def _walk(
        self, spans: Iterable[tuple[datetime, datetime]], u: datetime, left: timedelta
    ) -> tuple[datetime | None, datetime, timedelta]:
        """Spend ``left`` of open time from ``u`` over ``spans``: (the deadline or None, where it got, what is left)."""
        for s, e in spans:
            if e <= u:
                continue
            s = max(s, u)
            if left < e - s or (left == e - s and left > _NO_TIME):
                return (s + left).astimezone(self.timezone), u, left
            left -= e - s
            u = e
        return None, u, left

    def _add(self, u: datetime, left: timedelta, start: datetime) -> datetime:
        """add_business_time from ``u`` (in UTC), walking the spans day by day."""
        found, _, _ = self._walk(self._spans_from(u), u, left)
        if found is not None:
            return found
        raise ValueError(f"calendar {self.name!r} stops opening within {HORIZON_DAYS} days after {start.isoformat()}")

    def explain(self, now: datetime) -> str:
        """One line for people: "Mon 10:05 Europe/London: open until 12:30"."""
        local = to_utc(now).astimezone(self.timezone)
        tail, timed, _, _ = self.explain_parts(now)
        return f"{weekday_time(local)} {self.timezone.key}: {tail}" if timed else tail

    def explain_parts(self, now: datetime) -> tuple[str, bool, datetime, datetime]:
        """explain(now) in parts: the words after the local time, whether the time goes first, and [lo, hi)
        (UTC) around ``now`` through which those words hold (an opening or a gap of one local day).
        """
        u = to_utc(now)
        local = u.astimezone(self.timezone)
        today = local.date()
        first, following, spans, _ = self._day(today)
        if not first <= u < following:  # a repeated hour that belongs to the day before: no stretch
            tail, timed, _ = self._explain(u, local, today)
            return tail, timed, u, u
        # the words are the same for every moment of one opening or one gap of a day: kept by the date
        # and the span u is in (or the number of spans started before it)
        place, lo, hi = len(spans), first, following
        for i, (s, e) in enumerate(spans):
            if s <= u < e:
                place, lo, hi = -1 - i, max(lo, s), min(e, following)
                break
            if s > u:
                place, hi = i, s
                break
            lo = max(lo, e)
        key = (today, place)
        known = self._explained.get(key)
        if known is None:
            tail, timed, lasting = self._explain(u, local, today)
            if not lasting:
                return tail, timed, u, u
            if len(self._explained) >= 4 * _CACHE_DAYS:
                self._explained.clear()
            known = self._explained[key] = (tail, timed)
        return known[0], known[1], lo, hi

    def openness(self, now: datetime) -> tuple[bool, datetime, datetime, tuple[date, int] | None]:
        """is_open(now); [lo, hi) (UTC) around ``now`` through which that answer holds; and, while closed, the
        closed stretch's key (see _closed_stretch; None while open or in a repeated hour of the day before).
        """
        u = to_utc(now)
        first, following, spans, day = self._today[0]
        if not first <= u < following:
            first, following, spans, day = self._today[0] = self._day(u.astimezone(self.timezone).date())
            if not first <= u < following:  # a repeated hour that belongs to the day before: no stretch
                return self.is_open(u), u, u, None
        lo = first
        for i, (s, e) in enumerate(spans):
            if u < s:
                return False, lo, s, (day, i)
            if u < e:
                return True, s, e, None
            lo = max(lo, e)
        return False, lo, following, (day, len(spans))

    def _explain(self, u: datetime, local: datetime, today: date) -> tuple[str, bool, bool]:
        """(what follows the local time, whether the time goes first, whether it holds for the whole span or gap)."""
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
                until = f"until {hour_minute(local_close)}"
            elif local_close.date() == today + _ONE_DAY and local_close.time() == MIDNIGHT:
                until = "until 24:00"
            else:
                until = f"until {later(today, local_close)}"
            # from the span's start on, the week ahead reaches at least this far: the same words all through it
            return f"open {until}", True, close < span[0] + _WEEK
        try:
            opens = f"opens {later(today, self.next_open(local))}"
        except ValueError:
            opens = f"does not open in the next {HORIZON_DAYS} days"
        why = self.closed.get(today)
        if why is None:
            return f"closed; {opens}", True, True
        day = day_date(local)
        # "closed: company offsite" already says closed; "Thanksgiving Day" does not
        text = f"{day} is {why}; {opens}" if why.lower().startswith("closed") else f"{day} is {why}: closed; {opens}"
        return text, False, True

    def describe(self) -> str:
        """ "Mon–Fri 09:00–12:30, 13:30–18:00; Sat 10:00–14:00 America/New_York; 12 holidays/closed dates"."""
        groups: dict[tuple[tuple[time, time, bool], ...], list[int]] = {}
        for day, windows in enumerate(self._by_day):
            if windows:
                groups.setdefault(tuple((w.start, w.end, w.overnight) for w in windows), []).append(day)
        parts = [
            f"{day_list(days)} {', '.join(w.text('–') for w in self._by_day[days[0]])}" for days in groups.values()
        ]
        text = f"{'; '.join(parts) or 'never open'} {self.timezone.key}"
        if self.dates is not None:
            text += f"; {self.dates.describe()}"
        if n := len(self.closed):
            text += f"; {n} holiday{'s' if n != 1 else ''}/closed date{'s' if n != 1 else ''}"
        return text

    @classmethod
    def build(
        cls,
        name: str,
        timezone: str,
        hours: Mapping[str, Sequence[str]],
        closed: Mapping[date, str] | None = None,
        dates: DateFilter | None = None,
    ) -> Calendar:
        """Parse the config form: {"mon-fri": ["09:00-12:30", "13:30-18:00"], "fri": ["22:00-06:00+1"]}."""
        zone = parse_zone(timezone)
        return cls(name=name, timezone=zone, windows=parse_hours(hours), closed=closed or {}, dates=dates)

    def opens_on(self, day: date) -> bool:
        """Whether an opening starts on local ``day`` (its weekday's windows, its dates, not closed)."""
        return bool(self._starting(day))

    def _closed_stretch(self, u: datetime) -> tuple[date, int] | None:
        """Where ``u`` (UTC) falls while the calendar is closed: its local date and how many of that day's spans
        had started; None while open (or in a repeated hour that belongs to the day before).

        The next opening, and so any deadline counted in open time, is the same all through one closed
        stretch: next_open and add_business_time keep their answers by it (most messages come out of hours).
        """
        first, following, spans, day = self._today[0]
        if not first <= u < following:
            first, following, spans, day = self._today[0] = self._day(u.astimezone(self.timezone).date())
            if not first <= u < following:
                return None
        place = len(spans)
        for i, (s, e) in enumerate(spans):
            if u < s:
                place = i
                break
            if u < e:
                return None
        if len(self._opens) + len(self._deadlines) >= 4 * _CACHE_DAYS:
            self._opens.clear()
            self._deadlines.clear()
        return day, place

    def _starting(self, day: date) -> tuple[_Span, ...]:
        """The openings that start on local ``day``, as UTC spans in order (cached)."""
        spans = self._starts.get(day)
        if spans is None:
            if len(self._starts) >= _CACHE_DAYS:
                self._starts.clear()
            found: list[_Span] = []
            if day not in self.closed and (self.dates is None or self.dates.matches(day)):
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
            first = datetime.combine(day, MIDNIGHT, self.timezone).astimezone(UTC)
            following = datetime.combine(day + _ONE_DAY, MIDNIGHT, self.timezone).astimezone(UTC)
            # yesterday's overnight windows reach into today, unless yesterday was closed
            tails = tuple(span for span in self._starting(day - _ONE_DAY) if span[1] > first)
            found = self._days[day] = (first, following, tails + self._starting(day), day)
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
