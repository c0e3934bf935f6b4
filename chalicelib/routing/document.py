"""The rules document as the Lambda reads it: small records for each section (reader.py fills them).

`switchboard rules compile` validates routing.yaml with the pydantic models of schema.py and writes
their JSON; `--check` in `make test` keeps routing.json in step. The Lambda trusts that file and reads
it into these records instead of validating it again: building ~35 pydantic models would cost more
cold start than the rest of the routing engine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.incidents.policy import IncidentPolicy
from chalicelib.model.decision import Priority
from chalicelib.replies.policy import ReplyPolicy
from chalicelib.routing.conditions import Condition
from chalicelib.routing.record import Record


class Person(Record):
    _fields = ("name", "phone", "email", "topic", "zone")
    __slots__ = _fields
    name: str
    phone: str
    email: str | None
    topic: str
    zone: str | None  # IANA name; None: the default calendar's

    def __init__(self, name: str, phone: str, email: str | None, topic: str, zone: str | None = None) -> None:
        super().__init__(name, phone, email, topic, zone)


class Team(Record):
    _fields = ("topic", "calendar", "members")
    __slots__ = _fields
    topic: str
    calendar: str
    members: tuple[str, ...]

    def __init__(self, topic: str, calendar: str, members: tuple[str, ...]) -> None:
        super().__init__(topic, calendar, members)


class CalendarSpec(Record):
    _fields = ("timezone", "hours", "closed", "dates")
    __slots__ = _fields
    timezone: str
    hours: dict[str, list[str]]
    closed: dict[date, str]
    #: days_of_month, months, years as compiled ("-3:-1", "1:3"); empty lists when not limited
    dates: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

    def __init__(
        self,
        timezone: str,
        hours: dict[str, list[str]],
        closed: dict[date, str],
        dates: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ()),
    ) -> None:
        super().__init__(timezone, hours, closed, dates)


class OverrideSpec(Record):
    _fields = ("person", "start", "end")
    __slots__ = _fields
    person: str
    start: datetime
    end: datetime

    def __init__(self, person: str, start: datetime, end: datetime) -> None:
        super().__init__(person, start, end)


class RotationSpec(Record):
    _fields = ("members", "period", "handoff", "timezone", "start", "overrides")
    __slots__ = _fields
    members: tuple[str, ...]
    period: str
    handoff: str
    timezone: str
    start: date
    overrides: tuple[OverrideSpec, ...]

    def __init__(
        self,
        members: tuple[str, ...],
        period: str,
        handoff: str,
        timezone: str,
        start: date,
        overrides: tuple[OverrideSpec, ...],
    ) -> None:
        super().__init__(members, period, handoff, timezone, start, overrides)


class EscalationLevel(Record):
    _fields = ("notify", "ack_timeout")
    __slots__ = _fields
    notify: tuple[str, ...]
    ack_timeout: timedelta

    def __init__(self, notify: tuple[str, ...], ack_timeout: timedelta) -> None:
        super().__init__(notify, ack_timeout)


class EscalationPolicy(Record):
    _fields = ("levels", "repeat")
    __slots__ = _fields
    levels: tuple[EscalationLevel, ...]
    repeat: int

    def __init__(self, levels: tuple[EscalationLevel, ...], repeat: int) -> None:
        super().__init__(levels, repeat)


class Tier(Record):
    _fields = ("name", "when")
    __slots__ = _fields
    name: str
    when: Condition

    def __init__(self, name: str, when: Condition) -> None:
        super().__init__(name, when)


class SentimentSpec(Record):
    _fields = ("weight", "channels")
    __slots__ = _fields
    weight: int
    channels: tuple[str, ...]

    def __init__(self, weight: int, channels: tuple[str, ...]) -> None:
        super().__init__(weight, channels)


class RepeatContact(Record):
    _fields = ("per_message", "max")
    __slots__ = _fields
    per_message: int
    max: int

    def __init__(self, per_message: int, max: int) -> None:
        super().__init__(per_message, max)


class Levels(Record):
    _fields = ("critical", "high", "normal")
    __slots__ = _fields
    critical: int
    high: int
    normal: int

    def __init__(self, critical: int, high: int, normal: int) -> None:
        super().__init__(critical, high, normal)


class Urgency(Record):
    """The urgency section: the numbers decide() uses itself, and the model's words as compiled JSON
    (understanding.Model reads them; schema.Urgency documents them)."""

    _fields = ("channel_priors", "model", "sentiment", "repeat_contact", "levels")
    __slots__ = _fields
    channel_priors: dict[str, int]
    model: dict[str, Any]
    sentiment: SentimentSpec | None
    repeat_contact: RepeatContact | None
    levels: Levels

    def __init__(
        self,
        channel_priors: dict[str, int],
        model: dict[str, Any],
        sentiment: SentimentSpec | None,
        repeat_contact: RepeatContact | None,
        levels: Levels,
    ) -> None:
        super().__init__(channel_priors, model, sentiment, repeat_contact, levels)


class Sla(Record):
    _fields = ("within", "clock")
    __slots__ = _fields
    within: timedelta
    clock: str

    def __init__(self, within: timedelta, clock: str) -> None:
        super().__init__(within, clock)


class Actions(Record):
    _fields = ("team", "priority", "escalation", "dial", "sla", "auto_reply", "defer")
    __slots__ = _fields
    team: str | None
    priority: Priority | None
    escalation: str | None
    dial: tuple[str, ...] | None
    sla: Sla | None
    auto_reply: str | None
    defer: str | None

    def __init__(
        self,
        team: str | None = None,
        priority: Priority | None = None,
        escalation: str | None = None,
        dial: tuple[str, ...] | None = None,
        sla: Sla | None = None,
        auto_reply: str | None = None,
        defer: str | None = None,
    ) -> None:
        super().__init__(team, priority, escalation, dial, sla, auto_reply, defer)


class Route(Record):
    _fields = ("name", "when", "continue_", "then")
    __slots__ = _fields
    name: str
    when: Condition | None
    continue_: bool
    then: Actions

    def __init__(self, name: str, when: Condition | None, continue_: bool, then: Actions) -> None:
        super().__init__(name, when, continue_, then)


class DefaultRoute(Record):
    _fields = ("then",)
    __slots__ = _fields
    then: Actions

    def __init__(self, then: Actions) -> None:
        super().__init__(then)


class Document(Record):
    """The whole routing policy; the sections and names of schema.RulesDocument."""

    _fields = (
        "version", "default_calendar", "people", "teams", "calendars", "rotations", "escalation_policies",
        "tiers", "urgency", "intent", "auto_replies", "routes", "default", "replies",
        "incidents",
    )  # fmt: skip
    __slots__ = _fields
    version: int
    default_calendar: str
    people: dict[str, Person]
    teams: dict[str, Team]
    calendars: dict[str, CalendarSpec]
    rotations: dict[str, RotationSpec]
    escalation_policies: dict[str, EscalationPolicy]
    tiers: tuple[Tier, ...]
    urgency: Urgency
    intent: dict[str, Any]
    auto_replies: dict[str, str]
    routes: tuple[Route, ...]
    default: DefaultRoute
    #: how automatic replies behave (the guard's policy); the defaults when the section is absent
    replies: ReplyPolicy
    #: what opens a suspected incident (detection's policy); the defaults when the section is absent
    incidents: IncidentPolicy

    def __init__(
        self,
        version: int,
        default_calendar: str,
        people: dict[str, Person],
        teams: dict[str, Team],
        calendars: dict[str, CalendarSpec],
        rotations: dict[str, RotationSpec],
        escalation_policies: dict[str, EscalationPolicy],
        tiers: tuple[Tier, ...],
        urgency: Urgency,
        intent: dict[str, Any],
        auto_replies: dict[str, str],
        routes: tuple[Route, ...],
        default: DefaultRoute,
        replies: ReplyPolicy | None = None,
        incidents: IncidentPolicy | None = None,
    ) -> None:
        super().__init__(
            version, default_calendar, people, teams, calendars, rotations, escalation_policies, tiers, urgency,
            intent, auto_replies, routes, default, replies or ReplyPolicy(), incidents or IncidentPolicy(),
        )  # fmt: skip
