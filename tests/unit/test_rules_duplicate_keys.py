"""A key given twice in the rules or their tests is refused, naming both lines (PyYAML would keep the last)."""

from __future__ import annotations

import pytest
import yaml

from cli.compile import RULES_YAML, RulesFileError, compile_text
from cli.main import main
from cli.yaml_keys import duplicate_keys, load_unique
from tests.unit.rules_fixture import LITERAL


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    return [i for i, line in enumerate(text.splitlines(), 1) if fragment in line][nth - 1]


@pytest.mark.parametrize(
    ("old", "new", "repeated", "expected"),
    [
        pytest.param(
            "  leo: {name: Leo",
            '  maya: {name: Maya Two, phone: "+12125550109", topic: founders}\n  leo: {name: Leo',
            "  maya:",
            "people: duplicate key 'maya'",
            id="second-person-under-people",
        ),
        pytest.param(
            "    then: {priority: P2}\n",
            "    then: {priority: P2}\n    when: {fact: customer.vip, eq: false}\n",
            ("customer.mrr, gte", "customer.vip, eq: false"),
            "route 'big-spender': routes.4: duplicate key 'when'",
            id="inside-a-route",
        ),
        pytest.param(
            'hours: {mon-fri: ["09:00-17:00"]}',
            'hours:\n      mon-fri: ["09:00-17:00"]\n      mon-fri: ["10:00-16:00"]',
            "mon-fri",
            "calendars.office.hours: duplicate key 'mon-fri'",
            id="deep-in-a-calendar",
        ),
        pytest.param(
            "default_calendar: office\n",
            "default_calendar: office\ndefault_calendar: always\n",
            "default_calendar:",
            "(file): duplicate key 'default_calendar'",
            id="top-level",
        ),
    ],
)
def test_a_duplicate_key_names_both_lines(old, new, repeated, expected):
    # GIVEN the literal rules with one key written twice
    assert old in LITERAL
    text = LITERAL.replace(old, new, 1)
    # repeated: a fragment found on both lines, or one fragment for each
    a, b = (repeated, repeated) if isinstance(repeated, str) else repeated
    first = line_of(text, a)
    second = line_of(text, b, 2 if a == b else 1)
    # WHEN they are compiled
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    # THEN one issue at the second line, naming the first
    assert [str(i) for i in err.value.issues] == [f"routing.yaml:{second}: {expected} (first at line {first})"]


def test_every_duplicate_is_reported_in_file_order():
    # GIVEN two repeats, the deeper one earlier in the file
    text = "a:\n  b: 1\n  b: 2\nc: 1\nc: 2\n"
    # WHEN the document is checked THEN both are found, in file order
    found = [(d.path, d.key, d.line, d.first) for d in duplicate_keys(yaml.compose(text))]
    assert found == [(("a",), "b", 3, 2), ((), "c", 5, 4)]


@pytest.mark.parametrize(
    ("text", "loaded"),
    [
        pytest.param("a: 1\nb: 2\n", {"a": 1, "b": 2}, id="distinct-keys"),
        pytest.param('1: one\n"1": string\n', {1: "one", "1": "string"}, id="int-and-string-differ"),
        pytest.param(
            "base: &b {x: 1, y: 2}\nuse: {<<: *b, x: 3}\n",
            {"base": {"x": 1, "y": 2}, "use": {"x": 3, "y": 2}},
            id="merge-override",
        ),
    ],
)
def test_keys_that_are_not_duplicates_load(text, loaded):
    # GIVEN keys that only look alike WHEN loaded THEN nothing is refused
    assert duplicate_keys(yaml.compose(text)) == []
    assert load_unique(text) == loaded


def test_a_duplicate_key_in_the_routing_tests_file_names_both_lines(capsys, tmp_path):
    # GIVEN a routing tests file whose case gives `at` twice
    suite = tmp_path / "dup.tests.yaml"
    suite.write_text(
        f"rules: {RULES_YAML}\n"
        "cases:\n"
        "  - name: a free how-to at night\n"
        "    event: events/widget/free-howto.json\n"
        "    at: 2026-11-24T03:00:00\n"
        "    at: 2026-11-24T04:00:00\n"
        "    expect: {priority: P4}\n"
    )
    # WHEN it is run
    code = main(["rules", "test", str(suite)])
    # THEN it is refused, naming the second line and the first
    _, err = capsys.readouterr()
    assert code == 2
    assert f"{suite}:6: not a routing tests file: duplicate key 'at' (first at line 5)" in err
