"""Several word lists (patterns.Words) matched over one message together: one expression call per word.

The model reads every message with some thirty word lists (the concepts, the buying and churn
signals). Matched one list at a time (``Words.finditer``), each list whose first words share a word's
key tried its own expression there: about 80 tries a message, nearly all failing at once, each with
Python's overhead around it, and that was most of reading a message. Here a key has one expression
that tries every list with that key, each inside a lookahead with its own group:
``(?:(?=(list 1))|)(?:(?=(list 2))|)…``. A lookahead that fails falls to the empty alternative, so
the expression always matches (empty), and each group holds what that list's own expression matches
there, or nothing. Each list then keeps, in order, the matches that start where its previous one
ended, as ``re.finditer`` (and ``Words.finditer``) does: the same matches, found in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chalicelib.routing.patterns import DIGIT_KEY, KEY_CHARS, Words, expression_text

#: a match as (start, end) in the normalised message: it starts at the space before its first word
Span = tuple[int, int]


class Scan:
    """``lists`` matched together; compiled per key on first use, as ``Words`` does, for the cold start."""

    def __init__(self, lists: Sequence[Words]) -> None:
        self._lists = tuple(lists)
        by_key: dict[str, list[int]] = {}
        for i, words in enumerate(self._lists):
            for key in words.keys or ():
                by_key.setdefault(key, []).append(i)
        self._by_key = {key: tuple(members) for key, members in by_key.items()}
        #: lists with a pattern that can start from any word ("*ing"): matched with their whole expression
        self._anywhere = [i for i, words in enumerate(self._lists) if words.keys is None]
        self._compiled: dict[str, re.Pattern[str]] = {}

    def _at(self, key: str) -> re.Pattern[str]:
        found = self._compiled.get(key)
        if found is None:
            each = [expression_text(self._lists[i].alternatives_at(key)) for i in self._by_key[key]]
            found = self._compiled[key] = re.compile("".join(f"(?:(?=({one}))|)" for one in each))
        return found

    def spans(self, norm: str) -> list[list[Span]]:
        """Each list's matches in ``norm`` (a normalised message), as its ``Words.finditer`` finds them.

        The words are walked in order and filed by key as patterns.word_starts files them, without
        building that index first: one pass, and nothing to sort.
        """
        found: list[list[Span]] = [[] for _ in self._lists]
        by_key, compiled = self._by_key, self._compiled
        at = -1  # the space before the next word, where a match starts
        for word in norm.split(" "):
            if word:
                key = DIGIT_KEY if word[0].isdigit() else word[:KEY_CHARS]
                pattern = compiled.get(key)
                if pattern is None and key in by_key:
                    pattern = self._at(key)
                if pattern is not None and (m := pattern.match(norm, at)) and m.lastindex is not None:
                    for group, i in enumerate(by_key[key], 1):
                        end = m.end(group)
                        # a list's next match starts where its previous one ended, as re.finditer's does
                        if end >= 0 and (not found[i] or at >= found[i][-1][1]):
                            found[i].append((at, end))
            at += len(word) + 1
        for i in self._anywhere:
            found[i] = [m.span() for m in self._lists[i].expression.finditer(norm)]
        return found
