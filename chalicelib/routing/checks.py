"""Every name the rules use must be defined: problems found in a document, each with where it is."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.model.event import Channel
from chalicelib.routing.document import Actions, Document
from chalicelib.routing.record import Record

#: a place in the rules document, as keys and list indexes: ("routes", 3, "then", "team")
Path = tuple[str | int, ...]
#: what an auto-reply template may say
TEMPLATE_FIELDS = frozenset({"first_name", "name", "reply_by", "team", "ticket_ref"})


def template_fields(template: str) -> set[str]:
    """The placeholders an auto-reply template names; ValueError if it is not a template."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


class Problem(Record):
    _fields = ("path", "message")
    __slots__ = _fields
    path: Path
    message: str

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(path, message)


class RulesError(ValueError):
    """The rules document is inconsistent; every problem names where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems))
        self.problems = problems


_Need = Callable[[str, str, Mapping[str, Any] | set[str], Path], None]


def check_names(doc: Document) -> list[Problem]:
    """Alertmanager's checkReceiver, for our sections."""
    problems: list[Problem] = []

    def need(kind: str, name: str, known: Mapping[str, Any] | set[str], path: Path) -> None:
        if name not in known:
            choices = ", ".join(sorted(known)) or "none defined"
            problems.append(Problem(path, f"unknown {kind} {name!r} ({kind}s: {choices})"))

    topics = {team.topic for team in doc.teams.values()}
    need("calendar", doc.default_calendar, doc.calendars, ("default_calendar",))
    for name, person in doc.people.items():
        need("topic", person.topic, topics, ("people", name, "topic"))
    for name, team in doc.teams.items():
        need("calendar", team.calendar, doc.calendars, ("teams", name, "calendar"))
        for i, member in enumerate(team.members):
            need("person", member, doc.people, ("teams", name, "members", i))
    for name, rotation in doc.rotations.items():
        for i, member in enumerate(rotation.members):
            need("person", member, doc.people, ("rotations", name, "members", i))
        for i, override in enumerate(rotation.overrides):
            need("person", override.person, doc.people, ("rotations", name, "overrides", i, "person"))
    sections: dict[str, Mapping[str, Any]] = {"person": doc.people, "team": doc.teams, "rotation": doc.rotations}
    for name, policy in doc.escalation_policies.items():
        for li, level in enumerate(policy.levels):
            for ti, target in enumerate(level.notify):
                kind, _, ref = target.partition(":")
                need(kind, ref, sections[kind], ("escalation_policies", name, "levels", li, "notify", ti))
    channels = {c.value for c in Channel}
    for channel in doc.urgency.channel_priors:
        need("channel", channel, channels, ("urgency", "channel_priors", channel))
    if doc.urgency.sentiment:
        for i, channel in enumerate(doc.urgency.sentiment.channels):
            need("channel", channel, channels, ("urgency", "sentiment", "channels", i))
    for name, template in doc.auto_replies.items():
        try:
            fields = template_fields(template)
        except ValueError as exc:
            problems.append(Problem(("auto_replies", name), f"not a template: {exc}"))
            continue
        for unknown in sorted(fields - TEMPLATE_FIELDS):
            problems.append(
                Problem(
                    ("auto_replies", name),
                    f"unknown placeholder {{{unknown}}} (use {', '.join(sorted(TEMPLATE_FIELDS))})",
                )
            )
    concepts = set(doc.urgency.model.get("concepts") or {})
    for i, concept in enumerate(doc.incidents.concepts):
        need("concept", concept, concepts, ("incidents", "concepts", i))
    if doc.incidents.page is not None:
        page_team, _, page_escalation = doc.incidents.page
        need("team", page_team, doc.teams, ("incidents", "page", "team"))
        if page_escalation is not None:
            need("escalation policy", page_escalation, doc.escalation_policies, ("incidents", "page", "escalation"))
    seen: dict[str, int] = {}
    for i, route in enumerate(doc.routes):
        if route.name in seen:
            problems.append(
                Problem(
                    ("routes", i, "name"), f"duplicate route name {route.name!r} (first at routes[{seen[route.name]}])"
                )
            )
        seen.setdefault(route.name, i)
        _check_actions(route.then, ("routes", i, "then"), doc, need)
    _check_actions(doc.default.then, ("default", "then"), doc, need)
    for field in ("team", "priority"):
        if getattr(doc.default.then, field) is None:
            problems.append(Problem(("default", "then", field), f"the default route must set {field}"))
    return problems


def _check_actions(then: Actions, path: Path, doc: Document, need: _Need) -> None:
    if then.team is not None:
        need("team", then.team, doc.teams, (*path, "team"))
    if then.escalation is not None:
        need("escalation policy", then.escalation, doc.escalation_policies, (*path, "escalation"))
    if then.auto_reply is not None:
        need("auto-reply", then.auto_reply, doc.auto_replies, (*path, "auto_reply"))
    sections: dict[str, Mapping[str, Any]] = {"person": doc.people, "team": doc.teams, "rotation": doc.rotations}
    for i, target in enumerate(then.dial or []):
        kind, _, ref = target.partition(":")
        need(kind, ref, sections[kind], (*path, "dial", i))
