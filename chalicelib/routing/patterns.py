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
from collections.abc import Iterable, Mapping, Sequence

_WORD = re.compile(r"^\*?[a-z0-9#]+\*?$")
_VOCABULARY = re.compile(r"^<([a-z0-9_-]+)>$")
#: up to three other words between two parts of a pattern, in the same clause (never across "," or ".")
_GAP = r"(?:\s+[^\s,.]+){0,3}?"


class PatternError(ValueError):
    """A pattern the syntax above does not allow, or that names a vocabulary list the rules lack."""


def _choice(word: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    if found := _VOCABULARY.match(word):
        name = found.group(1)
        if name not in vocabulary:
            raise PatternError(f"<{name}> is not a vocabulary list (known: {', '.join(sorted(vocabulary)) or 'none'})")
        # a vocabulary entry is itself a pattern (one word or several), not a list inside a list
        return "(?:" + "|".join(_phrase(entry, {}) for entry in vocabulary[name]) + ")"
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


def _token(token: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    choices = [_choice(word, vocabulary) for word in token.split("|")]
    return choices[0] if len(choices) == 1 else "(?:" + "|".join(choices) + ")"


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
        part = (_GAP if gap else "") + r"\s+" + _token(token[:-1] if optional else token, vocabulary)
        out += f"(?:{part})?" if optional else part
        gap = False
    return first, out


def compile_words(patterns: Iterable[str], vocabulary: Mapping[str, Sequence[str]] | None = None) -> re.Pattern[str]:
    """One expression that finds any of ``patterns``; longer patterns first, so a match names the most words."""
    given = sorted(set(patterns), key=lambda p: (-len(p.split()), -len(p)))
    if not given:
        return re.compile(r"(?!x)x")  # matches nothing
    # patterns that start with the same word share it: "<people> can not", "<people> are all"… try the
    # (often long) first alternation once per word instead of once per pattern. Within a group the
    # longer pattern still comes first, and groups keep the order of their longest pattern.
    groups: dict[str, list[str]] = {}
    for pattern in given:
        try:
            first, rest = _parts(pattern, vocabulary or {})
        except PatternError as e:
            raise PatternError(f"in {pattern!r}: {e}") from None
        groups.setdefault(first, []).append(rest)
    body = "|".join(first if rests == [""] else f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    # normalised text is words between single spaces: anchoring on the space before a word lets the
    # regex engine skip straight to word starts (a literal first character), several times faster
    return re.compile(rf" (?:{body})(?= )")


def check(pattern: str) -> str:
    """The pattern if its syntax is right (vocabulary names are checked with the rules), else PatternError."""
    tokens = [t[:-1] if t.endswith("?") else t for t in pattern.lower().split()]
    words = {m.group(1): ["x"] for t in tokens for w in t.split("|") if (m := _VOCABULARY.match(w))}
    _phrase(pattern, words)
    return pattern
