"""CompiledRules: the rules document checked for undefined names and compiled once per container."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.model.event import Channel
from chalicelib.routing.calendars import Calendar
from chalicelib.routing.codegen import compile_matcher
from chalicelib.routing.conditions import FACTS, Compiled, ConditionError, compile_condition
from chalicelib.routing.rotations import OnCall, Rotation
from chalicelib.routing.schema import Actions, Condition, RulesDocument

#: a place in the rules document, as keys and list indexes: ("routes", 3, "then", "team")
Path = tuple[str | int, ...]
#: what an auto-reply template may say
TEMPLATE_FIELDS = frozenset({"first_name", "name", "reply_by", "team", "ticket_ref"})


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


class RulesError(ValueError):
    """The rules document is inconsistent; every problem names where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CompiledRoute:
    name: str
    #: None: the route has no `when` and matches everything
    condition: Compiled | None
    continue_: bool
    then: Actions


class MinuteMemo:
    """Answers that depend only on the minute: calendar openness, the business-hours reason, who is on call.

    Windows, handoffs and closed dates fall on whole minutes, so within one minute these answers
    cannot change; a burst of messages in the same minute (an outage) pays for them once. Only the
    current minute is kept: messages are triaged in arrival order.
    """

    def __init__(self) -> None:
        self._state: tuple[int, dict[Any, Any]] = (-1, {})

    def get(self, now: datetime, key: Any, compute: Callable[[], Any]) -> Any:
        minute = int(now.timestamp()) // 60
        current, values = self._state
        if current != minute:
            values = {}
            # one tuple, replaced whole: the local platform's threads may share these rules
            self._state = (minute, values)
        if key not in values:
            values[key] = compute()
        return values[key]


class CompiledRules:
    """Everything decide() needs, prepared once: calendars, rotations, predicates, the lexicon."""

    def __init__(
        self, document: RulesDocument, holidays: Mapping[str, Mapping[date, str]], version: str, source: str
    ) -> None:
        self.document = document
        self.version = version
        self.source = source
        problems: list[Problem] = []
        self.calendars = dict(_build_calendars(document, holidays, problems))
        self.rotations = dict(_build_rotations(document, problems))
        problems.extend(_check_names(document))
        # names are checked against the calendars declared, so one broken calendar is one error, not many
        declared = document.calendars
        self.extra_facts = {f"oncall.{name}": "str" for name in document.rotations}
        # tiers are tested by the generated matcher below; compiling here checks their names and operators
        for i, tier in enumerate(document.tiers):
            _compile(
                tier.when, declared, ("tiers", i, "when"), problems, self.extra_facts, frozenset({"customer.tier"})
            )
        self.tier_names = [tier.name for tier in document.tiers]
        self.routes: list[CompiledRoute] = []
        for i, route in enumerate(document.routes):
            condition = (
                None
                if route.when is None
                else _compile(route.when, declared, ("routes", i, "when"), problems, self.extra_facts)
            )
            self.routes.append(CompiledRoute(route.name, condition, route.continue_, route.then))
        if problems:
            raise RulesError(problems)
        kinds = {**FACTS, **self.extra_facts}
        # the hot path: every route's and tier's condition in one generated function each
        self.match_route = compile_matcher([r.when for r in document.routes], kinds)
        self.match_tier = compile_matcher([t.when for t in document.tiers], kinds)
        urgency = document.urgency
        self.channel_priors = dict(urgency.channel_priors)
        #: phrases and time pressure in one pass over the text
        self.weighted_phrases = tuple(
            (p.lower(), w) for p, w in (*urgency.phrases.items(), *urgency.time_pressure.items())
        )
        self.sentiment_weight = urgency.sentiment.weight if urgency.sentiment else 0
        self.sentiment_channels = frozenset(urgency.sentiment.channels if urgency.sentiment else ())
        repeat = urgency.repeat_contact
        self.repeat_per_message, self.repeat_max = (repeat.per_message, repeat.max) if repeat else (0, 0)
        self.levels = (
            (urgency.levels.critical, "critical"),
            (urgency.levels.high, "high"),
            (urgency.levels.normal, "normal"),
        )
        self.buying_phrases = tuple(p.lower() for p in document.intent.buying)
        self.default_calendar = self.calendars[document.default_calendar]
        self.memo = MinuteMemo()
        # an override may start at any second; then who is on call can change within a minute
        self.on_call_by_minute = all(
            o.start.second == o.start.microsecond == o.end.second == o.end.microsecond == 0
            for spec in document.rotations.values()
            for o in spec.overrides
        )

    def is_open(self, calendar: str, now: datetime) -> bool:
        return bool(self.memo.get(now, ("open", calendar), lambda: self.calendars[calendar].is_open(now)))

    def hours_reason(self, now: datetime) -> str:
        return str(self.memo.get(now, "hours", lambda: self.default_calendar.explain(now)))

    def on_call(self, rotation: str, now: datetime) -> OnCall:
        if not self.on_call_by_minute:
            return self.rotations[rotation].on_call(now)
        on_call: OnCall = self.memo.get(now, ("on-call", rotation), lambda: self.rotations[rotation].on_call(now))
        return on_call

    def team_calendar(self, team: str) -> Calendar:
        return self.calendars[self.document.teams[team].calendar]


def _compile(
    cond: Condition,
    calendars: Mapping[str, Any],
    path: Path,
    problems: list[Problem],
    extra: Mapping[str, str],
    forbidden: frozenset[str] = frozenset(),
) -> Compiled | None:
    try:
        return compile_condition(cond, calendars, forbidden, extra)
    except ConditionError as exc:
        problems.append(Problem(path, str(exc)))
        return None


def _build_calendars(
    doc: RulesDocument, holidays: Mapping[str, Mapping[date, str]], problems: list[Problem]
) -> Iterator[tuple[str, Calendar]]:
    for name, spec in doc.calendars.items():
        closed = {**holidays.get(name, {}), **spec.closed}
        try:
            yield name, Calendar.build(name, spec.timezone, spec.hours, closed)
        except ValueError as exc:
            field = "timezone" if "time zone" in str(exc) else "hours"
            problems.append(Problem(("calendars", name, field), str(exc)))


def _build_rotations(doc: RulesDocument, problems: list[Problem]) -> Iterator[tuple[str, Rotation]]:
    for name, spec in doc.rotations.items():
        overrides = [(o.person, o.start, o.end) for o in spec.overrides]
        try:
            yield (
                name,
                Rotation.build(name, spec.members, spec.period, spec.handoff, spec.timezone, spec.start, overrides),
            )
        except ValueError as exc:
            problems.append(Problem(("rotations", name), str(exc)))


def _check_names(doc: RulesDocument) -> list[Problem]:
    """Every name the document uses must be defined: Alertmanager's checkReceiver, for our sections."""
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
    for channel in doc.urgency.channel_priors:
        need("channel", channel, {c.value for c in Channel}, ("urgency", "channel_priors", channel))
    if doc.urgency.sentiment:
        for i, channel in enumerate(doc.urgency.sentiment.channels):
            need("channel", channel, {c.value for c in Channel}, ("urgency", "sentiment", "channels", i))
    for name, template in doc.auto_replies.items():
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
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
    seen: dict[str, int] = {}
    for i, route in enumerate(doc.routes):
        if route.name in seen:
            problems.append(
                Problem(
                    ("routes", i, "name"), f"duplicate route name {route.name!r} (first at routes[{seen[route.name]}])"
                )
            )
        seen.setdefault(route.name, i)
        problems.extend(_check_actions(route.then, ("routes", i, "then"), doc, need))
    problems.extend(_check_actions(doc.default.then, ("default", "then"), doc, need))
    for field in ("team", "priority"):
        if getattr(doc.default.then, field) is None:
            problems.append(Problem(("default", "then", field), f"the default route must set {field}"))
    return problems


def _check_actions(then: Actions, path: Path, doc: RulesDocument, need: Any) -> list[Problem]:
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
    return []
