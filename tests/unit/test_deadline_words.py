"""Each deadline expression is skipped on a message that lacks every word its matches hold (deadlines._NEEDS).

The skip is only right if every match of the expression holds one of those words as a whole word. That
is checked here on every corpus message and on many seeded random ones made of the expressions' own
words (so a word added to an expression but not to its list is soon found), with numbers between.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.routing import deadlines as module
from chalicelib.routing.deadlines import _NEEDS, deadlines
from chalicelib.routing.loader import load_rules
from chalicelib.routing.patterns import compile_words
from cli.corpus import CORPUS_DIR, load

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
CUES = compile_words(["need", "by", "due"])
#: a few of each expression's deadlines, as reading.py writes them
EXAMPLES = [
    " investor meeting in 10 minutes ", " within the next hour ", " in the hour ", " at 4:30pm ", " a las 3 ",
    " courier comes half 3 ", " open from 1pm ", " by noon ", " by end of the day ", " need it tonight ",
    " need a quote today ", " due by friday ", " by end of week ", " the lunch rush starts in 20 ",
    " in half an hour ", " antes de las 3 ", " heute abend ", " dans 10 minutes ", " need it tomorrow morning ",
]  # fmt: skip
EXTRA = ["3", "10", "4:30", "2", "30", "pm", "am", "h", "uhr", "o", "clock", "the", "next", "a", "an", ".", ","]


def _vocabulary() -> list[str]:
    words = {w for pattern in (*_NEEDS, module._CLOCK) for w in re.findall(r"[a-z]+", pattern.pattern)}
    return sorted(words - {"d", "s", "P"}) + EXTRA


def _messages() -> list[str]:
    model = load_rules().model
    norms = [model.reader.normalise(f"{e.subject or ''}\n{e.text}") for e in load(CORPUS_DIR)]
    rng, vocabulary = random.Random(16), _vocabulary()
    made = [" " + " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 9))) + " " for _ in range(30_000)]
    return EXAMPLES + norms + made


MESSAGES = _messages()


@pytest.mark.parametrize("pattern", list(_NEEDS), ids=lambda p: p.pattern[:40])
def test_every_match_holds_one_of_the_words_the_skip_looks_for(pattern):
    needs = _NEEDS[pattern]
    matched = 0
    for text in MESSAGES:
        for m in pattern.finditer(text):
            matched += 1
            # GIVEN a match THEN one of its whole words is one the skip looks for
            assert needs & set(m.group(0).split(" ")), (m.group(0), text)
    # and the messages did exercise the expression
    assert matched > 0


def test_skipping_finds_every_deadline_the_expressions_find():
    # GIVEN every expression searched over the whole message, without skipping
    def unskipped(text: str) -> list[tuple[int, str]]:
        saved = dict(_NEEDS)
        _NEEDS.clear()
        try:
            return deadlines(text, NOW, CUES)
        finally:
            _NEEDS.update(saved)

    for text in MESSAGES[:5000]:
        # WHEN deadlines() skips expressions whose words are missing THEN it finds the same deadlines
        assert deadlines(text, NOW, CUES) == unskipped(text), text
