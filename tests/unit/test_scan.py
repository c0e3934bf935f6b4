"""Several word lists matched together (scan.Scan): each list finds exactly what its whole expression
finds on its own, whatever the other lists match at the same words."""

from __future__ import annotations

import pytest

from chalicelib.routing.loader import load_rules
from chalicelib.routing.patterns import Words
from chalicelib.routing.scan import Scan
from cli.corpus import CORPUS_DIR, load

VOCABULARY = {"people": ["users", "team members"]}


def _alone(words: Words, norm: str) -> list[tuple[int, int]]:
    return [m.span() for m in words.expression.finditer(norm)]


@pytest.mark.parametrize(
    ("lists", "norm"),
    [
        # two lists matching at the same word, one longer than the other
        ([["is down"], ["is down again", "down"]], " the site is down again , down "),
        # a list's matches do not overlap each other, but may overlap another list's
        ([["users are"], ["<people> are locked", "are"]], " users are locked , team members are out "),
        # a list with a pattern that can start from any word, beside one with keys
        ([["not *ing"], ["*ing"], ["loading"]], " it is not loading , not syncing "),
        # numbers share one key
        ([["5## errors"], ["# users"], ["500"]], " 500 errors for 40 users , 503 errors "),
        # nothing matches, and an empty list
        ([["nothing"], []], " the site is down "),
        # the same list twice
        ([["fail*", "failed now"], ["fail*", "failed now"]], " payments failed now , failing "),
    ],
)
def test_each_list_finds_what_it_finds_alone(lists, norm):
    # GIVEN word lists and a message
    words = [Words(patterns, VOCABULARY) for patterns in lists]
    # WHEN they are matched together
    found = Scan(words).spans(norm)
    # THEN each list's matches are those of its whole expression matched on its own
    assert found == [_alone(w, norm) for w in words]


def test_the_shipped_lists_find_together_what_each_finds_alone_in_every_corpus_message():
    # GIVEN the shipped model's concept, buying and churn lists and every corpus message as the model reads it
    model = load_rules().model
    lists = [f.words for f in (*model.concepts, *model.buying, *model.churn)] + [model.scope]
    scan = Scan(lists)
    for entry in load(CORPUS_DIR):
        norm = model.reader.normalise(f"{entry.subject or ''}\n{entry.text}")
        # WHEN they are matched together THEN each finds what its whole expression finds alone
        assert scan.spans(norm) == [_alone(w, norm) for w in lists], entry.id
