"""Conditions: read from the compiled rules, checked against the facts and calendars they may name, explained.

The generated matcher (codegen.py) decides which route matches; the explanation of the route that
matched is all a decision needs from here. An explanation tests a condition itself only for `any`,
to name the alternatives that held, so nothing is prepared for testing in advance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from chalicelib.routing.record import Record

#: the operators of a fact condition, as routing.yaml spells them
OPERATORS = ("eq", "in", "gt", "gte", "lt", "lte", "contains_any", "matches")


class Fact(Record):
    """Compare one fact with one operator."""

    _fields = ("fact", "op", "value")
    __slots__ = _fields
    fact: str
    op: str
    value: Any

    def __init__(self, fact: str, op: str, value: Any) -> None:
        super().__init__(fact, op, value)


class InCalendar(Record):
    """True while the named calendar is open."""

    _fields = ("calendar",)
    __slots__ = _fields
    calendar: str

    def __init__(self, calendar: str) -> None:
        super().__init__(calendar)


class AllOf(Record):
    _fields = ("members",)
    __slots__ = _fields
    members: tuple[Condition, ...]

    def __init__(self, members: tuple[Condition, ...]) -> None:
        super().__init__(members)


class AnyOf(Record):
    _fields = ("members",)
    __slots__ = _fields
    members: tuple[Condition, ...]

    def __init__(self, members: tuple[Condition, ...]) -> None:
        super().__init__(members)


class Not(Record):
    _fields = ("inner",)
    __slots__ = _fields
    inner: Condition

    def __init__(self, inner: Condition) -> None:
        super().__init__(inner)


Condition: TypeAlias = Fact | InCalendar | AllOf | AnyOf | Not


def _number(value: Any) -> Any:
    # pydantic reads a number as float wherever a condition takes one (str | float | bool): so do we
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def condition(data: dict[str, Any]) -> Condition:
    if "all" in data:
        return AllOf(tuple(condition(c) for c in data["all"]))
    if "any" in data:
        return AnyOf(tuple(condition(c) for c in data["any"]))
    if "not" in data:
        return Not(condition(data["not"]))
    if "in_calendar" in data:
        return InCalendar(data["in_calendar"])
    (op,) = (k for k in data if k != "fact")
    value = data[op]
    if op == "in":
        value = tuple(_number(v) for v in value)
    elif op == "contains_any":
        value = tuple(value)
    elif op in ("eq", "gt", "gte", "lt", "lte"):
        value = _number(value)
    if op not in OPERATORS:
        raise ValueError(f"unknown operator {op!r}")
    return Fact(data["fact"], op, value)


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
    "intent.churn": "bool",
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


class ConditionError(ValueError):
    """A condition names an unknown fact or calendar, or uses an operator that does not fit."""


def check_condition(
    cond: Condition,
    calendars: Mapping[str, Any],
    forbidden: frozenset[str] = frozenset(),
    extra: Mapping[str, str] | None = None,
) -> None:
    """Every name known, every operator fitting its fact's kind, every pattern a regular expression."""
    if isinstance(cond, AllOf | AnyOf):
        for member in cond.members:
            check_condition(member, calendars, forbidden, extra)
        return
    if isinstance(cond, Not):
        check_condition(cond.inner, calendars, forbidden, extra)
        return
    if isinstance(cond, InCalendar):
        if cond.calendar not in calendars:
            raise ConditionError(f"unknown calendar {cond.calendar!r} (calendars: {', '.join(sorted(calendars))})")
        return
    # facts named by the document itself: oncall.<rotation> for each rotation it declares
    known = {**FACTS, **(extra or {})}
    if cond.fact not in known or cond.fact in forbidden:
        raise ConditionError(f"unknown fact {cond.fact!r} (facts: {', '.join(f for f in known if f not in forbidden)})")
    op, value, kind = cond.op, cond.value, known[cond.fact]
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


def names(cond: Condition) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The facts and the calendars a condition names, each once, in order."""
    facts: dict[str, None] = {}
    calendars: dict[str, None] = {}
    pending = [cond]
    while pending:
        node = pending.pop()
        if isinstance(node, AllOf | AnyOf):
            pending.extend(reversed(node.members))
        elif isinstance(node, Not):
            pending.append(node.inner)
        elif isinstance(node, InCalendar):
            calendars[node.calendar] = None
        else:
            facts[node.fact] = None
    return tuple(facts), tuple(calendars)


def _show(value: Any) -> str:
    if isinstance(value, list | tuple | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SYMBOLS = {"eq": "=", "in": "in", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def holds(cond: Condition, facts: Mapping[str, Any], is_open: Mapping[str, bool], kinds: Mapping[str, str]) -> bool:
    """Whether ``cond`` holds, as the generated matcher decides it (only `any` explanations ask)."""
    if isinstance(cond, AllOf):
        return all(holds(c, facts, is_open, kinds) for c in cond.members)
    if isinstance(cond, AnyOf):
        return any(holds(c, facts, is_open, kinds) for c in cond.members)
    if isinstance(cond, Not):
        return not holds(cond.inner, facts, is_open, kinds)
    if isinstance(cond, InCalendar):
        return is_open[cond.calendar]
    fact, op, value = facts[cond.fact], cond.op, cond.value
    if op == "eq":
        return bool(fact == value)
    if op == "in":
        return fact in frozenset(value)
    if op == "gt":
        return bool(fact > float(value))
    if op == "gte":
        return bool(fact >= float(value))
    if op == "lt":
        return bool(fact < float(value))
    if op == "lte":
        return bool(fact <= float(value))
    if op == "contains_any":
        needles = [str(v).lower() for v in value]
        if kinds[cond.fact] == "list":
            return not frozenset(needles).isdisjoint(fact)
        return any(n in fact for n in needles)
    return re.compile(value, re.IGNORECASE).search(str(fact)) is not None


#: (facts, calendars' openness) → words
Explainer = Callable[[Mapping[str, Any], Mapping[str, bool]], str]


def explainer(cond: Condition, kinds: Mapping[str, str]) -> Explainer:
    """The condition in words, with the values that made it hold: "customer.mrr ≥ 1000.0 (4800.0)".

    Prepared once per route, on its first match: the words that never change are joined in advance.
    """
    if isinstance(cond, AllOf):
        parts = [explainer(c, kinds) for c in cond.members]
        return lambda facts, is_open: " and ".join([part(facts, is_open) for part in parts])
    if isinstance(cond, AnyOf):
        # name the alternatives that held
        alternatives = [(c, explainer(c, kinds)) for c in cond.members]
        return lambda facts, is_open: " or ".join(
            [
                part(facts, is_open)
                for _, part in ([a for a in alternatives if holds(a[0], facts, is_open, kinds)] or alternatives)
            ]
        )
    if isinstance(cond, Not):
        inner = explainer(cond.inner, kinds)
        if isinstance(cond.inner, InCalendar):
            return inner  # "calendar office is closed" says it
        return lambda facts, is_open: f"not ({inner(facts, is_open)})"
    if isinstance(cond, InCalendar):
        name, opened, closed = cond.calendar, f"calendar {cond.calendar} is open", f"calendar {cond.calendar} is closed"
        return lambda facts, is_open: opened if is_open[name] else closed
    fact, op, value = cond.fact, cond.op, cond.value
    if kinds[fact] == "text":
        if op == "contains_any":
            return lambda facts, is_open: (
                f"{fact} contains {_show([v for v in value if str(v).lower() in facts[fact]] or value)}"
            )
        said = f"{fact} {op} {_show(value)}"
        return lambda facts, is_open: said
    head = f"{fact} {_SYMBOLS.get(op, op)} {_show(value)} ("
    return lambda facts, is_open: head + _show(facts[fact]) + ")"
