"""The rules file is rejected at load when it is wrong, with the file and the route named."""

from __future__ import annotations

import pytest

from chalicelib.errors import ConfigError
from chalicelib.routing.rules import parse_rules

VALID = """
version: 1
teams: [support]
business_hours: {timezone: Europe/Berlin, days: [mon], start: "09:00", end: "17:00"}
urgency: {critical: [down]}
routes:
  - {name: a, match: {vip: true}, team: support, priority: P1}
default: {team: support, priority: P3}
"""


def test_valid_rules_load_with_a_content_hash_version():
    rules = parse_rules(VALID, "r.yaml")
    assert len(rules.version) == 12
    assert parse_rules(VALID + "\n# comment\n", "r.yaml").version != rules.version


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            ("team: support, priority: P1", "team: billing, priority: P1"),
            "route 'a': unknown team 'billing'",
            id="unknown-team",
        ),
        pytest.param(
            ("routes:\n", "routes:\n  - {name: a, team: support, priority: P2}\n"),
            "route 'a': duplicate route name",
            id="duplicate-route",
        ),
        pytest.param(
            ('start: "09:00", end: "17:00"', 'start: "17:00", end: "09:00"'),
            "start 17:00 must be before end 09:00",
            id="impossible-window",
        ),
        pytest.param(("Europe/Berlin", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'", id="unknown-zone"),
        pytest.param(("priority: P1", "priority: P9"), "routes.0.priority", id="unknown-priority"),
        pytest.param(
            ("match: {vip: true}", "match: {vip: true, moon: full}"), "routes.0.match.moon", id="unknown-fact"
        ),
        pytest.param(("teams: [support]", "teams: [support"), "not valid YAML", id="bad-yaml"),
    ],
)
def test_invalid_rules_are_rejected_naming_file_and_route(change, message):
    # GIVEN a rules file with one mistake
    text = VALID.replace(*change)
    # WHEN it is loaded THEN the error names the file and what is wrong
    with pytest.raises(ConfigError) as err:
        parse_rules(text, "routing.yaml")
    assert str(err.value).startswith("routing.yaml: ")
    assert message in str(err.value)
