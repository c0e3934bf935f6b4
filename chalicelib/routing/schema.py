"""The rules document as pydantic models: the shape of routing.yaml, and of the JSON Schema editors use."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    field_validator,
    model_validator,
)

from chalicelib.model.decision import Priority
from chalicelib.model.directory import HANDLE_NETWORKS
from chalicelib.model.event import Channel
from chalicelib.routing import dates, patterns
from chalicelib.routing.zones import parse_zone

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
#: "person:maya", "team:founders", "rotation:primary"
Target = Annotated[str, Field(pattern=r"^(person|team|rotation):[a-z0-9][a-z0-9_-]*$")]

_DURATION = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")


def _duration(value: Any) -> Any:
    """'90m', '4h', '1d 2h' → timedelta; numbers are minutes."""
    if isinstance(value, int | float):
        return timedelta(minutes=value)
    if isinstance(value, str) and value.startswith("P"):
        return value  # ISO 8601 ("PT5M"): pydantic's own parser
    if isinstance(value, str):
        m = _DURATION.match(value.strip())
        if not m or not any(m.groups()):
            raise ValueError(f"{value!r} is not a duration (write e.g. 5m, 4h, 1d 2h)")
        days, hours, minutes = (int(g or 0) for g in m.groups())
        return timedelta(days=days, hours=hours, minutes=minutes)
    return value


def _duration_text(value: timedelta) -> str:
    """The inverse, so compiled JSON reads like the YAML it came from."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0m"


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(_duration_text, return_type=str, when_used="json")
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- conditions ---------------------------------------------------------------------------------


class FactCondition(_Strict):
    """Compare one fact: exactly one operator."""

    fact: str
    eq: str | float | bool | None = None
    in_: list[str | float] | None = Field(default=None, alias="in")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    contains_any: list[str] | None = Field(default=None, min_length=1)
    matches: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_operator(self) -> FactCondition:
        self.operator()
        return self

    def operator(self) -> tuple[str, Any]:
        given = [(k, v) for k, v in self.model_dump(by_alias=True, exclude={"fact"}).items() if v is not None]
        if len(given) != 1:
            raise ValueError("a fact condition needs exactly one of eq, in, gt, gte, lt, lte, contains_any, matches")
        return given[0]


class CalendarCondition(_Strict):
    """True while the named calendar is open."""

    in_calendar: str


class AllCondition(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotCondition(_Strict):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "in_calendar", "fact"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {
            AllCondition: "all",
            AnyCondition: "any",
            NotCondition: "not",
            CalendarCondition: "in_calendar",
            FactCondition: "fact",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")]
    | Annotated[CalendarCondition, Tag("in_calendar")]
    | Annotated[FactCondition, Tag("fact")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is one of {fact: …, <operator>: …}, {in_calendar: …}, {all: […]}, {any: […]}, {not: …}",
    ),
]


for _model in (AllCondition, AnyCondition, NotCondition):
    _model.model_rebuild()


# ---- people, teams, time --------------------------------------------------------------------------


class Person(_Strict):
    name: str
    phone: str = Field(pattern=r"^\+[1-9]\d{6,14}$")
    email: str | None = None
    #: the SNS topic this person's pages go to (a team topic they are subscribed to)
    topic: Name
    #: the IANA zone the console shows this person's times in; none: the default calendar's zone
    zone: str | None = Field(default=None, description="an IANA time zone name, e.g. Europe/Lisbon")

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            parse_zone(value)  # a ValueError naming the zone, which pydantic reports with the person's path
        return value


class Team(_Strict):
    topic: Name
    calendar: Name
    members: list[Name] = Field(default_factory=list)


class Holidays(_Strict):
    """Public holidays from the `holidays` package, compiled into dates when the rules are compiled."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = None
    #: holiday names the business stays open on (as the holidays package names them)
    exclude: list[str] = Field(default_factory=list)


def _ranges(parse: Callable[[int | str], dates.Range]) -> Callable[[Any], Any]:
    """One list item of days_of_month / months / years → its compiled text ("-3:-1", "1:3" for january:march)."""

    def check(value: Any) -> Any:
        return dates.text(parse(value)) if isinstance(value, int | str) and not isinstance(value, bool) else value

    return check


DayRange = Annotated[
    int | str,
    BeforeValidator(_ranges(dates.parse_day_range)),
    Field(description='1..31, or -1 (the last day) .. -31 counted from the month\'s end; a range "1:5", "-3:-1"'),
]
MonthRange = Annotated[
    int | str,
    BeforeValidator(_ranges(dates.parse_month_range)),
    Field(description='1..12 or a name ("january", "jan"); a range "january:march" (ranges do not wrap the year)'),
]
YearRange = Annotated[
    int | str, BeforeValidator(_ranges(dates.parse_year_range)), Field(description='a year or a range "2026:2027"')
]


class CalendarSpec(_Strict):
    timezone: str
    #: day spec ("mon-fri", "sat", "daily") → windows ("09:00-12:30", "22:00-06:00+1")
    hours: dict[str, list[str]] = Field(min_length=1)
    holidays: Holidays | None = None
    #: extra closed dates, with why
    closed: dict[date, str] = Field(default_factory=dict)
    #: open only on these dates, as Alertmanager's time intervals: every field given must match
    days_of_month: list[DayRange] | None = Field(default=None, min_length=1)
    months: list[MonthRange] | None = Field(default=None, min_length=1)
    years: list[YearRange] | None = Field(default=None, min_length=1)


class OverrideSpec(_Strict):
    person: Name
    start: AwareDatetime
    end: AwareDatetime


class RotationSpec(_Strict):
    members: list[Name] = Field(min_length=1)
    period: Literal["daily", "weekly"]
    handoff: str = Field(pattern=r"^\d{2}:\d{2}$")
    timezone: str
    #: the first shift starts at this date's handoff, with the first member
    start: date
    overrides: list[OverrideSpec] = Field(default_factory=list)


class EscalationLevel(_Strict):
    notify: list[Target] = Field(min_length=1)
    ack_timeout: Duration


class EscalationPolicy(_Strict):
    levels: list[EscalationLevel] = Field(min_length=1)
    #: how many times the whole ladder repeats after the last level times out
    repeat: int = Field(default=0, ge=0, le=10)


class Tier(_Strict):
    name: Name
    when: Condition


class SentimentSpec(_Strict):
    #: points added at the most negative sentiment (scaled by how negative)
    weight: int = Field(ge=0, le=100)
    channels: list[str] = Field(default_factory=list)


class RepeatContact(_Strict):
    #: points per earlier message from the same sender in the last hour
    per_message: int = Field(ge=0, le=100)
    max: int = Field(ge=0, le=100)


class Levels(_Strict):
    critical: int = Field(ge=0, le=100)
    high: int = Field(ge=0, le=100)
    normal: int = Field(ge=0, le=100)


#: a word pattern (patterns.py): "fail*", "log|sign in", "5##", "charged ... twice", "all of? our", "<people>"
Words = list[Annotated[str, AfterValidator(patterns.check)]]
Points = Annotated[int, Field(ge=-100, le=100)]
#: how close a deadline is: "60m", "3h", "1d"
Within = Annotated[str, Field(pattern=r"^\d+[mhd]$")]


class Family(_Strict):
    """A concept or an intent signal: the points its words earn, once per message."""

    points: Points
    words: Words = Field(min_length=1)


class Reading(_Strict):
    """How text is normalised before matching."""

    #: shorthand and misspellings → the word ("pls": "please", "cant": "can not")
    spellings: dict[str, str] = Field(default_factory=dict)
    #: words that cancel a match just after them in the same sentence ("no errors", "not down")
    negators: list[str] = Field(default_factory=list)
    #: subjects that start a clause of their own: a match starting with one is not negated by the clause
    #: before ("the till is not working we are cash only")
    subjects: list[str] = Field(default_factory=list)
    #: an email's signature starts at a line with one of these near its end ("Kind regards,")
    signoffs: list[str] = Field(default_factory=list)
    #: words in capitals that are names, not shouting (API, SSO)
    acronyms: list[str] = Field(default_factory=list)
    #: sounds that are not words ("um", "er" in a call's transcript): dropped before matching
    fillers: list[str] = Field(default_factory=list)
    #: named word lists patterns can use as <name>
    vocabulary: dict[Name, Words] = Field(default_factory=dict)


class Scope(_Strict):
    """How many are affected, and what it costs them: amplifies a problem (never counted without one)."""

    points: Points
    words: Words = Field(min_length=1)
    #: a number in the matched words below this is not scope ("2 users")
    at_least: int = Field(default=0, ge=0)
    #: a vocabulary list of places (branches, offices, stores): a count of these is scope from 2 up, whatever
    #: ``at_least`` says ("3 branches, 0 working tills"): each place has its own people
    places: Name | None = None
    #: "only me": no scope, whatever else the message says
    narrow: Words = Field(default_factory=list)


class TimePressure(_Strict):
    """Deadlines parsed from the text; the first limit a deadline is within gives its points."""

    within: dict[Within, Points] = Field(min_length=1)
    #: day words ("today", "by Friday") count only in a sentence with one of these
    cues: Words = Field(default_factory=list)


class Emphasis(_Strict):
    points: Points
    words: Words = Field(default_factory=list)
    #: points for capitals that are not acronyms, or "!!"
    shouting: Points = 0


class Hedges(_Strict):
    #: the highest level a hedged message can have
    cap: Literal["low", "normal", "high"] = "normal"
    words: Words = Field(min_length=1)
    #: understatement ("small thing", "just letting you know"): caps only a problem nobody else shares;
    #: "small thing: none of our 40 nurses can see the rota" is still a problem for many
    soft: Words = Field(default_factory=list)


class Personal(_Strict):
    """Concepts that, with no scope, are one person's problem: the level is at most ``cap``."""

    cap: Literal["normal", "high"] = "high"
    concepts: list[Name] = Field(min_length=1)
    #: when the sender says it is only them ("just my account"), every other concept is capped too, but these
    only_them_except: list[Name] | None = None


class Learned(_Strict):
    """A second reading, learned from the labeled corpus's tuning half by `switchboard rules learn`: how likely a
    message is critical from all its words. It reads crises told as scenes that no concept has the words for,
    and trouble said in a crisis's words that is none. A hedge, one person's problem and an automatic reply keep
    their caps."""

    #: the weights table `switchboard rules learn` writes, a file beside the rules (chalicelib/config/)
    weights: str = Field(pattern=r"^[\w.-]+\.json$")
    #: at this probability or above a message is critical, unless a hedge, one person's problem or an automatic reply caps it
    critical_at: float = Field(gt=0, lt=1)
    #: below this probability a message the words would make critical is at most high
    doubt_below: float = Field(ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Learned:
        if self.doubt_below > self.critical_at:
            raise ValueError(f"doubt_below ({self.doubt_below}) must not be above critical_at ({self.critical_at})")
        return self


class Urgency(_Strict):
    channel_priors: dict[str, int] = Field(default_factory=dict)
    reading: Reading = Field(default_factory=Reading)
    #: problem concepts, in order: the first that claims some words keeps them
    concepts: dict[Name, Family] = Field(default_factory=dict)
    scope: Scope | None = None
    time_pressure: TimePressure | None = None
    emphasis: Emphasis | None = None
    hedges: Hedges | None = None
    personal: Personal | None = None
    #: the highest level of a message that names no problem: a purchase due today or "call me before 5" is
    #: pressing, but nothing is broken ("quote for 60 seats TODAY, board signs at 4" is high, not critical)
    no_problem_cap: Literal["normal", "high"] | None = None
    #: automatic replies (out of office): no urgency, no intent
    automatic: Words = Field(default_factory=list)
    #: urgency points for a message that shows an intent ({buying: 15, churn: 20})
    intents: dict[Literal["buying", "churn"], Points] = Field(default_factory=dict)
    sentiment: SentimentSpec | None = None
    repeat_contact: RepeatContact | None = None
    learned: Learned | None = None
    levels: Levels


class Intent(_Strict):
    #: the points at which a message shows an intent
    at_least: int = Field(default=1, ge=1)
    buying: dict[Name, Family] = Field(default_factory=dict)
    churn: dict[Name, Family] = Field(default_factory=dict)
    #: concepts whose presence means buying words are not a sale ("someone made a purchase on our card")
    buying_not_with: list[Name] = Field(default_factory=list)


# ---- routes -----------------------------------------------------------------------------------


class Sla(_Strict):
    within: Duration
    #: business: only the team calendar's open time counts; calendar: wall-clock time
    clock: Literal["business", "calendar"] = "business"


class Actions(_Strict):
    team: Name | None = None
    priority: Priority | None = None
    escalation: Name | None = None
    #: the ordered dial list for a live call
    dial: list[Target] | None = None
    sla: Sla | None = None
    auto_reply: Name | None = None
    #: hold the page until the team's calendar next opens (no page while it is open)
    defer: Literal["until_open"] | None = None


class Route(_Strict):
    name: Name
    when: Condition | None = None
    #: keep evaluating later routes after this one matches; its actions fill what later ones leave unset
    continue_: bool = Field(default=False, alias="continue")
    then: Actions

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DefaultRoute(_Strict):
    then: Actions


# ---- replies ----------------------------------------------------------------------------------

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(rf"^({'|'.join(HANDLE_NETWORKS)}):@?[A-Za-z0-9_.-]{{1,64}}$")


def _own_address(value: str) -> str:
    if _E164.match(value) or _EMAIL.match(value) or _HANDLE.match(value):
        return value
    raise ValueError(
        f"{value!r} is not a phone number in E.164 (+16465550123), an email address (support@example.com)"
        f" or a handle as <network>:<handle> ({', '.join(HANDLE_NETWORKS)}; e.g. x:our_account, slack:U07SWBBOT1)"
    )


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0m (one automatic reply per thread within this long)")
    return value


#: one of our own numbers, addresses or handles
OwnAddress = Annotated[str, AfterValidator(_own_address)]


class Replies(_Strict):
    """How automatic replies behave; the guard (replies/guard.py) refuses any reply these forbid."""

    #: at most one automatic reply per thread within this long, however many follow-ups arrive
    once_per_thread: Annotated[Duration, AfterValidator(_positive)] = timedelta(hours=24)
    #: automatic replies on (true) or off (false) per channel; a channel not listed is on
    channels: dict[Channel, bool] = Field(default_factory=dict)
    #: a public mention on X is answered in public, or with an invitation to continue by DM
    x_mentions: Literal["public", "dm_invitation"] = "dm_invitation"
    #: our own numbers (E.164), addresses and handles (network:handle): never answered, so we never loop
    never_answer: list[OwnAddress] = Field(default_factory=list)


# ---- incidents --------------------------------------------------------------------------------


def _window(value: timedelta) -> timedelta:
    if value < timedelta(minutes=1):
        raise ValueError("must be at least 1m (reports are counted per window of this length)")
    return value


def _unique_components(components: list[Component]) -> list[Component]:
    names = [c.name for c in components]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"duplicate component name(s): {', '.join(dupes)}")
    return components


class Component(_Strict):
    """A part of the product that incidents and maintenance name (the status page lists them)."""

    name: Name
    description: str = Field(default="", max_length=500)


class IncidentPage(_Strict):
    """Who a suspected incident's one page goes to, as a route's ``then`` would say it."""

    team: Name
    priority: Priority = Priority.P1
    escalation: Name | None = None


class Incidents(_Strict):
    """What opens a suspected incident: distinct senders reporting an outage-class concept within a window."""

    #: this many distinct senders (not messages) within the window open a suspected incident
    distinct_senders: int = Field(default=3, ge=2, le=1000)
    #: counted per window of this length, aligned on UTC (reports in one window count together)
    window: Annotated[Duration, AfterValidator(_window)] = timedelta(minutes=15)
    #: a VIP's critical report counts as this many senders
    vip_weight: int = Field(default=3, ge=1, le=1000)
    #: the urgency concepts (urgency.concepts) that make a message an outage report; absent: outage and
    #: server_errors, those of them the urgency section defines
    concepts: list[Name] | None = Field(default=None, min_length=1)
    #: the parts of the product an incident or maintenance can name
    components: Annotated[list[Component], AfterValidator(_unique_components)] = Field(default_factory=list)
    #: who the suspected incident pages, whatever the report that opened it would have paged; absent:
    #: that report's own decision
    page: IncidentPage | None = None
    #: post each public update on the company's own X account too, as one short post with the status link
    post_to_x: bool = False


class RulesDocument(_Strict):
    """The whole routing policy. ``switchboard rules validate`` checks it; ``make schema`` exports it."""

    version: Literal[1]
    #: the calendar "business hours" means in reasons and time facts
    default_calendar: Name
    people: dict[Name, Person]
    teams: dict[Name, Team] = Field(min_length=1)
    calendars: dict[Name, CalendarSpec] = Field(min_length=1)
    rotations: dict[Name, RotationSpec] = Field(default_factory=dict)
    escalation_policies: dict[Name, EscalationPolicy] = Field(default_factory=dict)
    tiers: list[Tier] = Field(default_factory=list)
    urgency: Urgency
    intent: Intent = Field(default_factory=Intent)
    auto_replies: dict[Name, str] = Field(default_factory=dict)
    routes: list[Route]
    default: DefaultRoute
    replies: Replies = Field(default_factory=Replies)
    incidents: Incidents = Field(default_factory=Incidents)


def rules_json_schema() -> dict[str, Any]:
    """The JSON Schema for routing.yaml (``make schema`` writes it; editors autocomplete from it)."""
    schema = RulesDocument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Switchboard routing rules"
    return schema
