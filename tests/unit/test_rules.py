"""A rules file is rejected at load when it is wrong, with the file, the line and the route's name."""

from __future__ import annotations

import pytest

from cli.compile import RulesFileError, compile_text
from tests.unit.rules_fixture import LITERAL


def issues_for(text: str) -> list[str]:
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    return [str(i) for i in err.value.issues]


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    return [i for i, line in enumerate(text.splitlines(), 1) if fragment in line][nth - 1]


@pytest.mark.parametrize(
    ("old", "new", "anchor", "expected"),  # anchor: a fragment of the line the error must point at
    [
        pytest.param(
            "then: {team: sales, priority: P2, defer",
            "then: {team: billing, priority: P2, defer",
            "team: billing",
            "route 'buyer': routes.3.then.team: unknown team 'billing' (teams: founders, sales, support)",
            id="undefined-team",
        ),
        pytest.param(
            "  - name: refunds",
            "  - name: buyer",
            ("  - name: buyer", 2),
            "route 'buyer': routes.5.name: duplicate route name 'buyer' (first at routes[3])",
            id="duplicate-route",
        ),
        pytest.param(
            "{fact: customer.mrr, gte: 1000}",
            "{fact: customer.mood, gte: 1000}",
            "customer.mood",
            "route 'big-spender': routes.4.when: unknown fact 'customer.mood'",
            id="unknown-fact",
        ),
        pytest.param(
            'hours: {mon-fri: ["09:00-17:00"]}',
            'hours: {mon-fri: ["17:00-09:00"]}',
            "17:00-09:00",
            "calendars.office.hours: mon-fri: window 17:00-09:00: start is not before end",
            id="impossible-window",
        ),
        pytest.param(
            "escalation: urgent, dial",
            "escalation: urgnet, dial",
            "urgnet",
            "route 'call': routes.0.then.escalation: unknown escalation policy 'urgnet'",
            id="undefined-policy",
        ),
        pytest.param(
            '"rotation:primary", "team:founders"]}',
            '"rotation:secondary", "team:founders"]}',
            "rotation:secondary",
            "route 'call': routes.0.then.dial.0: unknown rotation 'secondary'",
            id="undefined-rotation",
        ),
        pytest.param(
            "{not: {in_calendar: office}}",
            "{not: {in_calendar: ofice}}",
            "ofice",
            "route 'tag-night': routes.1.when: unknown calendar 'ofice'",
            id="undefined-calendar",
        ),
        pytest.param(
            "priority: P3, sla",
            "priority: P7, sla",
            "P7",
            "route 'refunds': routes.5.then.priority: Input should be 'P1', 'P2', 'P3' or 'P4'",
            id="bad-priority",
        ),
        pytest.param(
            '{fact: text, matches: "refund|charge ?back"}',
            '{fact: text, matches: "refund|(charge"}',
            "(charge",
            "route 'refunds': routes.5.when: text matches: not a regular expression",
            id="bad-regex",
        ),
        pytest.param(
            "{fact: customer.mrr, gte: 1000}",
            "{fact: customer.vip, gte: 1}",
            "customer.vip, gte",
            "route 'big-spender': routes.4.when: customer.vip is a bool fact: use one of eq, not gte",
            id="operator-on-wrong-kind",
        ),
        pytest.param(
            'later: "Hi {first_name}',
            'later: "Hi {nickname}',
            "nickname",
            "auto_replies.later: unknown placeholder {nickname}",
            id="bad-template",
        ),
        pytest.param(
            "timezone: America/New_York\n    hours",
            "timezone: America/Gotham\n    hours",
            "America/Gotham",
            "calendars.office.timezone: unknown time zone",
            id="unknown-zone",
        ),
    ],
)
def test_mistakes_are_named_with_file_line_and_route(old, new, anchor, expected):
    # GIVEN the literal rules with one mistake
    assert old in LITERAL
    text = LITERAL.replace(old, new, 1)
    # WHEN they are compiled THEN one issue names the file, the line of the mistake and what is wrong
    issues = issues_for(text)
    assert len(issues) == 1, issues
    where, _, what = issues[0].partition(": ")
    assert expected in what
    file, line = where.split(":")
    fragment, nth = anchor if isinstance(anchor, tuple) else (anchor, 1)
    assert (file, int(line)) == ("routing.yaml", line_of(text, fragment, nth))


def test_yaml_syntax_errors_name_the_line():
    text = LITERAL.replace("teams:\n", "teams:\n  support: {topic: [\n", 1)
    (issue,) = issues_for(text)
    assert issue.startswith("routing.yaml:") and "not valid YAML" in issue


def test_the_version_is_a_content_hash():
    a = compile_text(LITERAL, "a.yaml")[0]["version"]
    b = compile_text(LITERAL.replace("refund: 10", "refund: 11"), "a.yaml")[0]["version"]
    assert a != b and len(a) == 12
    assert compile_text(LITERAL, "a.yaml")[0]["version"] == a
