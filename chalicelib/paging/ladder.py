"""The escalation ladder a page snapshots when it opens: each level's people resolved at that moment.

Pure: (rules, decision, now) in, levels out. Resolving people now, not at each tick, is the point:
a config deploy or a rotation handoff while the page is in flight does not change who it reaches.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.model.decision import Decision
from chalicelib.model.page import Level, Recipient

#: a decision that pages without naming a policy reaches its team once, with this long to answer
DEFAULT_ACK_TIMEOUT = timedelta(minutes=15)


def _recipients(rules: Any, target: str, now: datetime) -> list[Recipient]:
    """Everyone a target ("person:maya", "team:founders", "rotation:primary") stands for at ``now``."""
    kind, _, name = target.partition(":")
    doc = rules.document
    if kind == "team":
        team = doc.teams[name]
        # a team is paged on its own topic, which its members subscribe to
        return [_recipient(doc, person, f"team {name}", team.topic) for person in team.members]
    if kind == "rotation":
        person = rules.on_call(name, now).person
        return [_recipient(doc, person, f"on call, rotation {name}")]
    return [_recipient(doc, name, "named")]


def _recipient(doc: Any, person: str, via: str, topic: str | None = None) -> Recipient:
    who = doc.people[person]
    return Recipient(person=person, name=who.name, phone=who.phone, email=who.email, topic=topic or who.topic, via=via)


def ladder(
    rules: Any, decision: Decision, now: datetime, cap: timedelta | None = None
) -> tuple[tuple[Level, ...], int]:
    """(levels, repeat) for the decision's escalation policy; its team alone when it names none.

    ``cap`` shortens every acknowledgement timeout (the local stage uses it to show escalation in seconds).
    """
    policy = rules.document.escalation_policies.get(decision.escalation) if decision.escalation else None
    steps = (
        [(tuple(level.notify), level.ack_timeout) for level in policy.levels]
        if policy is not None
        else [((f"team:{decision.team}",), DEFAULT_ACK_TIMEOUT)]
    )
    levels = []
    for targets, timeout in steps:
        seen: dict[str, Recipient] = {}
        for target in targets:
            for recipient in _recipients(rules, target, now):
                seen.setdefault(recipient.person, recipient)
        seconds = int((min(timeout, cap) if cap else timeout).total_seconds())
        levels.append(Level(targets=targets, recipients=tuple(seen.values()), ack_timeout_seconds=max(seconds, 1)))
    return tuple(levels), policy.repeat if policy is not None else 0


def last_resort(rules: Any, target: str, now: datetime) -> Level | None:
    """Who is told once that a page's whole ladder ran out ("team:founders"); None if the rules lack it.

    A missing target must not stop the page from being marked exhausted, so it is None, not an error.
    """
    try:
        recipients = _recipients(rules, target, now)
    except (KeyError, LookupError):
        return None
    if not recipients:
        return None
    return Level(
        targets=(target,), recipients=tuple(recipients), ack_timeout_seconds=int(DEFAULT_ACK_TIMEOUT.total_seconds())
    )
