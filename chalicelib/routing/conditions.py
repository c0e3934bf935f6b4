"""Conditions compiled once into predicates over one decision's facts, and explained in words."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.routing.schema import (
    AllCondition,
    AnyCondition,
    CalendarCondition,
    Condition,
    NotCondition,
)

#: every fact a condition may name, with its kind (which operators make sense on it)
FACTS: dict[str, str] = {
    "channel": "str",
    "provider": "str",
    "text": "text",
    "subject": "text",
    "urgency.score": "num",
    "urgency.level": "str",
    "customer.known": "bool",
    "customer.prospect": "bool",
    "customer.matched_by": "str",
    "customer.plan": "str",
    "customer.tier": "str",
    "customer.mrr": "num",
    "customer.ltv": "num",
    "customer.vip": "bool",
    "customer.flags": "list",
    "intent.buying": "bool",
    "contact.recent": "num",
    "time.weekday": "str",
    "time.hour": "num",
    "time.holiday": "bool",
    "time.customer_hour": "num",
    "time.customer_business_day": "bool",
}

_OPERATORS_BY_KIND = {
    "str": {"eq", "in", "matches", "contains_any"},
    "text": {"contains_any", "matches", "eq"},
    "num": {"eq", "in", "gt", "gte", "lt", "lte"},
    "bool": {"eq"},
    "list": {"contains_any", "eq"},
}


@dataclass
class Context:
    """One decision's facts, and whether each calendar is open."""

    facts: Mapping[str, Any]
    now: datetime
    #: whether a calendar is open at ``now`` (the rules memoise it per minute)
    is_open: Callable[[str, datetime], bool]
    _open: dict[str, bool] = field(default_factory=dict)

    def calendar_open(self, name: str) -> bool:
        # several routes may ask about the same calendar: once per decision
        known = self._open.get(name)
        if known is None:
            known = self._open[name] = self.is_open(name, self.now)
        return known


Predicate = Callable[[Context], bool]
Explainer = Callable[[Context], str]


@dataclass(frozen=True)
class Compiled:
    """A condition prepared once: the test every decision runs, and the words for the one that matched."""

    test: Predicate
    explain: Explainer


class ConditionError(ValueError):
    """A condition names an unknown fact or calendar, or uses an operator that does not fit."""


def _show(value: Any) -> str:
    if isinstance(value, list | tuple | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SYMBOLS = {"eq": "=", "in": "in", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def _fact_test(name: str, op: str, value: Any, kind: str) -> Predicate:
    # one closure per operator, each a single dict lookup and comparison: this runs for every route
    if op == "eq":
        return lambda ctx: bool(ctx.facts[name] == value)
    if op == "in":
        members = frozenset(value)
        return lambda ctx: ctx.facts[name] in members
    if op in ("gt", "gte", "lt", "lte"):
        number = float(value)
        if op == "gt":
            return lambda ctx: bool(ctx.facts[name] > number)
        if op == "gte":
            return lambda ctx: bool(ctx.facts[name] >= number)
        if op == "lt":
            return lambda ctx: bool(ctx.facts[name] < number)
        return lambda ctx: bool(ctx.facts[name] <= number)
    if op == "contains_any":
        needles = tuple(str(v).lower() for v in value)
        if kind == "list":
            wanted = frozenset(needles)
            return lambda ctx: not wanted.isdisjoint(ctx.facts[name])
        return lambda ctx: any(n in ctx.facts[name] for n in needles)
    pattern = re.compile(value, re.IGNORECASE)
    return lambda ctx: pattern.search(str(ctx.facts[name])) is not None


def _fact_explainer(name: str, op: str, value: Any, kind: str) -> Explainer:
    if kind == "text":
        if op == "contains_any":
            return lambda ctx: (
                f"{name} contains {_show([v for v in value if str(v).lower() in ctx.facts[name]] or value)}"
            )
        return lambda ctx: f"{name} {op} {_show(value)}"
    head = f"{name} {_SYMBOLS.get(op, op)} {_show(value)}"
    return lambda ctx: f"{head} ({_show(ctx.facts[name])})"


def _chain(tests: list[Predicate], every: bool) -> Predicate:
    """and/or over closures without a generator per call (routes are tested on every decision)."""
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _chain(tests[1:], every)
    if every:
        return lambda ctx: first(ctx) and rest(ctx)
    return lambda ctx: first(ctx) or rest(ctx)


def compile_condition(
    cond: Condition,
    calendars: Mapping[str, Any],
    forbidden: frozenset[str] = frozenset(),
    extra: Mapping[str, str] | None = None,
) -> Compiled:
    """Check names and operators, then build the test and its explanation; raises ConditionError."""
    if isinstance(cond, AllCondition | AnyCondition):
        every = isinstance(cond, AllCondition)
        members = cond.all if isinstance(cond, AllCondition) else cond.any
        parts = [compile_condition(c, calendars, forbidden, extra) for c in members]
        test = _chain([p.test for p in parts], every)
        if every:
            return Compiled(test, lambda ctx: " and ".join(p.explain(ctx) for p in parts))
        # for "any", name the alternatives that held
        return Compiled(
            test, lambda ctx: " or ".join(p.explain(ctx) for p in ([q for q in parts if q.test(ctx)] or parts))
        )
    if isinstance(cond, NotCondition):
        inner = compile_condition(cond.not_, calendars, forbidden, extra)
        negated = inner.test
        if isinstance(cond.not_, CalendarCondition):
            return Compiled(lambda ctx: not negated(ctx), inner.explain)  # "calendar office is closed" says it
        return Compiled(lambda ctx: not negated(ctx), lambda ctx: f"not ({inner.explain(ctx)})")
    if isinstance(cond, CalendarCondition):
        name = cond.in_calendar
        if name not in calendars:
            raise ConditionError(f"unknown calendar {name!r} (calendars: {', '.join(sorted(calendars))})")
        return Compiled(
            lambda ctx: ctx.calendar_open(name),
            lambda ctx: f"calendar {name} is {'open' if ctx.calendar_open(name) else 'closed'}",
        )
    # facts named by the document itself: oncall.<rotation> for each rotation it declares
    known = {**FACTS, **(extra or {})}
    if cond.fact not in known or cond.fact in forbidden:
        raise ConditionError(f"unknown fact {cond.fact!r} (facts: {', '.join(f for f in known if f not in forbidden)})")
    op, value = cond.operator()
    kind = known[cond.fact]
    if op not in _OPERATORS_BY_KIND[kind]:
        raise ConditionError(
            f"{cond.fact} is a {kind} fact: use one of {', '.join(sorted(_OPERATORS_BY_KIND[kind]))}, not {op}"
        )
    if op in ("gt", "gte", "lt", "lte") and isinstance(value, bool):
        raise ConditionError(f"{cond.fact} {op}: compare with a number")
    if op == "matches":
        try:
            re.compile(value)
        except re.error as exc:
            raise ConditionError(f"{cond.fact} matches: not a regular expression ({exc})") from None
    return Compiled(_fact_test(cond.fact, op, value, kind), _fact_explainer(cond.fact, op, value, kind))
