"""The compiled JSON's rules section read into the document's records: its shape only, the compiler validated it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.incidents.policy import Component, IncidentPolicy
from chalicelib.model.decision import Priority
from chalicelib.replies.policy import DEFAULT_WINDOW, ReplyPolicy
from chalicelib.routing.conditions import condition
from chalicelib.routing.document import (
    Actions,
    CalendarSpec,
    DefaultRoute,
    Document,
    EscalationLevel,
    EscalationPolicy,
    Levels,
    OverrideSpec,
    Person,
    RepeatContact,
    RotationSpec,
    Route,
    SentimentSpec,
    Sla,
    Team,
    Tier,
    Urgency,
)

_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def duration(text: str) -> timedelta:
    """'1d 2h 5m' (how the compiled JSON writes a duration, see schema._duration_text) → timedelta."""
    parts: dict[str, int] = {}
    for token in text.split():
        unit, number = _UNITS.get(token[-1:]), token[:-1]
        if unit is None or unit in parts or not number.isascii() or not number.isdigit():
            raise ValueError(f"{text!r} is not a duration")
        parts[unit] = int(number)
    if not parts:
        raise ValueError(f"{text!r} is not a duration")
    return timedelta(**parts)


def _actions(data: dict[str, Any]) -> Actions:
    sla = data.get("sla")
    priority = data.get("priority")
    dial = data.get("dial")
    return Actions(
        team=data.get("team"),
        priority=None if priority is None else Priority(priority),
        escalation=data.get("escalation"),
        dial=None if dial is None else tuple(dial),
        sla=None if sla is None else Sla(duration(sla["within"]), sla.get("clock", "business")),
        auto_reply=data.get("auto_reply"),
        defer=data.get("defer"),
    )


#: the urgency section's keys decide() reads itself; the rest is the model's (understanding.Model)
_URGENCY_NUMBERS = frozenset({"channel_priors", "sentiment", "repeat_contact", "levels"})


def _urgency(data: dict[str, Any]) -> Urgency:
    sentiment, repeat, levels = data.get("sentiment"), data.get("repeat_contact"), data["levels"]
    return Urgency(
        channel_priors=dict(data.get("channel_priors", {})),
        model={k: v for k, v in data.items() if k not in _URGENCY_NUMBERS},
        sentiment=None if sentiment is None else SentimentSpec(sentiment["weight"], tuple(sentiment["channels"])),
        repeat_contact=None if repeat is None else RepeatContact(repeat["per_message"], repeat["max"]),
        levels=Levels(levels["critical"], levels["high"], levels["normal"]),
    )


def _replies(data: dict[str, Any] | None) -> ReplyPolicy:
    """The ``replies`` section; absent (rules compiled before it existed, a hand-made document): the defaults."""
    if not data:
        return ReplyPolicy()
    window = data.get("once_per_thread")
    return ReplyPolicy.build(
        once_per_thread=DEFAULT_WINDOW if window is None else duration(window),
        channels=data.get("channels"),
        x_mentions=data.get("x_mentions", "dm_invitation"),
        never_answer=data.get("never_answer", ()),
    )


def _incidents(data: dict[str, Any] | None, defined: Any) -> IncidentPolicy:
    """The ``incidents`` section; absent (rules compiled before it existed, a hand-made document): the defaults.

    Unnamed concepts default to the outage-class ones the urgency section defines (``defined``).
    """
    data = data or {}
    defaults = IncidentPolicy()
    window = data.get("window")
    concepts = data.get("concepts")
    return IncidentPolicy(
        distinct_senders=data.get("distinct_senders", defaults.distinct_senders),
        window=defaults.window if window is None else duration(window),
        vip_weight=data.get("vip_weight", defaults.vip_weight),
        concepts=[c for c in defaults.concepts if c in (defined or {})] if concepts is None else concepts,
        components=[Component(c["name"], c.get("description", "")) for c in data.get("components", ())],
        page=(page["team"], page.get("priority", "P1"), page.get("escalation")) if (page := data.get("page")) else None,
        post_to_x=bool(data.get("post_to_x", False)),
    )


def parse(data: dict[str, Any]) -> Document:
    """The compiled JSON's ``rules`` section (schema.RulesDocument dumped by alias) → Document.

    Only the shape is read: values were validated when the JSON was compiled. A file that is not
    that shape raises KeyError, TypeError or ValueError.
    """
    return Document(
        version=data["version"],
        default_calendar=data["default_calendar"],
        people={
            name: Person(p["name"], p["phone"], p.get("email"), p["topic"], p.get("zone"))
            for name, p in data["people"].items()
        },
        teams={name: Team(t["topic"], t["calendar"], tuple(t.get("members", ()))) for name, t in data["teams"].items()},
        calendars={
            name: CalendarSpec(
                c["timezone"],
                c["hours"],
                {date.fromisoformat(d): why for d, why in c.get("closed", {}).items()},
                (tuple(c.get("days_of_month", ())), tuple(c.get("months", ())), tuple(c.get("years", ()))),
            )
            for name, c in data["calendars"].items()
        },
        rotations={
            name: RotationSpec(
                tuple(r["members"]),
                r["period"],
                r["handoff"],
                r["timezone"],
                date.fromisoformat(r["start"]),
                tuple(
                    OverrideSpec(o["person"], datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"]))
                    for o in r.get("overrides", ())
                ),
            )
            for name, r in data.get("rotations", {}).items()
        },
        escalation_policies={
            name: EscalationPolicy(
                tuple(EscalationLevel(tuple(lv["notify"]), duration(lv["ack_timeout"])) for lv in p["levels"]),
                p.get("repeat", 0),
            )
            for name, p in data.get("escalation_policies", {}).items()
        },
        tiers=tuple(Tier(t["name"], condition(t["when"])) for t in data.get("tiers", ())),
        urgency=_urgency(data["urgency"]),
        intent=dict(data.get("intent", {})),
        auto_replies=dict(data.get("auto_replies", {})),
        routes=tuple(
            Route(
                r["name"],
                None if r.get("when") is None else condition(r["when"]),
                r.get("continue", False),
                _actions(r["then"]),
            )
            for r in data["routes"]
        ),
        default=DefaultRoute(_actions(data["default"]["then"])),
        replies=_replies(data.get("replies")),
        incidents=_incidents(data.get("incidents"), data["urgency"].get("concepts")),
    )
