"""Times as the console shows them: in the viewer's zone, the customer's beside it when a customer is concerned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.routing.zones import day_date, day_time, hour_minute

if TYPE_CHECKING:
    from chalicelib.routing.engine import CompiledRules


@dataclass(frozen=True)
class Time:
    """One instant for a template: ``<time datetime="{{ iso }}">{{ text }}</time>``."""

    iso: str  # UTC, machine-readable
    text: str  # "Tue 17 Nov 03:12", or "Tue 17 Nov 03:12 (09:12 their time)"


def viewer_zone(rules: CompiledRules, person: str) -> ZoneInfo:
    """The person's own zone from the rules, else the default calendar's (the business's)."""
    who = rules.document.people.get(person)
    zone = getattr(who, "zone", None)
    return ZoneInfo(zone) if zone else rules.default_calendar.timezone


def customer_zone(name: str | None) -> ZoneInfo | None:
    """The customer's zone, or None when it is unset or not a zone we know (then only ours is shown)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return None


def at(moment: datetime, zone: ZoneInfo, theirs: ZoneInfo | None = None) -> Time:
    """``moment`` in the viewer's zone; with ``theirs`` when the customer's clock reads differently."""
    mine = moment.astimezone(zone)
    text = day_time(mine)
    if theirs is not None:
        other = moment.astimezone(theirs)
        if other.utcoffset() != mine.utcoffset():
            day = "" if other.date() == mine.date() else f"{day_date(other)} "
            text += f" ({day}{hour_minute(other)} their time)"
    return Time(moment.astimezone(UTC).isoformat(), text)


def maybe(moment: datetime | None, zone: ZoneInfo, theirs: ZoneInfo | None = None) -> Time | None:
    return None if moment is None else at(moment, zone, theirs)


def local_now(now: datetime, zone: ZoneInfo | None) -> str:
    """The customer's wall clock now ("Tue 17 Nov 09:12 Europe/Berlin"); "" when their zone is unknown."""
    return "" if zone is None else f"{day_time(now.astimezone(zone))} {zone.key}"


def until(later: datetime, now: datetime) -> str:
    """ "in 4 min", "in 2 h 05 min", "3 min ago": a timer read at ``now``."""
    seconds = int((later - now).total_seconds())
    words = _span(timedelta(seconds=abs(seconds)))
    return f"in {words}" if seconds > 0 else ("now" if seconds == 0 else f"{words} ago")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"
