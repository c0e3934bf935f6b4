"""Route conditions compiled into one Python function: the hot loop of every decision.

A policy that grows to hundreds of routes is tested route by route on every message. Generated as
plain boolean expressions in one function, a route is a few local-variable comparisons (~0.1 µs):
the facts the conditions name are read from the dict once per call, calendars' openness comes as
a dict. Regular expressions are the expensive tests (microseconds each on a message), so:

- each distinct (fact, pattern) pair is searched at most once per call, when a route first needs it;
- a pattern whose every match holds a character no other matches ignoring case ("@", "#", "-", a
  digit: its needles) is searched only in a text that holds them, an `in` test costs next to nothing;
- the other patterns on one fact are screened together by one search with their alternation, also
  once per call: when it finds nothing, none of them can match and no single pattern runs.
  (Only patterns without groups are joined: a group would renumber another pattern's backreferences.)

The generated source holds no text from the rules file: fact names and values enter as ``repr()``
literals of str/float/bool or as names bound to prepared objects (sets, patterns). Conditions are
checked (names, kinds, operators) by conditions.check_condition first.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from chalicelib.routing.conditions import AllOf, AnyOf, Condition, Fact, InCalendar, Not

#: (facts, calendar openness, start) → index of the first condition at or after start that holds, or -1.
#: ``start`` must be one of the entries the matcher was compiled with (0, and one past each route that
#: may continue): the routes are guarded in segments between entries, not one by one.
Matcher = Callable[[Mapping[str, Any], Mapping[str, bool], int], int]


class _Writer:
    def __init__(self, kinds: Mapping[str, str], conditions: Sequence[Condition | None]) -> None:
        self.kinds = kinds
        self.bound: dict[str, Any] = {}
        #: fact name → local variable holding its value
        self.locals: dict[str, str] = {}
        #: (fact, pattern) → (local memoising whether the pattern matches the fact, the bound pattern)
        self.found: dict[tuple[str, str], tuple[str, str]] = {}
        #: fact → (local memoising whether any of its joinable patterns matches, the bound joined pattern)
        self.screens: dict[str, tuple[str, str]] = {}
        by_fact: dict[str, list[str]] = {}
        for cond in conditions:
            for fact, pattern in _patterns(cond):
                # a pattern with needles is ruled out by them, not by the screening search
                if pattern not in by_fact.setdefault(fact, []) and not _needles(pattern):
                    by_fact[fact].append(pattern)
        for fact, patterns in by_fact.items():
            if (screen := _screen(patterns)) is not None:
                self.screens[fact] = (f"s{len(self.screens)}", self.bind(screen))

    def bind(self, value: Any) -> str:
        name = f"_c{len(self.bound)}"
        self.bound[name] = value
        return name

    def local(self, fact: str) -> str:
        if fact not in self.locals:
            self.locals[fact] = f"v{len(self.locals)}"
        return self.locals[fact]

    def expr(self, cond: Condition) -> str:
        if isinstance(cond, AllOf):
            return "(" + " and ".join(self.expr(c) for c in cond.members) + ")"
        if isinstance(cond, AnyOf):
            return "(" + " or ".join(self.expr(c) for c in cond.members) + ")"
        if isinstance(cond, Not):
            return f"(not {self.expr(cond.inner)})"
        if isinstance(cond, InCalendar):
            return f"o[{cond.calendar!r}]"
        return self.fact(cond)

    def fact(self, cond: Fact) -> str:
        op, value = cond.op, cond.value
        get = self.local(cond.fact)
        if op == "eq":
            return f"({get} == {self.literal(value)})"
        if op == "in":
            return f"({get} in {self.bind(frozenset(value))})"
        if op in ("gt", "gte", "lt", "lte"):
            symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"({get} {symbol} {self.literal(value)})"
        if op == "contains_any":
            needles = [str(v).lower() for v in value]
            if self.kinds[cond.fact] == "list":
                # most customers have no flags: an empty set is disjoint from anything, without the call
                return f"({get} and not {self.bind(frozenset(needles))}.isdisjoint({get}))"
            return "(" + " or ".join(f"({n!r} in {get})" for n in needles) + ")"
        key = (cond.fact, value)
        if key not in self.found:
            self.found[key] = (f"m{len(self.found)}", self.bind(re.compile(value, re.IGNORECASE)))
        found, pattern = self.found[key]
        test = self.search(found, pattern, get)
        if required := _needles(value):
            return "(" + " and ".join([*(f"({n!r} in str({get}))" for n in required), test]) + ")"
        screen = self.screens.get(cond.fact)
        if screen is None or not _joinable(value):
            return test
        screened, joined = screen
        return f"({self.search(screened, joined, get)} and {test})"

    def search(self, name: str, pattern: str, get: str) -> str:
        """Whether the bound ``pattern`` is found in the fact: searched on first use, then kept in local ``name``.

        An empty fact (most messages have no subject) gets the answer worked out here, without a search.
        """
        empty = self.bound[pattern].search("") is not None
        found = f"({empty!r} if {get} == '' else {pattern}.search(str({get})) is not None)"
        return f"({name} if {name} is not None else ({name} := {found}))"

    def literal(self, value: Any) -> str:
        if isinstance(value, bool | str) or value is None:
            return repr(value)
        number = float(value)
        # nan and inf have no literal: bound by name, like a set
        return repr(number) if math.isfinite(number) else self.bind(number)

    def prelude(self) -> list[str]:
        """Read each fact once; no pattern has been searched yet."""
        lines = [f"    {var} = f[{fact!r}]" for fact, var in self.locals.items()]
        lazy = [*(name for name, _ in self.found.values()), *(name for name, _ in self.screens.values())]
        if lazy:
            lines.append(f"    {' = '.join(lazy)} = None")
        return lines


def _patterns(cond: Condition | None) -> list[tuple[str, str]]:
    if isinstance(cond, AllOf | AnyOf):
        return [found for c in cond.members for found in _patterns(c)]
    if isinstance(cond, Not):
        return _patterns(cond.inner)
    if isinstance(cond, Fact) and cond.op == "matches":
        return [(cond.fact, cond.value)]
    return []


#: characters with no other case, the likely rarest in messages first: a needle is one of these
_CASELESS = "@#$%&*+=^~|<>/\\:;!?_'\"`[]{}()-0123456789.,"


@functools.lru_cache(maxsize=1024)
def _needles(pattern: str) -> tuple[str, ...]:
    """Up to two characters every match of ``pattern`` contains, and that no other character matches
    ignoring case: a text without one of them cannot match, and the search is skipped.

    Found with the re module's own parser (private to it): only a character the pattern's top level
    names plainly counts (each item of the top level is in every match; inside a group, a branch or a
    repeat it may not be), and anything unexpected gives no needles: the pattern is searched as ever.
    """
    try:
        parser, constants = importlib.import_module("re._parser"), importlib.import_module("re._constants")
        top = parser.parse(pattern, re.IGNORECASE).data
        found = {chr(arg) for op, arg in top if op is constants.LITERAL and isinstance(arg, int)}
    except Exception:  # an optimisation only: it never fails a rules load
        return ()
    return tuple(sorted((c for c in found if c in _CASELESS), key=_CASELESS.index)[:2])


def _screen(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern that matches wherever any of ``patterns`` does; None when there is nothing to gain."""
    joinable = [p for p in patterns if _joinable(p)]
    if len(joinable) < 2:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in joinable), re.IGNORECASE)
    except re.error:
        return None


def _joinable(pattern: str) -> bool:
    try:
        # no groups: none to renumber, so no backreference can change meaning; global flags such as
        # (?x) cannot stand inside a group and fail to compile here
        return re.compile(f"(?:{pattern})", re.IGNORECASE).groups == 0
    except re.error:
        return False


def compile_matcher(
    conditions: Sequence[Condition | None], kinds: Mapping[str, str], entries: Iterable[int] = (0,)
) -> Matcher:
    """One function over all conditions, in order; a None condition (no `when`) always holds."""
    writer = _Writer(kinds, conditions)
    starts = sorted({0, *entries})
    body: list[str] = []
    for i, cond in enumerate(conditions):
        if i in starts:
            body.append(f"    if start <= {i}:")
        test = "True" if cond is None else writer.expr(cond)
        body.append(f"        if {test}:")
        body.append(f"            return {i}")
    lines = [
        "def match(f, o, start):",
        f"    if start not in {writer.bind(frozenset(starts))}:",
        "        raise ValueError(f'start {start}: not an entry of this matcher')",
        *writer.prelude(),
        *body,
        "    return -1",
    ]
    namespace: dict[str, Any] = dict(writer.bound)
    exec(compile("\n".join(lines), "<routes>", "exec"), namespace)
    matcher: Matcher = namespace["match"]
    return matcher
