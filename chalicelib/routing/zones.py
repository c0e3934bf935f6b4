"""Time zones for the routing engine: an IANA zone by name, aware instants in UTC, a local moment in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def day_time(moment: datetime) -> str:
    """ "Fri 27 Nov 09:00", in ``moment``'s own zone."""
    return f"{day_date(moment)} {hour_minute(moment)}"


# English names by hand rather than strftime: independent of the locale, and cheaper on every decision's reasons
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def hour_minute(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_date(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def weekday_time(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {hour_minute(moment)}"


def later(today: date, moment: datetime) -> str:
    """A later moment: "Tue 09:00" within the week, "Mon 4 Jan 09:00" beyond it."""
    return day_time(moment) if (moment.date() - today).days >= 6 else weekday_time(moment)
