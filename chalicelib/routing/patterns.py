"""The rules' word patterns → regular expressions over a message as reading.py normalises it.

A pattern is words separated by spaces, matched whole (on word boundaries) in lower-case text:

- ``fail*``: any ending (fail, fails, failed, failing, failure): a word family in one entry;
  ``*ing``: any beginning ("not *ing": not loading, not ringing, not forwarding);
- ``log|sign in``: either word in that place;
- ``5##``: ``#`` is one digit (500, 502, 503…); a lone ``#`` is any number;
- ``*`` alone: any one word;
- ``...``: up to three other words in between ("charged ... twice": "charged my card twice");
- ``of?``: the word may be missing ("all of? our users");
- ``<people>``: any entry of the rules' vocabulary list ``people`` (users, customers, staff…).

The rules' operators write these, so the syntax is small and every mistake is a clear error rather
than a regular expression that silently matches something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property, lru_cache
from itertools import groupby

_WORD = re.compile(r"^\*?[a-z0-9#]+\*?$")
_VOCABULARY = re.compile(r"^<([a-z0-9_-]+)>$")
#: up to three other words between two parts of a pattern, in the same clause (never across "," or ".").
#: Words are matched in normalised text, whose words are between single spaces (reading.Reader.normalise):
#: a space is written as itself, not as ``\s+``, which the regex engine tries as a repeat; a fifth less
#: time scanning the corpus.
_GAP = r"(?: [^ ,.]+){0,3}?"


class PatternError(ValueError):
    """A pattern the syntax above does not allow, or that names a vocabulary list the rules lack."""


def _choice(word: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    if found := _VOCABULARY.match(word):
        name = found.group(1)
        if name not in vocabulary:
            raise PatternError(f"<{name}> is not a vocabulary list (known: {', '.join(sorted(vocabulary)) or 'none'})")
        return _entries(tuple(vocabulary[name]))
    if word == "*":
        return r"\w+"
    if not _WORD.match(word):
        raise PatternError(
            f"{word!r} is not a word: write letters and digits as they read after normalising "
            "(no punctuation), # for a digit, * at the end for any ending"
        )
    any_start, word = (True, word[1:]) if word.startswith("*") else (False, word)
    stem, any_ending = (word[:-1], True) if word.endswith("*") else (word, False)
    if stem == "#":
        return r"\d+"
    return (r"\w+" if any_start else "") + stem.replace("#", r"\d") + (r"\w*" if any_ending else "")


@lru_cache(maxsize=256)
def _entries(entries: tuple[str, ...]) -> str:
    # a vocabulary entry is itself a pattern (one word or several), not a list inside a list; cached,
    # because a list is named in many patterns and spelling it out each time was most of loading the rules
    return "(?:" + _alternation([_phrase(entry, {}) for entry in entries]) + ")"


def _token(token: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    choices = [_choice(word, vocabulary) for word in token.split("|")]
    return choices[0] if len(choices) == 1 else "(?:" + _alternation(choices) + ")"


_PLAIN = re.compile(r"[a-z0-9]+")


def _alternation(choices: Sequence[str]) -> str:
    """``"|".join(choices)``, with each run of plain words written as a tree of their letters.

    The regex engine tries an alternation's branches one by one: at a word, a vocabulary list of a
    hundred words costs a hundred tries, and a pattern tries it at every word a gap allows. As a tree
    ("c(?:lients?|ustomers?)|users?") it costs a few. Only one plain word can match where a word
    stands whole (what follows a choice always starts with a space), so their order does not matter;
    a run ends at any other choice ("team members", "fail*"), which keeps its place.
    """
    out: list[str] = []
    for plain, run in groupby(choices, key=lambda choice: _PLAIN.fullmatch(choice) is not None):
        group = list(run)
        out += [_tree(group)] if plain else group
    return "|".join(out)


def _tree(words: Sequence[str]) -> str:
    """One expression matching exactly ``words`` (plain words), branching letter by letter."""
    if len(words) == 1:
        return words[0]
    by_first: dict[str, list[str]] = {}
    ends = False
    for word in words:
        if word:
            by_first.setdefault(word[0], []).append(word[1:])
        else:
            ends = True
    branches = [first + _tree(rests) if any(rests) else first for first, rests in by_first.items()]
    # a word that ends here as well as longer ones: the longer are optional ("user", "users": "users?")
    if not ends:
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"{branches[0]}?" if branches == [branches[0][:1]] else "(?:" + "|".join(branches) + ")?"


def _phrase(pattern: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    return "".join(_parts(pattern, vocabulary))


def _parts(pattern: str, vocabulary: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """The expression for the pattern's first word, and for the rest (after it)."""
    tokens = pattern.lower().split()
    if not tokens or all(t == "..." for t in tokens):
        raise PatternError(f"{pattern!r} has no words")
    if tokens[0] == "..." or tokens[-1] == "...":
        raise PatternError(f"{pattern!r}: '...' goes between words, not at either end")
    if tokens[0].endswith("?"):
        raise PatternError(f"{pattern!r}: the first word cannot be optional")
    first, out = _token(tokens[0], vocabulary), ""
    gap = False
    for token in tokens[1:]:
        if token == "...":
            gap = True
            continue
        optional = token.endswith("?")
        part = (_GAP if gap else "") + " " + _token(token[:-1] if optional else token, vocabulary)
        out += f"(?:{part})?" if optional else part
        gap = False
    return first, out


def _groups(
    patterns: Iterable[str], vocabulary: Mapping[str, Sequence[str]] | None
) -> list[tuple[str, str, list[str]]]:
    """The patterns grouped by first word, in the order compile_words tries them: each group's first token
    (as written), its expression, and the expressions of what may follow it."""
    given = sorted(set(patterns), key=lambda p: (-len(p.split()), -len(p)))
    # patterns that start with the same word share it: "<people> can not", "<people> are all"… try the
    # (often long) first alternation once per word instead of once per pattern. Within a group the
    # longer pattern still comes first, and groups keep the order of their longest pattern.
    groups: dict[str, tuple[str, list[str]]] = {}
    for pattern in given:
        try:
            first, rest = _parts(pattern, vocabulary or {})
        except PatternError as e:
            raise PatternError(f"in {pattern!r}: {e}") from None
        groups.setdefault(first, (pattern.lower().split()[0], []))[1].append(rest)
    return [(token, first, rests) for first, (token, rests) in groups.items()]


def _alternative(first: str, rests: list[str]) -> str:
    return first if rests == [""] else f"{first}(?:{'|'.join(rests)})"


def expression_text(alternatives: Iterable[str]) -> str:
    """The regular expression that finds any of ``alternatives`` (see ``_alternative``), as text."""
    body = "|".join(alternatives)
    if not body:
        return r"(?!x)x"  # matches nothing
    # normalised text is words between single spaces: anchoring on the space before a word lets the
    # regex engine skip straight to word starts (a literal first character), several times faster
    return rf" (?:{body})(?= )"


def _expression(alternatives: Iterable[str]) -> re.Pattern[str]:
    return re.compile(expression_text(alternatives))


def compile_words(patterns: Iterable[str], vocabulary: Mapping[str, Sequence[str]] | None = None) -> re.Pattern[str]:
    """One expression that finds any of ``patterns``; longer patterns first, so a match names the most words."""
    return _expression(_alternative(first, rests) for _, first, rests in _groups(patterns, vocabulary))


#: how many leading characters of a word the pre-filter compares (see ``first_keys``)
KEY_CHARS = 3
#: the key of every word that starts with a digit ("#", "5##", "#k" and "2fa" start such words)
DIGIT_KEY = "#"


def word_starts(norm: str) -> dict[str, list[int]]:
    """Where each word of a normalised message starts (the space before it, where a match starts), by its
    first ``KEY_CHARS`` characters (``DIGIT_KEY`` for a number); computed once a message, shared by every
    expression."""
    starts: dict[str, list[int]] = {}
    at = -1  # the space before the next word
    for word in norm.split(" "):
        if word:
            starts.setdefault(DIGIT_KEY if word[0].isdigit() else word[:KEY_CHARS], []).append(at)
        at += len(word) + 1
    return starts


class Words:
    """``compile_words(patterns)``, matched only where the message has a word a pattern can start with.

    The regex engine tries every first word of every pattern at every word of the message, and the
    rules have hundreds: a long email cost ~0.3 ms in the urgency and intent words alone (issue 11's
    budget is 0.5 ms a message). A match can only start where one of its first words does
    (``first_keys``), so ``finditer`` tries the expression only there, from where the previous match
    ended as ``re.finditer`` does, and with only the patterns that can start from that word (in their
    order in the whole expression): the same matches, for a fraction of the work.
    """

    def __init__(self, patterns: Iterable[str], vocabulary: Mapping[str, Sequence[str]] | None = None) -> None:
        patterns, vocabulary = list(patterns), vocabulary or {}
        groups = _groups(patterns, vocabulary)
        self._alternatives = [_alternative(first, rests) for _, first, rests in groups]
        self.keys = first_keys(patterns, vocabulary)
        self._vocabulary = vocabulary
        #: each group's first token, the keys it starts with, and what may follow it (None: no keys)
        self._groups = (
            None
            if self.keys is None
            else [(token, _first_keys(token, vocabulary) or (), rests) for token, _, rests in groups]
        )
        # built and compiled when a message first has a word with the key: most keys are rare, and doing
        # all of them up front would add a fraction of a second to every cold start
        self._compiled: dict[str, re.Pattern[str]] = {}

    @cached_property
    def expression(self) -> re.Pattern[str]:
        """The whole expression: for a pattern that can start from any word ("*ing"), and to show.

        Compiled on first use, like each key's: with first-word keys (most word lists) messages never
        need it, and compiling all of them took most of the time a cold start spent loading the rules.
        """
        return _expression(self._alternatives)

    def _at(self, key: str) -> re.Pattern[str]:
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _expression(self.alternatives_at(key))
        return found

    def alternatives_at(self, key: str) -> list[str]:
        """The expression's alternatives that can start from a word with ``key``, in their order in it."""
        assert self._groups is not None  # keys are only looked up when the patterns have them
        return [
            _alternative(_token_from(token, key, self._vocabulary), rests)
            for token, keys, rests in self._groups
            if key in keys
        ]

    def finditer(self, norm: str, starts: Mapping[str, list[int]]) -> Iterator[re.Match[str]]:
        """``self.expression.finditer(norm)``; ``starts``: the message's ``word_starts``."""
        if self.keys is None:
            yield from self.expression.finditer(norm)
            return
        places = sorted([(at, key) for key in self.keys & starts.keys() for at in starts[key]])
        end = 0
        for at, key in places:
            if at >= end and (found := self._at(key).match(norm, at)):
                end = found.end()
                yield found


def _token_from(token: str, key: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    """The expression of a first token's words (and vocabulary entries) that start with ``key``, in order:
    at such a word the others cannot match, and a vocabulary list would otherwise be repeated in full
    for each of its keys."""
    words, lists = [], {}
    for word in token.split("|"):
        if found := _VOCABULARY.match(word):
            entries = [e for e in vocabulary[found.group(1)] if key in (_first_keys(e.lower().split()[0], {}) or ())]
            if entries:
                words.append(word)
                lists[found.group(1)] = entries
        elif key in (_first_keys(word, {}) or ()):
            words.append(word)
    return _token("|".join(words), lists)


def _first_keys(token: str, vocabulary: Mapping[str, Sequence[str]]) -> set[str] | None:
    keys: set[str] = set()
    for word in token.split("|"):
        if found := _VOCABULARY.match(word):
            for entry in vocabulary.get(found.group(1), ()):
                more = _first_keys(entry.lower().split()[0], {})
                if more is None:
                    return None
                keys |= more
            continue
        if word[0] == "#" or word[0].isdigit():
            keys.add(DIGIT_KEY)
            continue
        # the letters every matching word starts with: up to the first * or # ("fail*": "fail")
        literal = re.split(r"[*#]", word, maxsplit=1)[0]
        if literal != word and len(literal) < KEY_CHARS:
            return None  # "*ing", "*", "ok*": too little to tell the first characters
        keys.add(literal[:KEY_CHARS])
    return keys


def first_keys(patterns: Iterable[str], vocabulary: Mapping[str, Sequence[str]] | None = None) -> frozenset[str] | None:
    """The first ``KEY_CHARS`` characters every word a match of ``compile_words(patterns)`` can start with
    has, as ``word_starts`` files them; None when some pattern can start with any word ("*ing", "*").

    A match's first word is a whole word of the normalised message: the expression starts at the space
    before it, and what follows the first word (the next part or the end) starts with a space.
    """
    keys: set[str] = set()
    for pattern in patterns:
        more = _first_keys(pattern.lower().split()[0], vocabulary or {})
        if more is None:
            return None
        keys |= more
    return frozenset(keys)


def check(pattern: str) -> str:
    """The pattern if its syntax is right (vocabulary names are checked with the rules), else PatternError."""
    tokens = [t[:-1] if t.endswith("?") else t for t in pattern.lower().split()]
    words = {m.group(1): ["x"] for t in tokens for w in t.split("|") if (m := _VOCABULARY.match(w))}
    _phrase(pattern, words)
    return pattern
