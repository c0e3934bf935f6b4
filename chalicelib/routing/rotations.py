"""On-call rotations as small frozen values: who holds the pager at an instant, overrides first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from chalicelib.routing.record import Record
from chalicelib.routing.zones import day_time, parse_zone, to_utc

Period = Literal["daily", "weekly"]
_PERIOD_DAYS = {"daily": 1, "weekly": 7}
_ONE_DAY = timedelta(days=1)
_CLOCK = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")
_set = object.__setattr__


class Override(Record):
    """``person`` holds the pager instead of the rotation during [start, end)."""

    _fields = ("person", "start", "end")
    __slots__ = _fields
    person: str
    start: datetime  # aware
    end: datetime

    def __init__(self, person: str, start: datetime, end: datetime) -> None:
        super().__init__(person, start, end)
        if not self.person:
            raise ValueError("override without a person")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(
                f"override for {self.person} ({self.start.isoformat()} – {self.end.isoformat()}): "
                "give start and end with a time zone, e.g. 2026-11-27T09:00:00-05:00"
            )
        # compared in UTC: two datetimes in one ZoneInfo compare by wall clock, blind to the fall-back hour
        if to_utc(self.end) <= to_utc(self.start):
            raise ValueError(
                f"override for {self.person}: end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )


class OnCall(Record):
    """Who is on call, the regular shift around that instant, and the override that put them there, if any."""

    _fields = ("person", "shift_start", "shift_end", "override", "scheduled")
    __slots__ = _fields
    person: str
    shift_start: datetime  # aware, in the rotation's zone
    shift_end: datetime
    override: Override | None
    scheduled: str  # whom the rotation itself puts on this shift; differs from person under an override

    def __init__(
        self, person: str, shift_start: datetime, shift_end: datetime, override: Override | None, scheduled: str
    ) -> None:
        super().__init__(person, shift_start, shift_end, override, scheduled)

    def reason(self, rotation: str) -> str:
        """ "rotation primary: leo on call (Mon 23 Nov 09:00 – Mon 30 Nov 09:00 America/New_York)"."""
        zone = self.shift_start.tzinfo
        if self.override is None:
            return (
                f"rotation {rotation}: {self.person} on call "
                f"({day_time(self.shift_start)} – {day_time(self.shift_end)} {zone})"
            )
        until = day_time(self.override.end.astimezone(zone))
        instead = f" (instead of {self.scheduled})" if self.scheduled != self.person else ""
        return f"rotation {rotation}: {self.person} on call by override until {until} {zone}{instead}"


_Ranked = tuple[datetime, datetime, Override]  # an override's [start, end) in UTC, and the override
# a regular shift's [start, end) in UTC, its answer, and the answers of the overrides touching it, latest first
_Shift = tuple[datetime, datetime, OnCall, tuple[tuple[datetime, datetime, OnCall], ...]]
_RECENT_SHIFTS = 8


class Rotation(Record):
    """Members take turns, one shift each, handing off at the same local wall-clock time every day or week.

    Shifts are counted in local calendar days, so the handoff stays at ``handoff`` across DST changes (a weekly
    shift over the fall-back night lasts 169 real hours). A handoff in a spring-forward gap is read with the offset
    before the gap (zoneinfo's fold=0), as calendar windows are.
    """

    _fields = ("name", "members", "period", "handoff", "timezone", "start", "overrides")
    __slots__ = (*_fields, "_latest_first", "_recent")
    name: str
    members: tuple[str, ...]  # in order; at least one
    period: Period
    handoff: time  # local wall-clock
    timezone: ZoneInfo
    start: date  # the first shift starts at this date's handoff with members[0]; weekly: sets the handoff weekday
    overrides: tuple[Override, ...]
    # (start, end) in UTC, latest-starting first, so the first that covers an instant is the one that wins
    _latest_first: tuple[_Ranked, ...]
    # the shifts on_call answered last, most recent first, with their answers built: most calls land in a known
    # shift and cost a few comparisons, and a file that keeps years of past overrides costs nothing extra
    _recent: list[_Shift]

    def __init__(
        self,
        name: str,
        members: Sequence[str],
        period: Period,
        handoff: time,
        timezone: ZoneInfo,
        start: date,
        overrides: Sequence[Override] = (),
    ) -> None:
        if isinstance(members, str):
            raise ValueError(f"members {members!r}: give a list of people")
        members = tuple(members)
        if not members:
            raise ValueError("no members: a rotation needs at least one person")
        if any(not m for m in members):
            raise ValueError("a member has an empty name")
        if duplicate := next((m for i, m in enumerate(members) if m in members[:i]), None):
            raise ValueError(f"member {duplicate!r} is listed twice; list each person once")
        if period not in _PERIOD_DAYS:
            raise ValueError(f"period {period!r}: use daily or weekly")
        if handoff.tzinfo is not None:
            raise ValueError(f"handoff {handoff}: give a wall-clock time; the rotation carries the zone")
        if isinstance(start, datetime) or not isinstance(start, date):
            raise ValueError(f"start {start!r}: give a date such as 2026-11-23 (the handoff sets the time)")
        overrides = tuple(overrides)
        super().__init__(name, members, period, handoff, timezone, start, overrides)
        # ties on start: the override listed last wins, as a later edit to the file would expect
        ranked = sorted(enumerate(overrides), key=lambda io: (to_utc(io[1].start), io[0]), reverse=True)
        _set(self, "_latest_first", tuple((to_utc(o.start), to_utc(o.end), o) for _, o in ranked))
        _set(self, "_recent", [])
        self._recent.append(self._shift_at(self._handoff_at(self.start)))

    def on_call(self, now: datetime) -> OnCall:
        """Who holds the pager at ``now`` (any aware datetime); the latest-starting override covering it wins."""
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now.isoformat()}: give it a time zone")
        u = now.astimezone(UTC)
        shift = self._shift(u)
        for start, end, answer in shift[3]:
            if start <= u < end:
                return answer
        return shift[2]

    def _shift(self, u: datetime) -> _Shift:
        for shift in self._recent:
            if shift[0] <= u < shift[1]:
                return shift
        shift = self._shift_at(u)
        self._recent.insert(0, shift)
        del self._recent[_RECENT_SHIFTS:]
        return shift

    def on_call_through(self, now: datetime) -> tuple[OnCall, datetime, datetime]:
        """on_call(now), and [lo, hi) (UTC) around ``now`` through which that answer holds."""
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now.isoformat()}: give it a time zone")
        u = now.astimezone(UTC)
        shift = self._shift(u)
        lo, hi = shift[0], shift[1]
        # latest-starting first, as on_call: each override that does not hold u bounds the stretch
        for start, end, answer in shift[3]:
            if start <= u < end:
                return answer, max(lo, start), min(hi, end)
            if start > u:
                hi = min(hi, start)
            else:
                lo = max(lo, end)
        return shift[2], lo, hi

    @classmethod
    def build(
        cls,
        name: str,
        members: Sequence[str],
        period: str,
        handoff: str,
        timezone: str,
        start: date,
        overrides: Sequence[tuple[str, datetime, datetime]] = (),
    ) -> Rotation:
        """Parse the config form: handoff "HH:MM", an IANA zone name, overrides as (person, start, end)."""
        if period not in _PERIOD_DAYS:
            raise ValueError(f"period {period!r}: use daily or weekly")
        if isinstance(members, str):
            raise ValueError(f"members {members!r}: give a list of people")
        return cls(
            name=name,
            members=tuple(members),
            period=cast(Period, period),
            handoff=_parse_handoff(handoff),
            timezone=parse_zone(timezone),
            start=start,
            overrides=tuple(Override(person, begins, ends) for person, begins, ends in overrides),
        )

    def _handoff_at(self, day: date) -> datetime:
        return datetime.combine(day, self.handoff, self.timezone).astimezone(UTC)

    def _shift_at(self, u: datetime) -> _Shift:
        """The regular shift holding ``u``: [start, end) in UTC, who the rotation puts on it, overrides touching it."""
        day = u.astimezone(self.timezone).date()
        if u < self._handoff_at(day):
            day -= _ONE_DAY
        step = _PERIOD_DAYS[self.period]
        index = (day - self.start).days // step  # floor division: before `start`, shifts count backwards
        shift_day = self.start + timedelta(days=index * step)
        first, following = self._handoff_at(shift_day), self._handoff_at(shift_day + timedelta(days=step))
        person = self.members[index % len(self.members)]
        local_first, local_following = first.astimezone(self.timezone), following.astimezone(self.timezone)
        touching = tuple(
            (s, e, OnCall(o.person, local_first, local_following, o, person))
            for s, e, o in self._latest_first
            if s < following and e > first
        )
        return first, following, OnCall(person, local_first, local_following, None, person), touching


def _parse_handoff(text: str) -> time:
    found = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(f"handoff {text!r}: write HH:MM on a 24-hour clock, e.g. 09:00")
    return time(int(found[1]), int(found[2]))
