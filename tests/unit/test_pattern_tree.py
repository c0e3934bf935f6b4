"""A run of plain words in an alternation is written as a tree of their letters (patterns._tree): it must
match exactly those words, and a pattern built with it must find what it found as a flat list."""

from __future__ import annotations

import random
import re

import pytest

from chalicelib.routing import patterns as patterns_module
from chalicelib.routing.patterns import _alternation, _tree, compile_words


@pytest.mark.parametrize(
    ("words", "expression"),
    [
        (["users", "user", "customers", "clients"], "(?:users?|c(?:ustomers|lients))"),
        (["no", "not", "none", "nobody"], "no(?:t|ne|body)?"),
        (["down"], "down"),
        (["ab", "ab"], "ab"),
    ],
)
def test_plain_words_become_a_tree(words, expression):
    # GIVEN plain words WHEN written as a tree THEN the shared letters are written once
    assert _tree(words) == expression


def test_a_tree_matches_exactly_its_words():
    # GIVEN seeded random lists of words over few letters (so they share prefixes and end inside each other)
    rng = random.Random(3)
    for _ in range(3000):
        words = ["".join(rng.choice("abc") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))]
        tree = re.compile(_tree(words))
        tried = words + ["".join(rng.choice("abc") for _ in range(rng.randint(0, 5))) for _ in range(10)]
        for word in tried:
            # WHEN a word is matched whole THEN it matches exactly when it is one of them
            assert (tree.fullmatch(word) is not None) == (word in words), (words, word)


def test_other_choices_keep_their_place():
    # GIVEN an alternation mixing plain words with a phrase and a word family
    # WHEN it is written THEN each run of plain words is one tree, in place between the others
    assert _alternation(["users", "user", "team members", r"fail\w*", "clients", "client"]) == (
        r"users?|team members|fail\w*|clients?"
    )


@pytest.mark.parametrize(
    "text",
    [
        " all our users are locked out ",
        " all of our user accounts are locked out ",
        " not one customer can log in , nobody can ",
        " the team members are out , not the users ",
        " no user is out , none of the customers are locked ",
    ],
)
def test_patterns_find_the_same_words_with_the_tree_as_with_a_flat_list(text, monkeypatch):
    # GIVEN patterns over a vocabulary list and alternatives that share prefixes and end inside each other
    vocabulary = {"people": ["users", "user", "team members", "customers", "customer"]}
    patterns = ["all of? our <people> are|is locked|out", "not|no|nobody|none one? <people>|can", "<people> are out"]
    tree = compile_words(patterns, vocabulary)
    # WHEN the same patterns are compiled with every alternation flat
    patterns_module._entries.cache_clear()
    monkeypatch.setattr(patterns_module, "_alternation", "|".join)
    flat = compile_words(patterns, vocabulary)
    patterns_module._entries.cache_clear()
    # THEN both find the same spans
    assert tree.pattern != flat.pattern
    assert [m.span() for m in tree.finditer(text)] == [m.span() for m in flat.finditer(text)]
