"""What a plan's times come to at a moment: the first-response deadline, the deferral, the promised reply.

Most messages arrive while the team's calendar is closed (nights, weekends). Then the next opening,
a deadline counted in business time and so the reply promised are the same all through that closed
stretch: they are worked out on the stretch's first message and kept on the plan. Their words are
not quite: "today" and "tomorrow" count from the message's date in the customer's zone, so the words
are kept by that date and zone too. A deadline on the wall clock (`clock: calendar`) moves with
every message and is not kept.

A promise is said as a person would say it: in the customer's zone and days ("by 9:00 tomorrow your
time (15:00 in New York)"), never in their night, and never earlier than the reply is due.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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


#: a promise that would fall in the customer's night, [21:00, 08:00) their time, moves to their next morning
NIGHT_FROM, NIGHT_UNTIL = time(21), time(8)
#: the morning hour promised instead: when a working day starts, a time a customer expects to hear back
MORNING = time(9)
#: promised times are rounded up to this many minutes: "by 14:30", not "by 14:17"
ROUND_MINUTES = 15
#: told words kept per Times (one per zone, sender kind and local date of the message in a closed stretch)
_TOLD = 64


def city(zone: ZoneInfo) -> str:
    """'New York' for America/New_York: how people name a zone."""
    return zone.key.rsplit("/", 1)[-1].replace("_", " ")


def _clock(t: datetime) -> str:
    return f"{t.hour}:{t.minute:02d}"


def _day_words(t: datetime, today: date) -> str:
    """'9:00 tomorrow', '14:30 today', 'Monday 9:00', 'Monday 4 January, 9:00': relative to ``today``."""
    ahead = (t.date() - today).days
    if ahead == 0:
        return f"{_clock(t)} today"
    if ahead == 1:
        return f"{_clock(t)} tomorrow"
    if 1 < ahead < 7:
        return f"{_FULL_DAYS[t.weekday()]} {_clock(t)}"
    return f"{_FULL_DAYS[t.weekday()]} {t.day} {_FULL_MONTHS[t.month - 1]}, {_clock(t)}"


def keepable(reply_by: datetime, zone: ZoneInfo, awake: bool) -> tuple[datetime, str]:
    """The time to promise for ``reply_by``, told in ``zone``: never earlier, so a promise we can keep; and why.

    Rounded up to the quarter hour. Unless someone is working on it now (``awake``: the deadline runs
    on the wall clock and a person is paged), a time in the customer's night is the edge of our
    working day seen from their side of the world ("Wednesday 00:00" for 18:00 New York in Berlin):
    we promise their next morning instead, which is later and reads like a time a person would say.
    """
    rounded = reply_by.replace(second=0, microsecond=0)
    if rounded != reply_by:  # 14:15:30 is promised as 14:30
        rounded += timedelta(minutes=1)
    rounded += timedelta(minutes=-rounded.minute % ROUND_MINUTES)
    local = rounded.astimezone(zone)
    at = local.timetz().replace(tzinfo=None)
    if awake or NIGHT_UNTIL <= at < NIGHT_FROM:
        return rounded, ""
    day = local.date() + timedelta(days=1) if at >= NIGHT_FROM else local.date()
    morning = datetime.combine(day, MORNING, tzinfo=zone)
    night = f"{NIGHT_FROM:%H:%M}–{NIGHT_UNTIL:%H:%M}"
    return morning, f"; {_clock(local)} is in their night ({night} {zone.key}): their next morning is promised"


def promise_words(
    reply_by: datetime, now: datetime, zone: ZoneInfo | None, office: ZoneInfo, awake: bool
) -> tuple[str, datetime, str]:
    """How an auto-reply says ``reply_by`` to someone writing at ``now``: the words, the time promised, why.

    ``zone``: the customer's (None: an unknown sender, told in the office's zone, named). Words are
    relative to the message's moment in the zone they are told in; when the office's zone differs,
    both times are said, unless the promise moved to the customer's morning (the office's time for
    it would be an hour of our night, which reads as a promise of its own).
    """
    told_in = zone or office
    promised, moved = keepable(reply_by, told_in, awake)
    local = promised.astimezone(told_in)
    words = _day_words(local, now.astimezone(told_in).date())
    if zone is None:
        return f"{words}, {city(office)} time", promised, moved
    ours = promised.astimezone(office)
    if ours.utcoffset() == local.utcoffset():
        return words, promised, moved
    # a morning moved into the customer's day is an odd hour in ours ("3:00 in New York"): not said
    if moved:
        return f"{words} your time", promised, moved
    day = "" if ours.date() == local.date() else f"{_FULL_DAYS[ours.weekday()]} "
    return f"{words} your time ({day}{_clock(ours)} in {city(office)})", promised, moved


class Times:
    """The plan's times at one moment (kept per closed stretch: not to be changed once made)."""

    __slots__ = ("awake", "deferred_until", "reasons", "reply_by", "sla_due", "told")

    def __init__(
        self,
        sla_due: datetime | None,
        deferred_until: datetime | None,
        reasons: tuple[str, ...],
        reply_by: datetime | None,
        awake: bool = False,
    ) -> None:
        self.sla_due = sla_due
        self.deferred_until = deferred_until
        #: the deadline's and the deferral's reasons, in that order
        self.reasons = reasons
        #: when the auto-reply promises an answer (None: the plan has no auto-reply)
        self.reply_by = reply_by
        #: whether the reply time runs on the wall clock with nothing deferred: someone works on it now
        self.awake = awake
        #: the promised reply in words and its reason, by the customer's zone (None: an unknown sender), the
        #: office's, and the message's date in the zone the words are told in
        self.told: dict[tuple[ZoneInfo | None, ZoneInfo, date], tuple[str, str]] = {}

    def reply_words(self, template: str, now: datetime, zone: ZoneInfo | None, office: ZoneInfo) -> tuple[str, str]:
        """The promised reply time as auto-reply ``template`` says it to a message at ``now``, and the reason.

        ``zone``: the customer's; None for an unknown sender. "today" and "tomorrow" depend on the
        message's local date, so the words are kept by it, not only by the closed stretch.
        """
        told_in = zone or office
        key = (zone, office, now.astimezone(told_in).date())
        words = self.told.get(key)
        if words is None:
            assert self.reply_by is not None
            said, promised, moved = promise_words(self.reply_by, now, zone, office, self.awake)
            whose = "the customer's time" if zone is not None else "the team's time: the sender's zone is unknown"
            reason = (
                f"auto-reply {template!r}, reply promised by {when(promised, told_in)} ({whose}): "
                f'"{said}" for a reply due {when(self.reply_by, told_in)}{moved}'
            )
            if len(self.told) >= _TOLD:
                self.told.clear()
            words = self.told[key] = (said, reason)
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
    # a deadline on the wall clock with nothing deferred: a person is paged and works on it now
    awake = sla_due is not None and plan.sla is not None and plan.sla.clock != "business" and deferred_until is None
    return Times(sla_due, deferred_until, tuple(reasons), reply_by, awake)
