"""The warning for a '|' meant between phrases: the slips it flags, the intended uses it leaves alone."""

from __future__ import annotations

import pytest

from chalicelib.routing.pattern_lint import lint, patterns_in
from chalicelib.routing.patterns import compile_words
from tests.unit.rules_fixture import LITERAL

# each slip: the pattern, the phrase its writer meant it to find, and what the warning must say
SLIPS = [
    ("is down|not working", "is down", ['reads "is down working" or "is not working"', '"down" ends a phrase']),
    ("is out|can not pay", "is out", ['"is can" is not text anyone writes']),
    ("went down|stopped working", "went down", ['"went down working" or "went stopped working"']),
    ("log in|sign up", "log in", ['"log in up" or "log sign up"', '"in" ends a phrase, "sign" starts one']),
    ("down|not working", "down", ['"down working" or "not working"']),
    # the slips the shipped rules had (see git history of routing.yaml)
    ("typed their|in their password", "typed their password", ['"their their" is not text anyone writes']),
    ("unusual log in|sign in from", "unusual sign in from", ['"in in" is not text anyone writes']),
    ("a|we have a|are full|packed restaurant", "a packed restaurant", ['"a have" is not text anyone writes']),
    # an article before a verb, auxiliaries that do not stack, two subjects
    ("the|it is broken", "the app is broken", ['"the is"']),
    ("it can|is will fail", "it can fail", ['"can will" is not text anyone writes']),
    ("we|i they never got it", "we never got it", ['"we they"']),
    # a pronoun that already holds its "one"; a word offered twice (both slipped into the shipped rules once)
    ("nobody|no one can", "nobody can", ['"nobody one" is not text anyone writes']),
    ("showing|showing up as", "showing as", ['"showing" is there twice']),
    ("went to a different|another company", "went to another company", ['"a another" is not text anyone writes']),
    # a word in two places side by side: three slipped into the shipped rules
    ("moved ... to another|a different|a new", "moved to a new", ['"a" is in the alternation beside it too']),
    ("not a single|one hiccup|double booking|double bookings", "not a single double bookings", ['"double" is in the']),
    ("prices showing|set|at as|at|to 0", "prices at 0", ['"at" is in the alternation beside it too']),
]


@pytest.mark.parametrize(("pattern", "meant", "says"), SLIPS, ids=[s[0] for s in SLIPS])
def test_a_slip_is_flagged_with_how_it_reads(pattern, meant, says):
    # GIVEN a pattern whose '|' was meant between phrases: it does not find the phrase meant
    assert not compile_words([pattern]).search(f" {meant} ")
    # WHEN it is linted
    warnings = lint(pattern)
    # THEN one line that quotes the pattern and says how it reads and why that is suspect
    assert len(warnings) == 1
    assert warnings[0].startswith(f"\"{pattern}\": '|' chooses between single words, so this reads ")
    assert "write two patterns" in warnings[0]
    for fragment in says:
        assert fragment in warnings[0]
    assert "\n" not in warnings[0]


INTENDED = [
    # alternatives of one kind, in the shipped rules
    "can|could|would someone|somebody|anyone you please? reset|unlock|change|remove",
    "log|sign in",
    "is|are|was|were down|offline",
    "<people> are|were|sit|sat|sitting idle",
    "went|goes|go|gone down",
    "bring|bringing|brought you|switchboard in|on|onboard",
    # prepositions and particles side by side: "in the", "on our" start phrases as "at" does
    "at|in|for|across|on|from any|every|all of? our|the? <people>",
    # a word that clashes with one neighbour but not another: "every of" never reads, "every printer" does
    "all|every of? our|the? <equipment>",
    "#k|##k|###k of|in|worth of? <things>|<funds>",
    # mixed kinds that still read as text, each expansion natural
    "we|i|have|has lost",
    "what you|would|do|does|will ... charge|bill",
    "##### not|vs #",
    "signed|set off|aside for a|an|the|our ... tool",
    "<funds> have|has|had? not|never gone|been out|through|paid",
    "is down|not",  # at the end: "is down" or "is not", both meant
    "typed in? their password",  # the fix of a slip above
    "had had",
    "* *|any * now",  # wildcards may follow each other: any two words
    # no '|' at all: nothing to say
    "is down",
    "charged ... twice",
]


@pytest.mark.parametrize("pattern", INTENDED)
def test_an_intended_alternation_is_left_alone(pattern):
    # GIVEN an alternation used as meant WHEN linted THEN no warning
    assert lint(pattern) == []


def test_a_pattern_with_two_slips_gets_a_line_for_each():
    # GIVEN two separate suspicious alternations in one pattern WHEN linted THEN both are named
    warnings = lint("is down|not working and log in|sign up")
    assert len(warnings) == 2
    assert '"down" ends a phrase' in warnings[0]
    assert '"in" ends a phrase' in warnings[1]


def test_patterns_are_found_in_every_word_list_with_their_yaml_path():
    # GIVEN the literal rules, with a vocabulary list and an intent family added
    from chalicelib.routing.schema import RulesDocument
    from cli.yaml_keys import load_unique

    text = LITERAL.replace(
        "  channel_priors: {voice: 80}",
        "  channel_priors: {voice: 80}\n  reading: {vocabulary: {people: [users, staff]}}",
    )
    document = RulesDocument.model_validate(load_unique(text))
    # WHEN the patterns are listed
    found = dict(patterns_in(document))
    # THEN each with the path an error would name, aliases as the YAML spells them
    assert found[("urgency", "concepts", "outage", "words", 0)] == "is down"
    assert found[("urgency", "emphasis", "words", 0)] == "asap"
    assert found[("urgency", "reading", "vocabulary", "people", 1)] == "staff"
    assert found[("intent", "buying", "price", "words", 0)] == "pricing"
    assert len(found) == 6
