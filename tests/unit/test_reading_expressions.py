"""Normalising's faster forms (reading.py) do exactly what their plain forms do.

The expressions are written to start with one character class, and spellings and fillers are looked up
word by word: both only for speed. Here each is held to its plain form, on tricky texts and on many
seeded random ones over the characters that matter.
"""

from __future__ import annotations

import random
import re

import pytest

from chalicelib.routing import reading
from chalicelib.routing.reading import Reader

#: the expressions as first written, plainly; reading.py's must find the same spans in any text
PLAIN = {
    "_CLAUSE": re.compile(r"[.!?;\n]+(?:\s|$)|[!?]+"),
    "_NOT_WORD": re.compile(r"[^\w:.,\x00]+|(?<!\d)[:.]|[:.](?!\d)"),
    "_BREAKS": re.compile(r"[ \x00,]*[\x00,][ \x00,]*"),
    "_SPACES": re.compile(r" {2,}"),
    "_CAPS": re.compile(r"\b[A-Z]{3,}\b"),
}
TRICKY = [
    "",
    " ",
    "a.. b!!x ?!? 3:30 3.5 a:b ,, ,  . \n\n;; x",
    "wait!!what?! ok.",
    "1,000.50 . , : 12:",
    "\x00 , \x00",
    "it's down -- again!!! (since 9:15)",
    "version 2.3.4 at 10.30am; e.g. this:",
    "né à 3h , ça marche pas",
    "Need help NOW, the API is DOWN!! ÉCHEC TOTAL xAPI _ABC ABC_ A1BCD",
]
ALPHABET = "ab1 2.:,!?;\n\x00é_-ABÉ"


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 14))) for _ in range(count)]


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_each_expression_finds_what_its_plain_form_finds(name):
    # GIVEN the expression as reading.py writes it and its plain form
    fast, plain = getattr(reading, name), PLAIN[name]
    for text in TRICKY + _random_texts(20_000, seed=len(name)):
        # WHEN both look through the same text THEN they find the same spans
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], repr(text)


def _plain_respell(reader: Reader, text: str) -> str:
    # what normalise did before looking words up: the two expressions over the whole text
    if reader._spelled is not None:
        text = reader._spelled.sub(lambda m: " " + reader.spellings[m.group(1)], text)
    if reader._fillers is not None:
        text = reader._fillers.sub("", text)
    return text


@pytest.mark.parametrize(
    ("spellings", "fillers"),
    [
        ({"pls": "please", "u": "you", "cant": "can not"}, ["um", "er"]),
        # several-word spellings and fillers, and one that is a prefix of another
        ({"five oh two": "502", "five": "5", "asap": "as soon as possible"}, ["you know", "um"]),
        # a spelling whose value is a filler, and one that becomes nothing
        ({"ehm": "um", "xx": ""}, ["um"]),
        ({}, []),
    ],
    ids=["one-word", "several-words", "values-that-are-fillers", "none"],
)
def test_respelling_word_by_word_is_what_the_expressions_do(spellings, fillers):
    # GIVEN a reader with these spellings and fillers
    reader = Reader(spellings, (), (), fillers)
    words = [*spellings, *fillers, "five", "oh", "two", "you", "know", "a", "b", ""]
    rng = random.Random(11)
    texts = [" pls u um cant er ", " five oh two five oh ", " you know you um know ", "  ", " ", "", "pls u pls"]
    texts += [" " + " ".join(rng.choice(words) for _ in range(rng.randrange(0, 8))) + " " for _ in range(3000)]
    for text in texts:
        # WHEN a message's words are respelled THEN the result is the expressions'
        assert reader._respell(text) == _plain_respell(reader, text), repr(text)


def test_normalised_words_are_between_single_spaces():
    # GIVEN texts with every kind of white space, punctuation and empty lines between words
    reader = Reader({"pls": "please"}, (), (), ["um"])
    rng = random.Random(5)
    pieces = ["word", "pls", "um", "5", "3:30", "1,000.50", "it's", "é", ".", ",", "!", "?", "-", "\x00"]
    pieces += [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\u00a0", "\u2003", "\u2028", "\u3000"]
    texts = TRICKY + ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 16))) for _ in range(5000)]
    for text in texts:
        # WHEN each is normalised
        norm = reader.normalise(text)
        # THEN its words stand between single spaces, one at each end: patterns.py writes a space as itself
        assert not norm.split() or re.fullmatch(r" (?:\S+ )+", norm), repr(text)
