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
