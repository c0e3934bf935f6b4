"""bootstrap: one container per function when several run in one process, the default one otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import bootstrap


@pytest.fixture
def containers() -> Iterator[dict[str, bootstrap.Container]]:
    made = {"default": bootstrap.Container(), "triage": bootstrap.Container()}
    bootstrap.use(made["default"])
    bootstrap.use(made["triage"], "triage")
    try:
        yield made
    finally:
        bootstrap.use(None)


@pytest.mark.parametrize(
    ("serving", "asked", "expected"),
    [
        (None, None, "default"),  # a route, or a test's own code
        ("triage", None, "triage"),  # inside app.triage
        ("escalate", None, "default"),  # a function with no container of its own: the default (Lambda)
        (None, "triage", "triage"),  # asked by name
    ],
)
def test_container_is_the_serving_functions_else_the_default(containers, serving, asked, expected):
    # WHEN code asks for the container while a function is being served (or not)
    if serving is None:
        found = bootstrap.container(asked)
    else:
        with bootstrap.serving(serving):
            found = bootstrap.container(asked)
    # THEN it gets that function's container, falling back to the default
    assert found is containers[expected]


def test_use_none_for_one_function_keeps_the_others(containers):
    bootstrap.use(None, "triage")
    with bootstrap.serving("triage"):
        assert bootstrap.container() is containers["default"]


class Swapping:
    """A rules source a deploy swaps (as adapters/rules_store.py's RulesSource does)."""

    def __init__(self, rules: object) -> None:
        self.rules = rules

    def current(self) -> object:
        return self.rules


def test_services_built_from_the_rules_settings_follow_a_deploy_and_a_tests_own_stay():
    # GIVEN a container on rules that are later swapped, with one service put in by a test
    import copy

    from chalicelib.incidents.policy import IncidentPolicy
    from chalicelib.routing.loader import load_rules
    from chalicelib.settings import Settings

    first = load_rules()
    source = Swapping(first)
    own = object()
    c = bootstrap.Container(
        Settings("dev", "us-east-1", "t", "c", "https://sqs.invalid/q"), rules_source=source, status_page=own
    )
    assert c.rules is first
    intake = c.incident_intake
    # WHEN a deploy swaps the rules for ones whose incident section differs
    second = copy.copy(first)
    second.incidents = IncidentPolicy(distinct_senders=7)
    source.rules = second
    # THEN the next use builds the intake again on the new section; the test's own service is kept
    assert c.rules is second
    assert c.incident_intake is not intake and c.incident_intake.policy.distinct_senders == 7
    assert c.status_page is own
