"""Business hours as a small frozen value type: days, a half-open [start, end) window, a time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BusinessHours:
    timezone: ZoneInfo
    days: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start: time
    end: time

    def contains(self, now: datetime) -> bool:
        """Whether ``now`` (any aware datetime) falls in business hours, in the calendar's own zone."""
        local = now.astimezone(self.timezone)
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.timezone)

    def describe(self) -> str:
        days = sorted(self.days)
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
            span = f"{DAY_NAMES[days[0]].title()}–{DAY_NAMES[days[-1]].title()}"
        else:
            span = ",".join(DAY_NAMES[d].title() for d in days)
        return f"{span} {self.start:%H:%M}–{self.end:%H:%M} {self.timezone.key}"
