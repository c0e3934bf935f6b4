"""decide(): (event, customer, now, rules) → Decision: routes in order, first match wins, every reason kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Contact, Decision, Priority
from chalicelib.model.event import SupportEvent
from chalicelib.routing.calendars import Calendar
from chalicelib.routing.conditions import Context
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals, gather, zone_or
from chalicelib.routing.schema import Actions

_ACTION_FIELDS = tuple(Actions.model_fields)
#: facts kept off the stored decision: the message text is on the ticket already
_UNPUBLISHED = frozenset({"text", "subject"})


def _fill(merged: dict[str, Any], then: Actions) -> None:
    """Earlier routes win: a later route (or the default) only fills what is still unset."""
    for field in _ACTION_FIELDS:
        value = getattr(then, field)
        if value is not None and merged.get(field) is None:
            merged[field] = value


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """'Tue 24 Nov 09:00 America/New_York' (by hand: strftime costs more than the rest of a reason)."""
    t = moment.astimezone(zone)
    return f"{_DAYS[t.weekday()]} {t.day:02d} {_MONTHS[t.month - 1]} {t.hour:02d}:{t.minute:02d} {zone.key}"


_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FULL_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _spoken(moment: datetime, zone: ZoneInfo) -> str:
    """'Monday 23 November, 09:00 (Europe/London)': how a reply time reads in an auto-reply."""
    t = moment.astimezone(zone)
    return f"{_FULL_DAYS[t.weekday()]} {t.day} {_FULL_MONTHS[t.month - 1]}, {t.hour:02d}:{t.minute:02d} ({zone.key})"


def _hours(minutes: float) -> str:
    hours = minutes / 60
    return f"{hours:g} hour{'s' if hours != 1 else ''}" if hours >= 1 else f"{minutes:g} minutes"


class _Resolver:
    """Turns targets ("rotation:primary", "team:founders", "person:maya") into people and topics at ``now``."""

    def __init__(self, rules: CompiledRules, now: datetime, reasons: list[str]) -> None:
        self.rules = rules
        self.now = now
        self.reasons = reasons
        self._seen_rotations: set[str] = set()

    def people(self, target: str) -> list[tuple[str, str]]:
        """(person, via) pairs the target stands for, in order."""
        kind, _, name = target.partition(":")
        doc = self.rules.document
        if kind == "person":
            return [(name, "named")]
        if kind == "team":
            return [(member, f"team {name}") for member in doc.teams[name].members]
        on_call = self.rules.on_call(name, self.now)
        if name not in self._seen_rotations:
            self._seen_rotations.add(name)
            self.reasons.append(on_call.reason(name))
        return [(on_call.person, f"on call, rotation {name}")]

    def topic(self, target: str) -> list[tuple[str, str]]:
        """(topic, who) for paging the target."""
        kind, _, name = target.partition(":")
        doc = self.rules.document
        if kind == "team":
            return [(doc.teams[name].topic, f"team {name}")]
        return [(doc.people[p].topic, f"{doc.people[p].name} ({via})") for p, via in self.people(target)]


def decide(
    event: SupportEvent, customer: Customer, now: datetime, rules: CompiledRules, signals: Signals | None = None
) -> Decision:
    """Route one event. Pure: the clock is ``now``, the policy is ``rules``, nothing is read or written."""
    ctx, reasons = gather(event, customer, now, rules, signals or Signals())
    merged: dict[str, Any] = {}
    path: list[str] = []
    final = "default"
    facts, calendar_open = ctx.facts, ctx.calendar_open
    index = rules.match_route(facts, calendar_open, 0)
    while index >= 0:
        route = rules.routes[index]
        path.append(route.name)
        why = route.condition.explain(ctx) if route.condition is not None else "matches everything"
        reasons.append(f"route {route.name!r} matched{' (continue)' if route.continue_ else ''}: {why}")
        _fill(merged, route.then)
        if not route.continue_:
            final = route.name
            break
        index = rules.match_route(facts, calendar_open, index + 1)
    else:
        path.append("default")
        reasons.append("no route stopped the search: the default route applies")
    _fill(merged, rules.document.default.then)
    return _carry_out(merged, final, tuple(path), ctx, customer, now, rules, reasons)


def _carry_out(
    merged: dict[str, Any],
    route: str,
    path: tuple[str, ...],
    ctx: Context,
    customer: Customer,
    now: datetime,
    rules: CompiledRules,
    reasons: list[str],
) -> Decision:
    team: str = merged["team"]
    priority: Priority = merged["priority"]
    calendar_name = rules.document.teams[team].calendar
    calendar: Calendar = rules.calendars[calendar_name]
    team_open = ctx.calendar_open(calendar_name)
    resolver = _Resolver(rules, now, reasons)

    sla_text, sla_due = None, None
    if (sla := merged.get("sla")) is not None:
        minutes = sla.within.total_seconds() / 60
        if sla.clock == "business":
            sla_due = calendar.add_business_time(now, sla.within)
            sla_text = f"{_hours(minutes)} of {calendar_name} business time"
        else:
            sla_due = now + sla.within
            sla_text = f"{_hours(minutes)}"
        reasons.append(f"first response due {_when(sla_due, calendar.timezone)} ({sla_text})")

    deferred_until = None
    if merged.get("defer") == "until_open":
        if team_open:
            reasons.append(f"{calendar_name} is open: no need to defer")
        else:
            deferred_until = calendar.next_open(now)
            reasons.append(
                f"{calendar_name} is closed: the page waits until {_when(deferred_until, calendar.timezone)}"
            )

    topics: list[str] = []
    notify: list[str] = []
    if (policy := merged.get("escalation")) is not None:
        first = rules.document.escalation_policies[policy].levels[0]
        for target in first.notify:
            for topic, who in resolver.topic(target):
                notify.append(who)
                if topic not in topics:
                    topics.append(topic)
        reasons.append(
            f"escalation {policy}: first {', '.join(notify)}; acknowledge within {_hours(first.ack_timeout.total_seconds() / 60)}"
        )
    elif priority.pages:
        topics.append(rules.document.teams[team].topic)
        notify.append(f"team {team}")
        reasons.append(f"{priority.value} pages team {team}")
    else:
        reasons.append(f"{priority.value}: queued for {team}, nobody paged")

    dial: list[Contact] = []
    for target in merged.get("dial") or ():
        for person, via in resolver.people(target):
            if all(c.person != person for c in dial):
                p = rules.document.people[person]
                dial.append(Contact.model_construct(person=person, name=p.name, phone=p.phone, via=via))
    if dial:
        reasons.append("dial " + " → ".join(f"{c.name} ({c.via})" for c in dial) + " → voicemail")

    auto_reply = None
    if (template := merged.get("auto_reply")) is not None:
        zone = zone_or(customer.timezone, calendar.timezone) if customer.known else calendar.timezone
        reply_by = sla_due or deferred_until or (now if team_open else calendar.next_open(now))
        words = customer.name.split()
        auto_reply = rules.document.auto_replies[template].format(
            # a sender known only by address gets "there": "Hi dana@…" reads like a machine
            first_name=words[0] if words and "@" not in words[0] else "there",
            name=customer.name,
            reply_by=_spoken(reply_by, zone),
            team=team,
            ticket_ref="",
        )
        whose = "the customer's time" if customer.known else "the team's time: the sender's zone is unknown"
        reasons.append(f"auto-reply {template!r}, reply promised by {_when(reply_by, zone)} ({whose})")

    facts = {k: v for k, v in ctx.facts.items() if k not in _UNPUBLISHED}
    facts["customer.flags"] = ", ".join(sorted(ctx.facts["customer.flags"]))
    # every field comes from validated rules and models: validating again would cost a fifth of
    # a decision, so construct (the tests compare decisions field by field)
    return Decision.model_construct(
        route=route,
        route_path=path,
        team=team,
        priority=priority,
        tier=str(ctx.facts["customer.tier"]),
        escalation=merged.get("escalation"),
        notify=tuple(notify),
        page_targets=tuple(topics),
        dial=tuple(dial),
        sla=sla_text,
        sla_due=sla_due,
        auto_reply=auto_reply,
        deferred_until=deferred_until,
        reasons=tuple(reasons),
        facts=facts,
        rules_version=rules.version,
    )
