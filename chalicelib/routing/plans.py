"""What a route path decides, worked out once per path: merged actions, the team's calendar, who is reached.

Every message that takes the same routes gets the same team, priority, SLA, escalation and dial
list; only times, the customer and who is on call differ. So the merge, the static texts and, where
no rotation is involved, the pages and dial list are prepared once per path and kept on the rules.
"""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Any

from chalicelib.model.decision import Contact, Priority
from chalicelib.routing.calendars import Calendar
from chalicelib.routing.document import Actions, Sla
from chalicelib.routing.engine import PLAN_CACHE, CompiledRules, Moment
from chalicelib.routing.record import Record

_ACTION_FIELDS = Actions._fields


class Targets(Record):
    """Who is paged and dialled, and the reasons saying so (rotations first named, then the pages, the dial)."""

    _fields = ("reasons", "notify", "topics", "dial")
    __slots__ = _fields
    reasons: tuple[str, ...]
    notify: tuple[str, ...]
    topics: tuple[str, ...]
    dial: tuple[Contact, ...]

    def __init__(
        self, reasons: tuple[str, ...], notify: tuple[str, ...], topics: tuple[str, ...], dial: tuple[Contact, ...]
    ) -> None:
        super().__init__(reasons, notify, topics, dial)


class Plan(Record):
    """What one route path decides: the merged actions and what follows from them alone."""

    _fields = (
        "route", "path", "team", "priority", "escalation", "calendar_name", "calendar", "sla", "sla_text", "defer",
        "auto_reply", "template", "reply_parts", "dial", "targets", "targets_key", "closed",
    )  # fmt: skip
    __slots__ = _fields
    route: str
    path: tuple[str, ...]
    team: str
    priority: Priority
    escalation: str | None
    calendar_name: str
    calendar: Calendar
    sla: Sla | None
    #: "4 hours of office business time"
    sla_text: str | None
    defer: bool
    auto_reply: str | None
    #: the auto-reply's text, to be filled in
    template: str
    #: the template as (text, then the first name (0), name (1) or reply time (2), or -1: nothing), the team
    #: and ticket reference already in; None: it formats a field in a way only str.format can
    reply_parts: tuple[tuple[str, int], ...] | None
    dial: tuple[str, ...]
    #: None: a rotation is involved, so they depend on who is on call
    targets: Targets | None
    #: what the targets depend on besides who is on call
    targets_key: tuple[Any, ...]
    #: its times in each closed stretch of the team's calendar (times.py)
    closed: dict[Any, Any]

    def __init__(
        self,
        *,
        route: str,
        path: tuple[str, ...],
        team: str,
        priority: Priority,
        escalation: str | None,
        calendar_name: str,
        calendar: Calendar,
        sla: Sla | None,
        sla_text: str | None,
        defer: bool,
        auto_reply: str | None,
        template: str,
        reply_parts: tuple[tuple[str, int], ...] | None,
        dial: tuple[str, ...],
        targets: Targets | None,
        targets_key: tuple[Any, ...],
        closed: dict[Any, Any],
    ) -> None:
        super().__init__(
            route, path, team, priority, escalation, calendar_name, calendar, sla, sla_text, defer, auto_reply,
            template, reply_parts, dial, targets, targets_key, closed,
        )  # fmt: skip


def hours(minutes: float) -> str:
    hours = minutes / 60
    return f"{hours:g} hour{'s' if hours != 1 else ''}" if hours >= 1 else f"{minutes:g} minutes"


def plan_for(rules: CompiledRules, key: tuple[int, ...]) -> Plan:
    """The plan for the routes at indexes ``key`` (-1 last: no route stopped, the default applies)."""
    found: Plan | None = rules.plans.get(key)
    if found is None:
        found = _plan(rules, key)
        if len(rules.plans) >= PLAN_CACHE:
            rules.plans.clear()
        rules.plans[key] = found
    return found


def _plan(rules: CompiledRules, key: tuple[int, ...]) -> Plan:
    merged: dict[str, Any] = {}
    path = []
    for index in key:
        then = rules.document.default.then if index < 0 else rules.routes[index].then
        path.append("default" if index < 0 else rules.routes[index].name)
        # earlier routes win: a later route only fills what is still unset
        for field in _ACTION_FIELDS:
            value = getattr(then, field)
            if value is not None and merged.get(field) is None:
                merged[field] = value
    for field in _ACTION_FIELDS:  # and the default fills the rest
        value = getattr(rules.document.default.then, field)
        if value is not None and merged.get(field) is None:
            merged[field] = value
    team: str = merged["team"]
    calendar_name = rules.document.teams[team].calendar
    sla: Sla | None = merged.get("sla")
    sla_text = None
    if sla is not None:
        within = hours(sla.within.total_seconds() / 60)
        sla_text = f"{within} of {calendar_name} business time" if sla.clock == "business" else within
    dial: tuple[str, ...] = merged.get("dial") or ()
    escalation: str | None = merged.get("escalation")
    priority: Priority = merged["priority"]
    first = rules.document.escalation_policies[escalation].levels[0].notify if escalation is not None else ()
    static = all(not target.startswith("rotation:") for target in (*first, *dial))
    template = rules.document.auto_replies[merged["auto_reply"]] if merged.get("auto_reply") else ""
    return Plan(
        route=path[-1],
        path=tuple(path),
        team=team,
        priority=priority,
        escalation=escalation,
        calendar_name=calendar_name,
        calendar=rules.calendars[calendar_name],
        sla=sla,
        sla_text=sla_text,
        defer=merged.get("defer") == "until_open",
        auto_reply=merged.get("auto_reply"),
        template=template,
        reply_parts=_reply_parts(template, team),
        dial=dial,
        targets=targets(rules, escalation, priority, team, dial, None) if static else None,
        targets_key=(escalation, dial, team, priority.value),
        closed={},
    )


_PER_MESSAGE = {"first_name": 0, "name": 1, "reply_by": 2}


def _reply_parts(template: str, team: str) -> tuple[tuple[str, int], ...] | None:
    """An auto-reply template taken apart once, so each message only joins its parts (str.format parses it anew)."""
    parts: list[tuple[str, int]] = []
    for text, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            parts.append((text, -1))
        elif spec or conversion:
            return None
        elif field in _PER_MESSAGE:
            parts.append((text, _PER_MESSAGE[field]))
        else:  # the team and ticket reference are the same for every message on this path
            parts.append((text + {"team": team, "ticket_ref": ""}[field], -1))
    return tuple(parts)


def targets_at(rules: CompiledRules, plan: Plan, moment: Moment) -> Targets:
    """The plan's targets at ``moment``: worked out once while the same people are on call, if they depend on it."""
    if plan.targets is not None:
        return plan.targets
    found: Targets | None = moment.memo.get(plan.targets_key)
    if found is None:
        found = moment.memo[plan.targets_key] = targets(
            rules, plan.escalation, plan.priority, plan.team, plan.dial, moment
        )
    return found


def targets(
    rules: CompiledRules,
    escalation: str | None,
    priority: Priority,
    team: str,
    dial_targets: tuple[str, ...],
    moment: Moment | None,
) -> Targets:
    """Turn targets ("rotation:primary", "team:founders", "person:maya") into topics and people."""
    doc = rules.document
    reasons: list[str] = []
    named: set[str] = set()

    def people(target: str) -> list[tuple[str, str]]:
        """(person, via) pairs the target stands for, in order."""
        kind, _, name = target.partition(":")
        if kind == "person":
            return [(name, "named")]
        if kind == "team":
            return [(member, f"team {name}") for member in doc.teams[name].members]
        assert moment is not None, "a rotation target needs the moment"
        on_call = moment.on_call[name]
        if name not in named:  # the first time a rotation is used, say who is on call and why
            named.add(name)
            reasons.append(on_call.reason(name))
        return [(on_call.person, f"on call, rotation {name}")]

    def topic(target: str) -> list[tuple[str, str]]:
        kind, _, name = target.partition(":")
        if kind == "team":
            return [(doc.teams[name].topic, f"team {name}")]
        return [(doc.people[p].topic, f"{doc.people[p].name} ({via})") for p, via in people(target)]

    topics: list[str] = []
    notify: list[str] = []
    if escalation is not None:
        first = doc.escalation_policies[escalation].levels[0]
        for target in first.notify:
            for name, who in topic(target):
                notify.append(who)
                if name not in topics:
                    topics.append(name)
        reasons.append(
            f"escalation {escalation}: first {', '.join(notify)}; acknowledge within {_ack(first.ack_timeout)}"
        )
    elif priority.pages:
        topics.append(doc.teams[team].topic)
        notify.append(f"team {team}")
        reasons.append(f"{priority.value} pages team {team}")
    else:
        reasons.append(f"{priority.value}: queued for {team}, nobody paged")

    dial: list[Contact] = []
    for target in dial_targets:
        for person, via in people(target):
            if all(c.person != person for c in dial):
                p = doc.people[person]
                dial.append(Contact.model_construct(person=person, name=p.name, phone=p.phone, via=via))
    if dial:
        reasons.append("dial " + " → ".join(f"{c.name} ({c.via})" for c in dial) + " → voicemail")
    return Targets(tuple(reasons), tuple(notify), tuple(topics), tuple(dial))


def _ack(timeout: timedelta) -> str:
    return hours(timeout.total_seconds() / 60)
