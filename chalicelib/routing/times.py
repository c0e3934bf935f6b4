"""What a plan's times come to at a moment: the first-response deadline, the deferral, the promised reply.

Most messages arrive while the team's calendar is closed (nights, weekends). Then the next opening,
a deadline counted in business time and so the reply promised are the same all through that closed
stretch, and so are their words: they are worked out on the stretch's first message and kept on the
plan. A deadline on the wall clock (`clock: calendar`) moves with every message and is not kept.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.routing.plans import Plan

#: closed stretches kept per plan (a few a day)
STRETCHES = 256

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FULL_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def when(moment: datetime, zone: ZoneInfo) -> str:
    """'Tue 24 Nov 09:00 America/New_York' (by hand: strftime costs more than the rest of a reason)."""
    t = moment.astimezone(zone)
    return f"{_DAYS[t.weekday()]} {t.day:02d} {_MONTHS[t.month - 1]} {t.hour:02d}:{t.minute:02d} {zone.key}"


def spoken(moment: datetime, zone: ZoneInfo) -> str:
    """'Monday 23 November, 09:00 (Europe/London)': how a reply time reads in an auto-reply."""
    t = moment.astimezone(zone)
    return f"{_FULL_DAYS[t.weekday()]} {t.day} {_FULL_MONTHS[t.month - 1]}, {t.hour:02d}:{t.minute:02d} ({zone.key})"


class Times:
    """The plan's times at one moment (kept per closed stretch: not to be changed once made)."""

    __slots__ = ("deferred_until", "reasons", "reply_by", "sla_due", "told")

    def __init__(
        self,
        sla_due: datetime | None,
        deferred_until: datetime | None,
        reasons: tuple[str, ...],
        reply_by: datetime | None,
    ) -> None:
        self.sla_due = sla_due
        self.deferred_until = deferred_until
        #: the deadline's and the deferral's reasons, in that order
        self.reasons = reasons
        #: when the auto-reply promises an answer (None: the plan has no auto-reply)
        self.reply_by = reply_by
        #: the promised reply in words, by the zone it is told in and whether the customer is known
        self.told: dict[tuple[ZoneInfo, bool], tuple[str, str]] = {}

    def reply_words(self, template: str, zone: ZoneInfo, known: bool) -> tuple[str, str]:
        """The promised reply time as auto-reply ``template`` says it, and that auto-reply's reason, in ``zone``."""
        words = self.told.get((zone, known))
        if words is None:
            assert self.reply_by is not None
            whose = "the customer's time" if known else "the team's time: the sender's zone is unknown"
            reason = f"auto-reply {template!r}, reply promised by {when(self.reply_by, zone)} ({whose})"
            words = self.told[zone, known] = (spoken(self.reply_by, zone), reason)
        return words


def times(plan: Plan, now: datetime, team_open: bool, stretch: tuple[date, int] | None) -> Times:
    """The plan's times at ``now``; ``team_open``: whether the team's calendar is open; ``stretch``: which
    closed stretch of it ``now`` is in (Calendar.openness), if any.
    """
    if stretch is None or (plan.sla is not None and plan.sla.clock != "business"):
        return _times(plan, now, team_open)
    found: Times | None = plan.closed.get(stretch)
    if found is None:
        if len(plan.closed) >= STRETCHES:
            plan.closed.clear()
        found = plan.closed[stretch] = _times(plan, now, team_open)
    return found


def _times(plan: Plan, now: datetime, team_open: bool) -> Times:
    calendar, reasons = plan.calendar, []
    sla_due = None
    if plan.sla is not None:
        within = plan.sla.within
        sla_due = calendar.add_business_time(now, within) if plan.sla.clock == "business" else now + within
        reasons.append(f"first response due {when(sla_due, calendar.timezone)} ({plan.sla_text})")
    deferred_until = None
    if plan.defer:
        if team_open:
            reasons.append(f"{plan.calendar_name} is open: no need to defer")
        else:
            deferred_until = calendar.next_open(now)
            reasons.append(
                f"{plan.calendar_name} is closed: the page waits until {when(deferred_until, calendar.timezone)}"
            )
    reply_by = None
    if plan.auto_reply is not None:
        reply_by = sla_due or deferred_until or (now if team_open else calendar.next_open(now))
    return Times(sla_due, deferred_until, tuple(reasons), reply_by)
