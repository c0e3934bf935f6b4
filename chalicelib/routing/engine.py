"""CompiledRules: the rules document checked for undefined names and compiled once per container."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from chalicelib.routing.calendars import Calendar
from chalicelib.routing.checks import Path, check_names
from chalicelib.routing.checks import Problem as Problem
from chalicelib.routing.checks import RulesError as RulesError
from chalicelib.routing.codegen import compile_matcher
from chalicelib.routing.conditions import (
    FACTS,
    Condition,
    ConditionError,
    Explainer,
    check_condition,
    explainer,
    names,
)
from chalicelib.routing.dates import DateFilter
from chalicelib.routing.document import Actions, Document
from chalicelib.routing.patterns import PatternError
from chalicelib.routing.reader import parse
from chalicelib.routing.record import Record
from chalicelib.routing.rotations import OnCall, Rotation
from chalicelib.routing.understanding import Model
from chalicelib.routing.zones import to_utc

if TYPE_CHECKING:
    from chalicelib.routing.schema import RulesDocument

#: plans (what a route path decides) kept per rules; a path is a few route indexes, so this many is plenty
PLAN_CACHE = 4096
#: the reasons kept per route, by the values they name
_REASONS_KEPT = 256
#: all of time, as the stretch that starts every intersection
_EVER = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


class CompiledRoute(Record):
    _fields = ("name", "condition", "continue_", "then", "heading")
    __slots__ = _fields
    name: str
    #: None: the route has no `when` and matches everything
    condition: Condition | None
    continue_: bool
    then: Actions
    #: how its reason starts: "route 'vip' matched: "
    heading: str

    def __init__(self, name: str, condition: Condition | None, continue_: bool, then: Actions, heading: str) -> None:
        super().__init__(name, condition, continue_, then, heading)


class Moment(Record):
    """What holds through a stretch of time: calendars' openness, the business-hours words, who is on call.

    Each answer holds from one calendar window, gap or on-call handoff to the next, so a run of messages
    in one stretch (a night, an outage) works them out once; a new stretch starts a new Moment.
    """

    _fields = ("open", "closed", "hours", "on_call", "oncall_facts", "memo")
    __slots__ = _fields
    open: dict[str, bool]
    #: for each calendar that is closed, which closed stretch (see Calendar.openness); None while open
    closed: dict[str, tuple[date, int] | None]
    #: the default calendar's explanation after the local time, whether the time goes first, and its local date
    hours: tuple[str, bool, date]
    on_call: dict[str, OnCall]
    #: "oncall.<rotation>" → the person, as facts
    oncall_facts: dict[str, str]
    #: what decide() works out from who is on call (pages, dial lists), kept while the same people are
    memo: dict[Any, Any]

    def __init__(
        self,
        open: dict[str, bool],
        closed: dict[str, tuple[date, int] | None],
        hours: tuple[str, bool, date],
        on_call: dict[str, OnCall],
        oncall_facts: dict[str, str],
        memo: dict[Any, Any],
    ) -> None:
        super().__init__(open, closed, hours, on_call, oncall_facts, memo)


class CompiledRules:
    """Everything decide() needs, prepared once: calendars, rotations, matchers, the lexicon."""

    def __init__(
        self,
        document: Document | RulesDocument,
        holidays: Mapping[str, Mapping[date, str]],
        version: str,
        source: str,
        learned: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(document, Document):
            # the validated model (`switchboard rules compile`) is read through the JSON the Lambda
            # loads, so the checks here and the Lambda see the same document
            document = parse(document.model_dump(mode="json", by_alias=True, exclude_none=True))
        self.document = document
        self.version = version
        self.source = source
        problems: list[Problem] = []
        self.calendars = dict(_build_calendars(document, holidays, problems))
        self.rotations = dict(_build_rotations(document, problems))
        problems.extend(check_names(document))
        # names are checked against the calendars declared, so one broken calendar is one error, not many
        declared = document.calendars
        self.extra_facts = {f"oncall.{name}": "str" for name in document.rotations}
        self.kinds = {**FACTS, **self.extra_facts}
        for i, tier in enumerate(document.tiers):
            _check(tier.when, declared, ("tiers", i, "when"), problems, self.extra_facts, frozenset({"customer.tier"}))
        self.tier_names = [tier.name for tier in document.tiers]
        self.routes: list[CompiledRoute] = []
        for i, route in enumerate(document.routes):
            if route.when is not None:
                _check(route.when, declared, ("routes", i, "when"), problems, self.extra_facts)
            heading = f"route {route.name!r} matched{' (continue)' if route.continue_ else ''}: "
            self.routes.append(CompiledRoute(route.name, route.when, route.continue_, route.then, heading))
        if problems:
            raise RulesError(problems)
        # the hot path: every route's and tier's condition in one generated function each; the route
        # matcher is entered at 0, or just after a route that continues
        entries = [i + 1 for i, route in enumerate(document.routes) if route.continue_]
        self.match_route = compile_matcher([r.when for r in document.routes], self.kinds, entries)
        self.match_tier = compile_matcher([t.when for t in document.tiers], self.kinds)
        urgency = document.urgency
        self.channel_priors = dict(urgency.channel_priors)
        #: each channel's prior and how a reason names it
        self.channel_parts = {channel: (score, f"{channel} +{score}") for channel, score in self.channel_priors.items()}
        #: what a message means: concepts, scope, deadlines, emphasis, hedges, intent (understanding.py)
        try:
            self.model = Model(urgency.model, document.intent, learned)
        except PatternError as e:
            raise RulesError([Problem(("urgency",), str(e))]) from None
        self.sentiment_weight = urgency.sentiment.weight if urgency.sentiment else 0
        self.sentiment_channels = frozenset(urgency.sentiment.channels if urgency.sentiment else ())
        repeat = urgency.repeat_contact
        self.repeat_per_message, self.repeat_max = (repeat.per_message, repeat.max) if repeat else (0, 0)
        self.levels = (
            (urgency.levels.critical, "critical"),
            (urgency.levels.high, "high"),
            (urgency.levels.normal, "normal"),
        )
        #: the lowest score of each level but low
        self.threshold = {name: at for at, name in self.levels}
        #: each score's level, 0 to 100: the first threshold it reaches
        self.level_of = tuple(next((name for at, name in self.levels if score >= at), "low") for score in range(101))
        self.default_calendar = self.calendars[document.default_calendar]
        #: how automatic replies behave: how often per thread, on which channels, never to whom (replies/guard.py)
        self.replies = document.replies
        #: what opens a suspected incident: how many senders, how fast, which concepts (incidents/detect.py)
        self.incidents = document.incidents
        #: decide()'s plans by route path (see plans.py)
        self.plans: dict[tuple[int, ...], Any] = {}
        #: a matched route's reason, prepared on its first match (most routes never match)
        self._reasons: dict[int, Explainer] = {}
        # the current stretch [lo, hi) and its answers: messages are triaged in arrival order
        self._moment: tuple[datetime, datetime, Moment | None] = (*_EVER[::-1], None)

    def moment(self, now: datetime) -> Moment:
        """The answers at ``now``, from the stretch it falls in."""
        # the clock gives UTC: then the stretch is two cheap comparisons away
        u = now if now.tzinfo is UTC else to_utc(now)
        lo, hi, moment = self._moment
        if lo <= u < hi and moment is not None:
            return moment
        return self._moment_at(u, moment)

    def _moment_at(self, u: datetime, last: Moment | None) -> Moment:
        lo, hi = _EVER
        is_open, closed = {}, {}
        for name, calendar in self.calendars.items():
            is_open[name], starts, ends, closed[name] = calendar.openness(u)
            lo, hi = max(lo, starts), min(hi, ends)
        tail, timed, starts, ends = self.default_calendar.explain_parts(u)
        lo, hi = max(lo, starts), min(hi, ends)
        on_call = {}
        for name, rotation in self.rotations.items():
            on_call[name], starts, ends = rotation.on_call_through(u)
            lo, hi = max(lo, starts), min(hi, ends)
        # rotations hand out one OnCall object per shift (and override): the same objects, the same people
        if last is not None and all(answer is last.on_call[name] for name, answer in on_call.items()):
            facts, memo = last.oncall_facts, last.memo
        else:
            facts, memo = {f"oncall.{name}": answer.person for name, answer in on_call.items()}, {}
        day = u.astimezone(self.default_calendar.timezone).date()
        moment = Moment(is_open, closed, (tail, timed, day), on_call, facts, memo)
        # one tuple, replaced whole: the local platform's threads may share these rules
        self._moment = (lo, hi, moment)
        return moment

    def route_reason(self, index: int, facts: Mapping[str, Any], is_open: Mapping[str, bool]) -> str:
        """ "route 'vip' matched: customer.tier = vip (vip)", for the route at ``index``, which matched."""
        say = self._reasons.get(index)
        if say is None:
            say = self._reasons[index] = _reason(self.routes[index], self.kinds)
        return say(facts, is_open)

    def is_open(self, calendar: str, now: datetime) -> bool:
        return self.calendars[calendar].is_open(now)

    def hours_reason(self, now: datetime) -> str:
        return self.default_calendar.explain(now)

    def on_call(self, rotation: str, now: datetime) -> OnCall:
        return self.rotations[rotation].on_call(now)

    def team_calendar(self, team: str) -> Calendar:
        return self.calendars[self.document.teams[team].calendar]


def _reason(route: CompiledRoute, kinds: Mapping[str, str]) -> Explainer:
    """A route's reason from the facts and calendars it names: kept by their values where the words allow.

    The words for a condition depend only on the values of the facts and calendars it names. For
    str and bool facts equal values are the same words (a str equals only a str, and the bool facts
    are always bools), so the reason is kept by them: a matched route's explanation is then a lookup.
    Numbers (1 == 1.0 == True, 0.0 == -0.0), the message text and sets of flags are explained anew.
    """
    heading, cond = route.heading, route.condition
    if cond is None:
        said = heading + "matches everything"
        return lambda facts, is_open: said
    why = explainer(cond, kinds)
    named, calendars = names(cond)
    if any(kinds[fact] not in ("str", "bool") for fact in named):
        return lambda facts, is_open: heading + why(facts, is_open)
    # a value for one name, a tuple for several: either way the same shape for every decision
    values = itemgetter(*named) if named else lambda facts: ()
    opened = itemgetter(*calendars) if calendars else lambda is_open: ()
    kept: dict[tuple[Any, Any], str] = {}

    def say(facts: Mapping[str, Any], is_open: Mapping[str, bool]) -> str:
        key = (values(facts), opened(is_open))
        words = kept.get(key)
        if words is None:
            if len(kept) >= _REASONS_KEPT:
                kept.clear()
            words = kept[key] = heading + why(facts, is_open)
        return words

    return say


def _check(
    cond: Condition,
    calendars: Mapping[str, Any],
    path: Path,
    problems: list[Problem],
    extra: Mapping[str, str],
    forbidden: frozenset[str] = frozenset(),
) -> None:
    try:
        check_condition(cond, calendars, forbidden, extra)
    except ConditionError as exc:
        problems.append(Problem(path, str(exc)))


def _build_calendars(
    doc: Document, holidays: Mapping[str, Mapping[date, str]], problems: list[Problem]
) -> Iterator[tuple[str, Calendar]]:
    for name, spec in doc.calendars.items():
        closed = {**holidays.get(name, {}), **spec.closed}
        try:
            dates = DateFilter.build(*spec.dates)
        except ValueError as exc:  # the schema checks each item; this is for a hand-made document
            problems.append(Problem(("calendars", name), str(exc)))
            continue
        try:
            yield name, Calendar.build(name, spec.timezone, spec.hours, closed, dates)
        except ValueError as exc:
            field = "timezone" if "time zone" in str(exc) else "hours"
            problems.append(Problem(("calendars", name, field), str(exc)))


def _build_rotations(doc: Document, problems: list[Problem]) -> Iterator[tuple[str, Rotation]]:
    for name, spec in doc.rotations.items():
        overrides = [(o.person, o.start, o.end) for o in spec.overrides]
        try:
            yield (
                name,
                Rotation.build(name, spec.members, spec.period, spec.handoff, spec.timezone, spec.start, overrides),
            )
        except ValueError as exc:
            problems.append(Problem(("rotations", name), str(exc)))
