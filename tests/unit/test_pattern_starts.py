"""The pre-filter of the rules' word patterns: what a match can start with, where words start, and that
matching only there (patterns.Words) finds exactly what the whole expression finds everywhere."""

from __future__ import annotations

import pytest

from chalicelib.routing.loader import load_rules
from chalicelib.routing.patterns import Words, compile_words, first_keys, word_starts
from cli.corpus import CORPUS_DIR, load

VOCABULARY = {"people": ["users", "team members"], "odd": ["*ing"]}


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["down"], {"dow"}),
        (["is not", "no errors"], {"is", "no"}),
        (["fail*", "crash*"], {"fai", "cra"}),
        (["log|sign in"], {"log", "sig"}),
        (["<people> can not"], {"use", "tea"}),
        (["5## errors", "# users", "2fa codes"], {"#"}),
        (["not *ing"], {"not"}),
        (["down", "*ing"], None),
        (["* down"], None),
        (["ok* now"], None),
        (["<odd> now"], None),
        ([], set()),
    ],
)
def test_first_keys_are_what_a_first_word_starts_with(patterns, expected):
    # GIVEN patterns WHEN their first keys are taken THEN the first three letters of each first word
    # ("#" for a number), or None when a first word can be any word
    keys = first_keys(patterns, VOCABULARY)
    assert keys == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        (" the site is down . ", {"the": [0], "sit": [4], "is": [9], "dow": [12], ".": [17]}),
        (" 500 errors , 2fa ", {"#": [0, 13], "err": [4], ",": [11]}),
        (" down down ", {"dow": [0, 5]}),
        ("  ", {}),
    ],
)
def test_word_starts_are_the_spaces_before_words_by_key(norm, expected):
    # GIVEN a normalised message WHEN its word starts are filed THEN each key lists the spaces before its words
    assert word_starts(norm) == expected


@pytest.mark.parametrize(
    ("patterns", "norm"),
    [
        (["down", "is down"], " the site is down . down again "),
        (["not *ing"], " it is not loading , not syncing "),
        (["fail* now", "failed"], " payments failed now , failing "),
        (["# users ... stuck", "500"], " 40 users all stuck , 500 "),
        (["site is", "is down"], " site is down "),
        (["<people> can not log|sign in"], " team members can not sign in , users can not log in "),
        (["nothing"], " the site is down "),
        (["down", "*ing"], " it is down , loading "),
        (["not|no working", "nothing works", "no"], " no , nothing works , not working "),
        (["users|team", "team members are"], " team members are out "),
        (["<people> ... locked", "team|users are"], " users are locked , team members are all locked "),
        ([], " anything at all "),
    ],
)
def test_words_find_what_the_whole_expression_finds(patterns, norm):
    # GIVEN a pattern list and a message
    words = Words(patterns, VOCABULARY)
    # WHEN it is matched only where its first words start, with the patterns that can start there
    found = [m.span() for m in words.finditer(norm, word_starts(norm))]
    # THEN the matches are those of the whole expression matched everywhere, overlaps resolved the same way
    whole = compile_words(patterns, VOCABULARY)
    assert words.expression.pattern == whole.pattern
    assert found == [m.span() for m in whole.finditer(norm)]


def test_every_shipped_expression_finds_the_same_in_every_corpus_message():
    # GIVEN the shipped model's expressions and every corpus message as the model reads it
    model = load_rules().model
    norms = [model.reader.normalise(f"{e.subject or ''}\n{e.text}") for e in load(CORPUS_DIR)]
    every = [f.words for f in (*model.concepts, *model.buying, *model.churn)] + [model.scope]
    for norm in norms:
        starts = word_starts(norm)
        for words in every:
            # WHEN each is matched only where its first words start THEN it finds what the whole expression does
            found = [m.span() for m in words.finditer(norm, starts)]
            assert found == [m.span() for m in words.expression.finditer(norm)], (words.expression.pattern[:80], norm)
