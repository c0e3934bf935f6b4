"""A reading learned from the labeled corpus: how likely a message is critical, from its words and word pairs.

The rules' word families read a crisis where its words have been written before; fresh batches of
messages, written blind, keep showing crises told as scenes ("all 11 of our cleaners got sent to
the same house") that no family has the words for. Logistic regression over every word and pair
of words of the corpus's tuning half (``switchboard rules learn``) reads those scenes from what
the crises have in common, and tells when the words of a family are one person's trouble after all.

Pure and deterministic: the normalised message in (reading.py's form, words between single
spaces), a probability and the words that weighed most for it out. The weights are a plain table
of word → number, so a reason can name the words that earned a reading, as every other reason does.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Mapping

from chalicelib.routing.record import Record

#: a word as the learner counts one (cli/learn.py's token pattern): what lies between spaces, commas and
#: full stops, so "2.5" is two words there and must be two here
TOKEN = r"[^ ,.]+"
_TOKENS = re.compile(TOKEN)
#: the words named in a reason: the three that weighed most toward a crisis
_SHOWN = 3


class Lesson(Record):
    """What the learned reading made of one message: the probability it is critical, and the words that
    weighed most toward it (each with its weight)."""

    _fields = ("p", "said")
    __slots__ = _fields
    p: float
    said: tuple[tuple[str, float], ...]

    def __init__(self, p: float, said: tuple[tuple[str, float], ...]) -> None:
        super().__init__(p, said)

    def words(self) -> str:
        return ", ".join(f"{gram!r} {weight:+.2f}" for gram, weight in self.said)


class Learned:
    """One weights table (``switchboard rules learn`` writes it): a bias, a weight per word and per pair of words.

    The pairs are kept by their first word (``pairs["every"]["customer"]``): a pair is looked up without
    building its string, which is built only for the pairs the table knows.
    """

    def __init__(self, bias: float, words: Mapping[str, float], pairs: Mapping[str, Mapping[str, float]]) -> None:
        # kept as given: the compiled rules' table, checked when they were compiled (from_mapping)
        self.bias, self.words, self.pairs = bias, words, pairs

    @classmethod
    def from_weights(cls, bias: float, weights: Mapping[str, float]) -> Learned:
        """From the learner's flat form: "word" or "first second" → weight."""
        words: dict[str, float] = {}
        pairs: dict[str, dict[str, float]] = {}
        for gram, weight in weights.items():
            first, _, second = gram.partition(" ")
            if second:
                pairs.setdefault(first, {})[second] = weight
            else:
                words[gram] = weight
        return cls(bias, words, pairs)

    def as_json(self) -> dict[str, object]:
        return {"bias": self.bias, "words": self.words, "pairs": self.pairs}

    def read(self, norm: str) -> Lesson:
        """The probability that ``norm`` (a normalised message) is critical.

        Its features are the message's words and pairs of neighbouring words, each counted once,
        as the learner saw them (scikit-learn's CountVectorizer: binary, n-grams 1–2, tokens between
        spaces, the marks "," and "." left out). ``math.fsum`` adds the weights exactly: no order of
        adding them changes a probability in its last digit.
        """
        words = _TOKENS.findall(norm)
        known, pairs = self.words, self.pairs
        # a dict counts each word and pair once, however often it is written
        found = {word: known[word] for word in words if word in known}
        for first, second in itertools.pairwise(words):
            after = pairs.get(first)
            if after is not None and (weight := after.get(second)) is not None:
                found[f"{first} {second}"] = weight
        z = self.bias + math.fsum(found.values())
        # a long message's sum can pass exp's range: the probability is 0 or 1 by then
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        said = tuple(heapq.nlargest(_SHOWN, ((g, w) for g, w in found.items() if w > 0), key=lambda f: (f[1], f[0])))
        return Lesson(p, said)


def from_mapping(data: Mapping[str, object]) -> Learned:
    """A weights table from the learner's JSON form; ValueError naming what is wrong with it."""
    bias, weights = data.get("bias"), data.get("weights")
    if not isinstance(bias, int | float) or not isinstance(weights, dict):
        raise ValueError("a learned weights file has a number `bias` and a mapping `weights`")
    if not all(isinstance(k, str) and isinstance(v, int | float) for k, v in weights.items()):
        raise ValueError("every learned weight is a word (or two) and a number")
    return Learned.from_weights(float(bias), {k: float(v) for k, v in weights.items()})


def from_compiled(data: Mapping[str, object]) -> Learned:
    """A weights table from the compiled rules' form (``Learned.as_json``), checked; ValueError if it is not one."""
    bias, words, pairs = data.get("bias"), data.get("words"), data.get("pairs")
    if not isinstance(bias, int | float) or not isinstance(words, dict) or not isinstance(pairs, dict):
        raise ValueError("a compiled learned table has a number `bias` and mappings `words` and `pairs`")
    if not all(isinstance(after, dict) for after in pairs.values()) or not all(
        isinstance(k, str) and isinstance(v, int | float)
        for table in (words, *pairs.values())
        for k, v in table.items()
    ):
        raise ValueError("every learned weight is a word (or two) and a number")
    return Learned(float(bias), words, pairs)
