"""Counts written as words read as digits, so the rules' count patterns ("# <people>") see them."""

from __future__ import annotations

import pytest

from chalicelib.routing.numbers import spell_counts


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (" forty orders stuck ", " 40 orders stuck "),
        (" sixty drivers sat in the yard ", " 60 drivers sat in the yard "),
        (" twenty one users ", " 21 users "),
        (" two hundred patients ", " 200 patients "),
        (" two hundred and fifty guests ", " 250 guests "),
        (" about a hundred people ", " about 100 people "),
        (" eight thousand contacts ", " 8000 contacts "),
        (" three thousand five hundred emails ", " 3500 emails "),
        (" 2 hundred members ", " 200 members "),
        (" a dozen tills ", " 12 tills "),
        (" three ", " 3 "),
        # tens and teens in the other languages, each alone: the units joined to them are left as words
        (" ya van como treinta llamadas ", " ya van como 30 llamadas "),
        (" todos os vinte e dois motoristas ", " todos os 20 e dois motoristas "),
        (" schon dreissig mal ", " schon 30 mal "),
        (" onze klanten ", " onze klanten "),  # Dutch "our", not French eleven
    ],
)
def test_counts_in_words_become_digits(text, read):
    # GIVEN normalised text with a count in words / WHEN it is read / THEN the count is digits
    assert spell_counts(text) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (" no one can log in ", " no one can log in "),  # "one" alone is a pronoun
        (" every one of our shops ", " every one of our shops "),
        (" one of our agents ", " one of our agents "),
        (" hundreds of customers ", " hundreds of customers "),  # "many", not a number
        (" a quick question and a demo ", " a quick question and a demo "),
        (" at two thirty ", " at 2 30 "),  # two numbers side by side stay two: a time, not 32
        (" version 2 is out ", " version 2 is out "),
    ],
)
def test_words_that_are_not_one_count_stay_apart(text, read):
    # GIVEN words that look like numbers but are not one count / WHEN read / THEN they stay as they were
    assert spell_counts(text) == read


@pytest.mark.parametrize(
    "text",
    ["forty orders", "orders forty", "forty", "", " ", "  "],
)
def test_a_number_word_without_a_space_on_each_side_is_left_as_it_is(text):
    # GIVEN text whose number words have no space before or after them (normalised text always pads)
    # WHEN it is read THEN nothing changes: only a word between two spaces is read as a count
    assert spell_counts(text) == text
