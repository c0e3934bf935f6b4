"""Rebuilding a query string from API Gateway's parsed parameters: the spellings a configured URL can have."""

from __future__ import annotations

import pytest

from chalicelib.api.query_string import candidates


def test_no_parameters_is_no_query():
    assert candidates([]) == ("",)


def test_the_received_order_comes_first_then_the_sorted_one():
    # GIVEN parameters as API Gateway hands them over, in the order they arrived
    found = candidates([("z", "1"), ("a", "2")])
    # THEN the order the provider used is tried first, the sorted one (the old rebuild) later
    assert found[0] == "z=1&a=2"
    assert "a=2&z=1" in found and found.index("a=2&z=1") > 0
    assert len(found) == len(set(found)) == 2  # plain values spell the same in every encoding


@pytest.mark.parametrize(
    ("value", "spellings"),
    [
        pytest.param("on call", {"note=on%20call", "note=on+call"}, id="space"),
        pytest.param("a/b:c", {"note=a/b:c", "note=a%2Fb%3Ac"}, id="reserved-typed-or-escaped"),
        pytest.param("a&b=c+d", {"note=a%26b%3Dc%2Bd"}, id="separators-always-escaped"),
        pytest.param("é", {"note=%C3%A9"}, id="utf-8"),
    ],
)
def test_each_value_is_tried_in_the_spellings_people_and_tools_use(value, spellings):
    assert set(candidates([("note", value)])) == spellings
