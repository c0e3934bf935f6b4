"""Route conditions compiled into one Python function: the hot loop of every decision.

A policy that grows to hundreds of routes is tested route by route on every message. As nested
closures each condition costs a chain of Python calls (~1.5 µs a route); generated as plain
boolean expressions in one function it is a few dictionary lookups and comparisons (~0.1 µs).
The generated source holds no text from the rules file: fact names and values enter as
``repr()`` literals of str/float/bool or as names bound to prepared objects (sets, patterns).
Conditions are checked (names, kinds, operators) by conditions.compile_condition first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.routing.schema import (
    AllCondition,
    AnyCondition,
    CalendarCondition,
    Condition,
    FactCondition,
    NotCondition,
)

#: (facts, calendar_open, start) → index of the first condition at or after start that holds, or -1
Matcher = Callable[[Mapping[str, Any], Callable[[str], bool], int], int]


class _Writer:
    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.bound: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"_c{len(self.bound)}"
        self.bound[name] = value
        return name

    def expr(self, cond: Condition) -> str:
        if isinstance(cond, AllCondition):
            return "(" + " and ".join(self.expr(c) for c in cond.all) + ")"
        if isinstance(cond, AnyCondition):
            return "(" + " or ".join(self.expr(c) for c in cond.any) + ")"
        if isinstance(cond, NotCondition):
            return f"(not {self.expr(cond.not_)})"
        if isinstance(cond, CalendarCondition):
            return f"open_({cond.in_calendar!r})"
        return self.fact(cond)

    def fact(self, cond: FactCondition) -> str:
        op, value = cond.operator()
        get = f"f[{cond.fact!r}]"
        if op == "eq":
            return f"({get} == {self.literal(value)})"
        if op == "in":
            return f"({get} in {self.bind(frozenset(value))})"
        if op in ("gt", "gte", "lt", "lte"):
            symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"({get} {symbol} {float(value)!r})"
        if op == "contains_any":
            needles = [str(v).lower() for v in value]
            if self.kinds[cond.fact] == "list":
                return f"(not {self.bind(frozenset(needles))}.isdisjoint({get}))"
            return "(" + " or ".join(f"({n!r} in {get})" for n in needles) + ")"
        pattern = self.bind(re.compile(value, re.IGNORECASE))
        return f"({pattern}.search(str({get})) is not None)"

    def literal(self, value: Any) -> str:
        if isinstance(value, bool | str) or value is None:
            return repr(value)
        return repr(float(value))


def compile_matcher(conditions: Sequence[Condition | None], kinds: dict[str, str]) -> Matcher:
    """One function over all conditions, in order; a None condition (no `when`) always holds."""
    writer = _Writer(kinds)
    lines = ["def match(f, open_, start):"]
    for i, cond in enumerate(conditions):
        test = "True" if cond is None else writer.expr(cond)
        lines.append(f"    if start <= {i} and {test}:")
        lines.append(f"        return {i}")
    lines.append("    return -1")
    namespace: dict[str, Any] = dict(writer.bound)
    exec(compile("\n".join(lines), "<routes>", "exec"), namespace)
    matcher: Matcher = namespace["match"]
    return matcher
