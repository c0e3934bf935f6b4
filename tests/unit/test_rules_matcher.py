"""The generated matcher agrees with the conditions read one by one, whatever the facts (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.routing.codegen import compile_matcher
from chalicelib.routing.conditions import FACTS, AllOf, AnyOf, Condition, Fact, InCalendar, Not, holds

# patterns as operators write them: repeated on one fact (searched once), one with a group and a
# backreference (kept out of the joint screening search), one that matches the empty text, and some
# that name a character every match holds (a needle: "-", "#", "@") or only may hold (in a branch, optional)
PATTERNS = [
    r"\binv-\d{3}\b",
    r"refund|charge ?back",
    r"(ab)\1",
    r"^$",
    r"ORDER\s+#\d+",
    r"é",
    r"x@y|z",
    r"(?x) a \@ b",
    r"po[- ]?\d",
]
TEXTS = ["", "inv-123", "a refund please", "abab", "order #42", "Order #7 refund", "café", "ÉCOLE", "x inv-12 y"]
TEXTS += ["z", "a@b", "ab", "po 7", "po7", "x@y"]

conditions = st.recursive(
    st.one_of(
        st.builds(Fact, st.just("text"), st.just("matches"), st.sampled_from(PATTERNS)),
        st.builds(Fact, st.just("subject"), st.just("matches"), st.sampled_from(PATTERNS)),
        st.builds(Fact, st.just("customer.plan"), st.just("matches"), st.sampled_from(PATTERNS)),
        st.builds(
            Fact, st.just("text"), st.just("contains_any"), st.lists(st.sampled_from(["refund", "INV"]), min_size=1)
        ),
        st.builds(Fact, st.just("customer.plan"), st.just("eq"), st.sampled_from(["pro", "free"])),
        st.builds(Fact, st.just("customer.plan"), st.just("in"), st.sampled_from([("pro", "enterprise"), ("x",)])),
        st.builds(
            Fact,
            st.just("customer.mrr"),
            st.sampled_from(["gt", "gte", "lt", "lte"]),
            st.sampled_from([0.0, 99.0, float("inf")]),
        ),
        st.builds(Fact, st.just("customer.vip"), st.just("eq"), st.booleans()),
        st.builds(
            Fact, st.just("customer.flags"), st.just("contains_any"), st.sampled_from([("vip",), ("beta", "VIP")])
        ),
        st.builds(InCalendar, st.sampled_from(["office", "always"])),
    ),
    lambda inner: st.one_of(
        st.builds(AllOf, st.lists(inner, min_size=1, max_size=3).map(tuple)),
        st.builds(AnyOf, st.lists(inner, min_size=1, max_size=3).map(tuple)),
        st.builds(Not, inner),
    ),
    max_leaves=6,
)
facts = st.fixed_dictionaries(
    {
        "text": st.sampled_from(TEXTS),
        "subject": st.sampled_from(TEXTS),
        "customer.plan": st.sampled_from(["pro", "free", "ORDER #1", "inv-999"]),
        "customer.mrr": st.sampled_from([0.0, 99.0, 1000.0]),
        "customer.vip": st.booleans(),
        "customer.flags": st.sampled_from([frozenset(), frozenset({"vip"}), frozenset({"beta"})]),
    }
)
opened = st.fixed_dictionaries({"office": st.booleans(), "always": st.booleans()})


def first_that_holds(routes: list[Condition | None], f: dict[str, Any], o: dict[str, bool], start: int) -> int:
    return next((i for i, cond in enumerate(routes) if i >= start and (cond is None or holds(cond, f, o, FACTS))), -1)


@settings(max_examples=300, deadline=None)
@given(
    routes=st.lists(st.one_of(st.none(), conditions), max_size=12),
    f=facts,
    o=opened,
    continuing=st.sets(st.integers(0, 11)),
)
def test_the_matcher_finds_the_first_route_that_holds_from_each_entry(routes, f, o, continuing):
    entries = sorted({0, *(i + 1 for i in continuing if i < len(routes))})
    match = compile_matcher(routes, FACTS, entries)
    for start in entries:
        assert match(f, o, start) == first_that_holds(routes, f, o, start)


def test_a_start_that_is_not_an_entry_is_refused():
    # routes are guarded in segments between entries: starting elsewhere would skip or repeat some
    match = compile_matcher([Fact("customer.vip", "eq", True), None, None], FACTS, [2])
    assert match({"customer.vip": False}, {}, 2) == 2
    with pytest.raises(ValueError, match="not an entry"):
        match({"customer.vip": False}, {}, 1)


@pytest.mark.parametrize("fact", ["text", "customer.plan"])
@pytest.mark.parametrize("value", [*TEXTS, "ORDER #1", "x abab y"])
def test_patterns_screened_together_match_as_each_alone(fact, value):
    # GIVEN one route per pattern on the same fact (the joinable ones are screened by one search)
    routes: list[Condition | None] = [Fact(fact, "matches", p) for p in PATTERNS]
    f = {"text": "", "customer.plan": "", fact: value}
    match = compile_matcher(routes, FACTS, range(len(routes) + 1))
    # WHEN matched from every entry THEN each pattern decides as it would alone
    for start in range(len(routes) + 1):
        assert match(f, {}, start) == first_that_holds(routes, f, {}, start), start
