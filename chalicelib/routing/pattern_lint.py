"""Warnings for a ``|`` in a word pattern that was probably meant to choose between phrases.

``|`` chooses between single words in one place (patterns.py): ``is down|not working`` reads "is down
working" or "is not working", never "is down". Such a pattern is valid, so the loader accepts it, and it
quietly never matches what its writer meant. Four signs give the slip away, each cheap to explain:

1. **A phrase's end beside the next one's start.** The alternation is followed by another word and mixes
   a word that ends a phrase (a particle or a state: "down", "out", "in", "offline") with a word that is
   neither that nor a preposition: ``is down|not working``, ``is out|can not pay``, ``log in|sign up``.
   Alternatives of one kind stay quiet: ``is|are down|offline for``, ``at|in|for|on from any``.
2. **An alternative with no natural neighbour.** Every word that can stand next to it on one side makes
   a pair nobody writes: a doubled word ("typed their|in their password": "their their"), an article or
   possessive before a verb or a preposition ("a|we have": "a have"), auxiliaries that do not stack ("is
   can"), two subjects ("we i"). A word with one good neighbour is kept: in ``all|every of? our`` "every
   of" never reads, but "every <equipment>" does, so "every" earns its place. A word that already holds
   its phrase's "one" or "body" is one too: ``nobody|no one`` reads "nobody one".
3. **A word twice in one alternation.** ``showing|showing up`` offers "showing" twice: the writer meant
   "showing" or "showing up", and the pattern reads "showing up" only (a word merely repeated is
   harmless, and the warning says it can go).
4. **A word in two neighbouring places.** ``to another|a different|a new`` has "a" in two places
   side by side: the writer meant the phrases "a different" and "a new", and the pattern reads "to another
   different new" or "to a a new", never "to a new". (A neighbour marked optional is left alone:
   ``worth of? <things>`` reads "worth of" and "of" as meant.)

All are warnings, not errors: a heuristic over a small list of English function words, which says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel

from chalicelib.routing.schema import RulesDocument, Words


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: particles, which end a phrase ("is down", "log in", "set aside", "went offline"): beside a word of another
#: kind, with more words after them, the writer usually meant "this phrase | that phrase". Only particles:
#: "gone", "dead" or "working" end phrases too, but as often sit among verbs ("went|gone down") or
#: adverbs ("dead|very quiet"), where a warning would be noise
_ENDS = _words("up down out off in on back away aside offline online")
#: a preposition starts a phrase where a particle ends one ("in the", "log in"): "at|in|on" is one kind
_PREPOSITIONS = _words(
    "at to for from of with by into onto about across over under through since after before via around near like as "
    "per than worth"
)
_BE = _words("is are was were am")
_DO = _words("do does did")
_MODALS = _words("can could will would shall should may might must")
_ARTICLES = _words("a an the my our your their every")
_SUBJECTS = _words("i we they he she")
#: nor these after an article: "a have", "the not", "a another"
_NOT_AFTER_ARTICLE = _words("have has not never in on another")
#: words that may follow themselves ("had had", "that that")
_DOUBLES = frozenset({"had", "that"})
#: pronouns that already hold their "one", "body" or "thing": "nobody one" is "nobody|no one" slipped
_WHOLE = _words(
    "nobody noone everyone everybody someone somebody anyone anybody nothing everything something anything none"
)


def _clash(left: str, right: str) -> bool:
    """Two words no English text puts side by side."""
    if left == right:
        # "* *" is any two words, "# #" two numbers, "<people> <people>" may be two entries
        return left.isalpha() and left not in _DOUBLES
    if left in _ARTICLES:
        return right in _BE | _DO | _MODALS | _ARTICLES | _PREPOSITIONS | _NOT_AFTER_ARTICLE
    if left in _BE:
        return right in _MODALS | _DO | _BE
    if left in _MODALS:
        return right in _MODALS | _BE | {"has", "does", "did"}
    if left in ("have", "has"):
        return right in _MODALS | _DO
    if left == "not":
        return right in _MODALS | _BE | {"does", "did"}
    if left in _WHOLE:
        return right in ("one", "body", "thing")
    return left in _SUBJECTS and right in _SUBJECTS


@dataclass(frozen=True)
class _Token:
    words: tuple[str, ...]
    optional: bool
    gap: bool  # "...": any few words


def _tokens(pattern: str) -> list[_Token]:
    out = []
    for raw in pattern.lower().split():
        optional = raw.endswith("?") and raw != "?"
        out.append(_Token(tuple((raw[:-1] if optional else raw).split("|")), optional, raw == "..."))
    return out


def _neighbours(tokens: Sequence[_Token], at: int, step: int) -> list[_Token] | None:
    """The tokens that can stand right next to ``tokens[at]`` on one side (step 1: after, -1: before),
    skipping optional ones; None when any word can (the pattern's end, or a "...")."""
    found: list[_Token] = []
    i = at + step
    while 0 <= i < len(tokens):
        if tokens[i].gap:
            return None
        found.append(tokens[i])
        if not tokens[i].optional:
            return found
        i += step
    return None


def _stranded(tokens: Sequence[_Token], at: int) -> tuple[str, str] | None:
    """An alternative of ``tokens[at]`` that clashes with every neighbour on one side, and one such pair."""
    for word in tokens[at].words:
        for step in (1, -1):
            near = _neighbours(tokens, at, step)
            if not near:
                continue
            pairs = [(word, other) if step == 1 else (other, word) for t in near for other in t.words]
            if all(_clash(*pair) for pair in pairs):
                return pairs[0]
    return None


def _shared(tokens: Sequence[_Token], at: int) -> str | None:
    """A word of ``tokens[at]`` that the token just before or after offers too, or None. Only side by side
    (not across a "..."), and not where either is optional: "worth of? <things>" reads as meant."""
    if tokens[at].optional:
        return None
    for other in (at - 1, at + 1):
        if not 0 <= other < len(tokens) or tokens[other].gap or tokens[other].optional:
            continue
        if other < at and len(tokens[other].words) > 1:
            continue  # an alternation before: its own warning names the word
        found = next((w for w in tokens[at].words if w.isalpha() and w in tokens[other].words), None)
        if found:
            return found
    return None


def _mixes_ends(token: _Token) -> tuple[str, str] | None:
    end = next((w for w in token.words if w in _ENDS), None)
    other = next((w for w in token.words if w not in _ENDS and w not in _PREPOSITIONS), None)
    return (end, other) if end and other else None


def _readings(tokens: Sequence[_Token], at: int, limit: int = 3) -> str:
    """How the alternation reads between the words next to it (the first of theirs, if they are
    alternations too): '"is down working" or "is not working"'."""
    before = tokens[at - 1].words[0] if at > 0 and not tokens[at - 1].gap else ""
    after = tokens[at + 1].words[0] if at + 1 < len(tokens) and not tokens[at + 1].gap else ""
    words = tokens[at].words
    shown = [f'"{" ".join(filter(None, (before, word, after)))}"' for word in words[:limit]]
    if len(words) > limit:
        return ", ".join(shown) + ", …"
    return ", ".join(shown[:-1]) + f" or {shown[-1]}"


def lint(pattern: str) -> list[str]:
    """One line per suspicious alternation in ``pattern`` (a syntactically valid pattern); none: looks meant."""
    tokens = _tokens(pattern)
    warnings = []
    for at, token in enumerate(tokens):
        if len(token.words) < 2:
            continue
        reads = f"\"{pattern}\": '|' chooses between single words, so this reads {_readings(tokens, at)}"
        followed = at + 1 < len(tokens) and not tokens[at + 1].gap
        twice = next((w for i, w in enumerate(token.words) if w in token.words[:i] and w.isalpha()), None)
        if twice:
            warnings.append(
                f'{reads}, and "{twice}" is there twice: if one of them starts a phrase, write two patterns '
                "to match either phrase; if it is only repeated, drop one"
            )
        # the clash first: "their their" says more than "in ends a phrase"
        elif stranded := _stranded(tokens, at):
            warnings.append(
                f'{reads}, and "{" ".join(stranded)}" is not text anyone writes; '
                "to match either phrase, write two patterns (or mark a word optional with ?)"
            )
        elif followed and (mixed := _mixes_ends(token)):
            end, other = mixed
            warnings.append(
                f'{reads} ("{end}" ends a phrase, "{other}" starts one); to match either phrase, write two patterns'
            )
        elif shared := _shared(tokens, at):
            warnings.append(
                f'{reads}, and "{shared}" is in the alternation beside it too: to match each phrase, write two patterns'
            )
    return warnings


def patterns_in(model: BaseModel, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every word pattern in a validated rules document, with its path as the YAML spells it
    (``("urgency", "concepts", "outage", "words", 3)``): found by the fields' type, so a new word list in
    the schema is linted without being listed here."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = (*path, info.alias or name)
        if info.annotation == Words:
            yield from (((*key, i), p) for i, p in enumerate(value))
        elif isinstance(value, dict) and Words in get_args(info.annotation):
            yield from (((*key, k, i), p) for k, words in value.items() for i, p in enumerate(words))
        elif isinstance(value, BaseModel):
            yield from patterns_in(value, key)
        elif isinstance(value, dict):
            for k, item in value.items():
                if isinstance(item, BaseModel):
                    yield from patterns_in(item, (*key, k))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from patterns_in(item, (*key, i))


def lint_rules(model: RulesDocument) -> list[tuple[tuple[Any, ...], str]]:
    """Every warning for the patterns of a rules document, with the pattern's path."""
    return [(where, warning) for where, pattern in patterns_in(model) for warning in lint(pattern)]
