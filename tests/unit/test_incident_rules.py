"""The rules' `incidents:` section: validated with file and line, compiled into CompiledRules.incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.incidents.policy import Component, IncidentPolicy
from chalicelib.routing.loader import load_rules
from cli.compile import RulesFileError, compile_text
from tests.unit.rules_fixture import LITERAL, literal_rules

GOOD = """
incidents:
  distinct_senders: 5
  window: 10m
  vip_weight: 2
  concepts: [outage]
  components:
    - {name: app, description: The app}
    - {name: api}
"""


def test_the_section_compiles_into_a_frozen_policy():
    # GIVEN rules with an incidents section WHEN compiled THEN the policy says it
    policy = literal_rules(LITERAL + GOOD).incidents
    assert policy == IncidentPolicy(
        5, timedelta(minutes=10), 2, ("outage",), (Component("app", "The app"), Component("api"))
    )
    with pytest.raises(AttributeError, match="immutable"):
        policy.vip_weight = 9


def test_without_the_section_three_senders_in_fifteen_minutes_of_the_outage_concepts_defined():
    # GIVEN rules that define outage but not server_errors, and say nothing about incidents
    policy = literal_rules().incidents
    # THEN the defaults, with only the concepts the urgency section defines
    assert policy == IncidentPolicy(3, timedelta(minutes=15), 3, ("outage",), ())


def test_the_shipped_rules_count_outages_pages_that_will_not_load_and_server_errors():
    policy = load_rules().incidents
    assert set(policy.concepts) == {"outage", "wont_load", "server_errors"}
    assert "app" in policy.component_names()


@pytest.mark.parametrize(
    ("section", "bad_line", "path", "message"),
    [
        pytest.param("  window: soon\n", 2, "incidents.window", "is not a duration", id="duration"),
        pytest.param("  window: 0m\n", 2, "incidents.window", "at least 1m", id="zero-window"),
        pytest.param(
            "  distinct_senders: 1\n", 2, "incidents.distinct_senders", "greater than or equal to 2", id="one"
        ),
        pytest.param("  vip_weight: 0\n", 2, "incidents.vip_weight", "greater than or equal to 1", id="weight"),
        pytest.param(
            "  concepts: [outage, hiccups]\n", 2, "incidents.concepts.1", "unknown concept 'hiccups'", id="concept"
        ),
        pytest.param(
            "  components:\n    - {description: x}\n", 3, "incidents.components.0", "Field required", id="name"
        ),
        pytest.param(
            "  components:\n    - {name: app}\n    - {name: app}\n", 3, "incidents.components", "duplicate", id="dupe"
        ),
        pytest.param("  threshold: 3\n", 2, "incidents.threshold", "Extra inputs are not permitted", id="unknown-key"),
    ],
)
def test_a_mistake_names_the_file_and_line(section, bad_line, path, message):
    # GIVEN rules whose incidents section has a mistake on a known line of the section
    text = LITERAL + "incidents:\n" + section
    line = len(LITERAL.splitlines()) + bad_line
    # WHEN compiled THEN one issue, at that line, naming the path and what is wrong
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    (issue,) = err.value.issues
    assert (issue.file, issue.path) == ("routing.yaml", path)
    assert issue.line == line
    assert message in issue.message
