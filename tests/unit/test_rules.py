"""A rules file is rejected at load when it is wrong, with the file, the line and the route's name."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.rulesets import rules_text
from chalicelib.errors import ConfigError
from chalicelib.routing import conditions, document, reader, schema
from chalicelib.routing.loader import from_compiled
from cli.compile import RULES_YAML, RulesFileError, compile_text, render
from tests.unit.rules_fixture import LITERAL

ROOT = Path(__file__).resolve().parents[2]


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
    b = compile_text(LITERAL.replace("billing: {points: 10", "billing: {points: 11"), "a.yaml")[0]["version"]
    assert a != b and len(a) == 12
    assert compile_text(LITERAL, "a.yaml")[0]["version"] == a


# ---- the lean runtime form: what the Lambda reads instead of building the pydantic models ----------


def _lean(cond: Any) -> Any:
    """A validated (pydantic) condition in the runtime form, to compare with what document.parse read."""
    if isinstance(cond, schema.AllCondition):
        return conditions.AllOf(tuple(_lean(c) for c in cond.all))
    if isinstance(cond, schema.AnyCondition):
        return conditions.AnyOf(tuple(_lean(c) for c in cond.any))
    if isinstance(cond, schema.NotCondition):
        return conditions.Not(_lean(cond.not_))
    if isinstance(cond, schema.CalendarCondition):
        return conditions.InCalendar(cond.in_calendar)
    op, value = cond.operator()
    return conditions.Fact(cond.fact, op, tuple(value) if isinstance(value, list) else value)


def _actions(then: schema.Actions) -> document.Actions:
    sla = None if then.sla is None else document.Sla(then.sla.within, then.sla.clock)
    dial = None if then.dial is None else tuple(then.dial)
    return document.Actions(then.team, then.priority, then.escalation, dial, sla, then.auto_reply, then.defer)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(LITERAL, id="literal"),
        pytest.param(RULES_YAML.read_text("utf-8"), id="shipped"),
        pytest.param(rules_text(100, RULES_YAML.read_text("utf-8"))[0], id="bench-100-routes"),
    ],
)
def test_the_lambda_reads_the_compiled_json_as_the_validated_model_has_it(text):
    # GIVEN rules validated by the pydantic models, and the JSON compiled from them
    compiled, rules = compile_text(text, "routing.yaml")
    model = schema.RulesDocument.model_validate(compiled["rules"])
    # WHEN the Lambda reads that JSON (no model is built) THEN every part it uses holds the same values
    lean = rules.document
    assert [(r.name, r.continue_, _actions(r.then)) for r in model.routes] == [
        (r.name, r.continue_, r.then) for r in lean.routes
    ]
    assert [None if r.when is None else _lean(r.when) for r in model.routes] == [r.when for r in lean.routes]
    assert [(t.name, _lean(t.when)) for t in model.tiers] == [tuple(t) for t in lean.tiers]
    assert _actions(model.default.then) == lean.default.then
    assert {n: (p.name, p.phone, p.email, p.topic, p.zone) for n, p in model.people.items()} == {
        n: tuple(p) for n, p in lean.people.items()
    }
    assert {n: (t.topic, t.calendar, tuple(t.members)) for n, t in model.teams.items()} == {
        n: tuple(t) for n, t in lean.teams.items()
    }
    assert {
        n: (c.timezone, c.hours, c.closed, (tuple(c.days_of_month or ()), tuple(c.months or ()), tuple(c.years or ())))
        for n, c in model.calendars.items()
    } == {n: tuple(c) for n, c in lean.calendars.items()}
    assert {
        n: (
            tuple(r.members),
            r.period,
            r.handoff,
            r.timezone,
            r.start,
            [(o.person, o.start, o.end) for o in r.overrides],
        )
        for n, r in model.rotations.items()
    } == {n: (*tuple(r)[:5], [tuple(o) for o in r.overrides]) for n, r in lean.rotations.items()}
    assert {
        n: ([(tuple(lv.notify), lv.ack_timeout) for lv in p.levels], p.repeat)
        for n, p in model.escalation_policies.items()
    } == {n: ([tuple(lv) for lv in p.levels], p.repeat) for n, p in lean.escalation_policies.items()}
    u = model.urgency
    model_words = u.model_dump(
        mode="json", exclude_none=True, exclude={"channel_priors", "sentiment", "repeat_contact", "levels"}
    )
    assert (u.channel_priors, model_words) == (lean.urgency.channel_priors, lean.urgency.model)
    assert (u.sentiment is None) == (lean.urgency.sentiment is None)
    if u.sentiment is not None and lean.urgency.sentiment is not None:
        assert (u.sentiment.weight, tuple(u.sentiment.channels)) == tuple(lean.urgency.sentiment)
    assert (model.intent.model_dump(mode="json", exclude_none=True), model.auto_replies) == (
        lean.intent,
        lean.auto_replies,
    )


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        pytest.param(lambda d: d["rules"].pop("routes"), "routes", id="missing-section"),
        pytest.param(lambda d: d["rules"]["routes"][0].update(then=None), "invalid compiled rules", id="wrong-type"),
        pytest.param(
            lambda d: d["rules"]["routes"][0].update(when={"fact": "channel", "like": "x"}),
            "unknown operator",
            id="unknown-operator",
        ),
        pytest.param(
            lambda d: d["rules"]["escalation_policies"]["urgent"]["levels"][0].update(ack_timeout="5 minutes"),
            "not a duration",
            id="bad-duration",
        ),
        pytest.param(lambda d: d.update(format=0), "compiled with format 0", id="old-format"),
    ],
)
def test_a_compiled_file_that_is_not_the_compiler_s_output_is_a_config_error(spoil, expected):
    data = json.loads(render(compile_text(LITERAL, "routing.yaml")[0]))
    spoil(data)
    with pytest.raises(ConfigError, match=expected):
        from_compiled(data, "routing.json")


def test_durations_read_back_as_the_compiler_writes_them():
    for minutes in (0, 1, 59, 60, 61, 24 * 60, 24 * 60 + 1, 10_000):
        within = timedelta(minutes=minutes)
        assert reader.duration(schema._duration_text(within)) == within


def test_loading_the_compiled_rules_builds_no_pydantic_schema():
    # the triage Lambda's cold start: the rules models are for `switchboard rules`, not for the Lambda
    code = (
        "import sys\n"
        "from chalicelib.routing.loader import load_rules\n"
        "from chalicelib.routing.decide import decide\n"
        "load_rules()\n"
        "print('chalicelib.routing.schema' in sys.modules, 'yaml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]
