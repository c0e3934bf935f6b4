"""The urgency and intent model: what a message means, scored from the rules' word families, with every reason.

Pure and deterministic: (channel, subject, text, the sender's local time) in, points with the words
that earned them out. The rules file holds the words (``urgency:`` and ``intent:``), so operators tune
it; this module holds how they combine:

- **concepts** (an outage, server errors, lost data, a compromise, money going wrong, a lockout, one
  broken feature…) each earn their points once, from the first words that say them. Words already
  counted for one concept do not count again for a later one; a word negated just before it, in the
  same sentence ("no errors", "is not down"), does not count at all, unless the words start with
  their own subject ("… is not working we are cash only");
- **scope** ("everyone", "the whole team", "production", "80 agents") amplifies a problem, and only a
  problem: "40 users" in a pricing question is not an outage. "only me" cancels it;
- **time pressure** (deadlines.py) and **emphasis** ("asap", "emergency", capitals) count when the
  message has a problem, an intent or a cue such as "need": an out-of-office's "for urgent matters"
  is not urgent;
- an **automatic reply** is known by how it opens, or by its words when nothing else is wrong for
  many; an email **forward** is read with its quoted message (that is what the sender brings us);
- **hedges** ("not urgent", "no rush") cap the level; understatement ("small thing", "just letting
  you know") caps it only when nobody else is affected (no scope); an automatic reply scores nothing;
- **intent**: buying and churn each add up their signals to a threshold; a churn risk outweighs
  buying words ("your price went up 40%, we're switching");
- a **learned reading** (learned.py), when the rules name its weights, weighs all the words at once:
  likely enough a crisis, the message is critical though no family has its words (a crisis told as
  a scene); unlikely enough, the families' words cannot page for it (trouble said in a crisis's
  words). A hedge, one person's problem and an automatic reply keep their caps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.routing import learned
from chalicelib.routing.deadlines import deadlines
from chalicelib.routing.patterns import PatternError, Words
from chalicelib.routing.reader import duration
from chalicelib.routing.reading import Reader
from chalicelib.routing.record import Record
from chalicelib.routing.scan import Scan, Span

#: how much of a message is read: the start is what a human triages on, and the cost stays bounded
READ_CHARS = 4000
#: words before a match that can negate it ("no 500 errors", "is not down", "never got hacked")
_NEGATION_WINDOW = 3
#: a count in a scope phrase: a number standing as a word ("24 people"), not part of one ("7am", "2fa")
_NUMBER = re.compile(r"\b\d+\b")
#: "Re:", "RE:", "AW:", "Antw:", "RV:", "R:" (and "Re[2]:"): a reply to an earlier message
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|antw|rv|r|sv|vs)(?:\[\d+\])?\s*:", re.IGNORECASE)
#: "see subject", "as per subject line": a reply whose words are its subject
_SEE_SUBJECT = re.compile(r"\b(?:see|per|read) (?:the )?subject\b|\bsubject says it all\b", re.IGNORECASE)
#: "Fwd:", "FW:", "WG:", "TR:", "Enc:": someone brings us a message to read, quote and all
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|wg|tr|enc)\s*:", re.IGNORECASE)
_QUOTE_MARKS = re.compile(r"^[ \t]*>[> \t]*", re.MULTILINE)
#: a count after these is everyone there, however small ("all 4 sites", "every one of our 3 shops")
_WHOLE = (" all ", " every ", " both ")
#: the count of places that is scope: two branches are two teams
_PLACES_AT_LEAST = 2
#: "4k gone": a count in thousands
_THOUSANDS = re.compile(r"\d+k\b")
_LEVELS = ("low", "normal", "high", "critical")
#: the Model's word lists matched in its one pass after the concept, buying and churn families, in this order
_LISTS = ("scope", "automatic", "cue_words", "emphasis", "hedges", "soft_hedges", "narrow")


class Understood(Record):
    """What the model made of one message: urgency points and their reasons, the intent facts and theirs."""

    _fields = ("points", "parts", "cap", "buying", "churn", "intent_parts", "personal", "concepts", "floor", "ceiling")
    __slots__ = _fields
    points: int
    parts: list[str]
    #: the highest level the words allow ("not urgent": normal; one person's lock-out: high), or None
    cap: str | None
    buying: bool
    churn: bool
    intent_parts: list[str]
    #: the cap is one person's problem's, which repeated contact lifts (the third message in an hour)
    personal: bool
    #: the problem concepts the words said (positive points only), in the order the rules list them
    concepts: tuple[str, ...]
    #: the learned reading's verdict: the lowest level it allows and why ("critical": a crisis told as a scene)
    floor: tuple[str, str] | None
    #: the learned reading's doubt: the highest level it allows and why (one person's trouble in a crisis's words)
    ceiling: tuple[str, str] | None

    def __init__(
        self,
        points: int,
        parts: list[str],
        cap: str | None,
        buying: bool,
        churn: bool,
        intent_parts: list[str],
        personal: bool = False,
        concepts: tuple[str, ...] = (),
        floor: tuple[str, str] | None = None,
        ceiling: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(points, parts, cap, buying, churn, intent_parts, personal, concepts, floor, ceiling)


class _Family(Record):
    """One concept or intent signal: its points and its words."""

    _fields = ("name", "points", "words")
    __slots__ = _fields
    name: str
    points: int
    words: Words

    def __init__(self, name: str, points: int, words: Words) -> None:
        super().__init__(name, points, words)


def _families(spec: Mapping[str, Any], vocabulary: Mapping[str, Sequence[str]]) -> tuple[_Family, ...]:
    return tuple(_Family(name, int(s["points"]), Words(s["words"], vocabulary)) for name, s in spec.items())


class Model:
    """The ``urgency`` and ``intent`` sections of one rules file, compiled (once per container)."""

    def __init__(
        self, urgency: Mapping[str, Any], intent: Mapping[str, Any], table: Mapping[str, Any] | None = None
    ) -> None:
        """``table``: the learned reading's weights (``Learned.as_json``), which rules with ``learned`` need."""
        reading = urgency.get("reading", {})
        vocabulary: dict[str, list[str]] = reading.get("vocabulary", {})
        self.reader = Reader(
            reading.get("spellings", {}),
            reading.get("signoffs", ()),
            reading.get("acronyms", ()),
            reading.get("fillers", ()),
        )
        self.negators = frozenset(reading.get("negators", ()))
        self.subjects = frozenset(reading.get("subjects", ()))
        self.concepts = _families(urgency.get("concepts", {}), vocabulary)
        scope = urgency.get("scope") or {}
        self.scope_points = int(scope.get("points", 0))
        self.scope = Words(scope.get("words", ()), vocabulary)
        self.scope_at_least = int(scope.get("at_least", 0))
        places = scope.get("places")
        if places is not None and places not in vocabulary:
            raise PatternError(f"urgency.scope.places names no vocabulary list: {places}")
        #: one-word places: a span naming one counts from 2 ("3 branches"), where people count from at_least
        self.places = frozenset(vocabulary.get(places, ())) if places else frozenset()
        self.narrow = Words(scope.get("narrow", ()), vocabulary)
        pressure = urgency.get("time_pressure") or {}
        self.within = sorted(
            (int(duration(k).total_seconds()) // 60, int(v)) for k, v in pressure.get("within", {}).items()
        )
        self.cue_words = Words(pressure.get("cues", ()), vocabulary)
        emphasis = urgency.get("emphasis") or {}
        self.emphasis_points = int(emphasis.get("points", 0))
        self.emphasis = Words(emphasis.get("words", ()), vocabulary)
        self.shouting_points = int(emphasis.get("shouting", 0))
        hedges = urgency.get("hedges") or {}
        self.hedge_cap = hedges.get("cap", "normal")
        personal = urgency.get("personal") or {}
        #: concepts that, with no scope, are one person's problem: the level is at most `cap`
        self.personal = frozenset(personal.get("concepts", ()))
        self.personal_cap = personal.get("cap")
        #: the highest level of a message that names no problem, or None
        self.no_problem_cap = urgency.get("no_problem_cap")
        #: when the sender says it is only them ("just my account"), every concept but these is capped too
        self.only_them_except = frozenset(personal.get("only_them_except", ()))
        self.only_them_caps = "only_them_except" in personal
        self.hedges = Words(hedges.get("words", ()), vocabulary)
        self.soft_hedges = Words(hedges.get("soft", ()), vocabulary)
        self.automatic = Words(urgency.get("automatic", ()), vocabulary)
        self.intent_points = dict(urgency.get("intents", {}))
        self.intent_at_least = int(intent.get("at_least", 1))
        self.buying = _families(intent.get("buying", {}), vocabulary)
        self.buying_not_with = frozenset(intent.get("buying_not_with", ()))
        names = {f.name for f in self.concepts}
        if unknown := sorted(self.buying_not_with - names):
            raise PatternError(f"intent.buying_not_with names no concept: {', '.join(unknown)}")
        if unknown := sorted((self.personal | self.only_them_except) - names):
            raise PatternError(f"urgency.personal names no concept: {', '.join(unknown)}")
        self.churn = _families(intent.get("churn", {}), vocabulary)
        spec = urgency.get("learned")
        if spec is not None and table is None:
            raise PatternError("urgency.learned: no weights table compiled with the rules (run `make rules`)")
        #: the learned reading and its two thresholds, or None (the rules name no weights); the table comes
        #: with the compiled rules (cli/compile.py reads it from the file the rules name)
        self.learned: tuple[learned.Learned, float, float] | None = (
            None
            if spec is None or table is None
            else (
                learned.Learned(table["bias"], table["words"], table["pairs"]),
                spec["critical_at"],
                spec["doubt_below"],
            )
        )
        #: every word list, matched in one pass over a message: the concepts, buying and churn signals, then
        #: (in _LISTS' order) the lists read for their first match or all of them. One pass tries each word
        #: once for all lists; searching each list's whole expression apart was about a tenth of reading.
        families = [f.words for f in (*self.concepts, *self.buying, *self.churn)]
        self._first = len(families)
        self._scan = Scan(families + [getattr(self, name) for name in _LISTS])

    def _negated(self, text: str, start: int, window: int = _NEGATION_WINDOW) -> str | None:
        # a match starts at the space before its first word: keep that space, so " . " or " , " just
        # before the word still bounds the sentence
        end = start + 1 if text[start : start + 1] == " " else start
        # words said with their own subject start a clause of their own: "if this is not fixed today
        # we are cancelling" does not negate "we are cancelling"
        if text[end : text.find(" ", end)] in self.subjects:
            return None
        before = text[max(0, start - 60) : end]
        clause = before[max(before.rfind(" . "), before.rfind(" , ")) + 1 :].split()[-window:]
        return next((word for word in clause if word in self.negators), None)

    def _find(
        self,
        families: Sequence[_Family],
        text: str,
        matches: Sequence[list[Span]],
        taken: list[tuple[int, int]],
        notes: list[str],
    ) -> list[tuple[_Family, str]]:
        """Each family's first counted words; spans counted are added to ``taken``. ``matches``: each
        family's words' matches in ``text`` (Scan.spans), in order."""
        found = []
        for family, spans in zip(families, matches, strict=True):
            if not spans:  # most families say nothing in a message
                continue
            first = None
            for start, end in spans:
                if any(start < e and s < end for s, e in taken):
                    continue
                if negator := self._negated(text, start):
                    notes.append(f"{text[start:end].strip()!r} not counted: {negator!r} before it")
                    continue
                taken.append((start, end))
                first = first or text[start:end].strip()
            if first:
                found.append((family, first))
        return found

    def _intent(
        self, families: Sequence[_Family], text: str, matches: Sequence[list[Span]], name: str
    ) -> tuple[bool, str]:
        found = self._find(families, text, matches, [], [])
        total = sum(f.points for f, _ in found)
        said = ", ".join(f"{f.name} ({words!r}) +{f.points}" for f, words in found)
        return total >= self.intent_at_least, f"{name} {total}: {said}" if found else ""

    def normalised(self, channel: str, subject: str, text: str) -> tuple[str, str]:
        """What the model reads of a message, as written and normalised: an email's new words (its quotes and
        signature cut, a forward's quoted message kept), after its subject unless that is an old thread's."""
        body = text
        if channel == "email":
            # a forward's quoted message is what the sender wants us to read; a reply's is history
            forward = bool(subject) and _FORWARD_SUBJECT.match(subject) is not None
            body = _QUOTE_MARKS.sub("", text) if forward else self.reader.email_body(text)
        # a reply's subject is the old thread's title ("Re: Everything down - URGENT"): the new words count,
        # unless they point at it ("see subject")
        if subject and _REPLY_SUBJECT.match(subject) and not _SEE_SUBJECT.search(body):
            subject = ""
        raw = f"{subject}\n{body}"[:READ_CHARS] if subject else body[:READ_CHARS]
        return raw, self.reader.normalise(raw)

    def read(self, channel: str, subject: str, text: str, now: datetime) -> Understood:
        """Score one message; ``now`` is the moment in the sender's zone (deadlines are on their clock)."""
        raw, norm = self.normalised(channel, subject, text)
        spans = self._scan.spans(norm)
        buying_at = len(self.concepts)
        churn_at = buying_at + len(self.buying)
        lists = dict(zip(_LISTS, spans[self._first :], strict=True))
        machine = _first(lists["automatic"])
        parts: list[str] = []
        notes: list[str] = []
        taken: list[tuple[int, int]] = []
        points = 0
        found = self._find(self.concepts, norm, spans[:buying_at], taken, notes)
        # a concept with negative points (planned maintenance) is context, not a problem
        problem = any(family.points > 0 for family, _ in found)
        for family, words in found:
            points += family.points
            parts.append(f"{family.name} ({words!r}) {family.points:+d}")
        buying, buying_said = self._intent(self.buying, norm, spans[buying_at:churn_at], "buying")
        churn, churn_said = self._intent(self.churn, norm, spans[churn_at : self._first], "churn")
        if churn and buying:
            buying, buying_said = False, f"{buying_said} (outweighed by churn)"
        elif buying and (problems := [f.name for f, _ in found if f.name in self.buying_not_with]):
            buying, buying_said = False, f"{buying_said} (not a sale: a {problems[0].replace('_', ' ')} problem)"
        intent_parts = [said for said in (buying_said, churn_said) if said]
        for name, shown in (("buying", buying), ("churn", churn)):
            if shown and (extra := self.intent_points.get(name, 0)):
                points += extra
                parts.append(f"{name} intent {extra:+d}")
        scoped, only_them = 0, False
        if problem and self.scope_points:
            scoped, only_them = self._scope(norm, lists["scope"], lists["narrow"], parts)
            points += scoped
        # an automatic reply opens with what it is ("Automatic reply: …", "Out of office till…"); a
        # customer who quotes one ("every email to us comes back 'undeliverable', all of them") has a
        # problem for many
        if machine and (machine[0] == 0 or not scoped):
            said = f"an automatic reply ({_said(norm, machine)!r}): nothing else counts"
            return Understood(0, [said], "low", False, False, [])
        if machine:
            notes.append(f"{_said(norm, machine)!r} is quoted, not sent: a problem for many")
        if problem or buying or churn or lists["cue_words"]:
            points += self._pressure(norm, now, lists["emphasis"], parts, notes)
            # a call's words are a machine's: caller ID comes in capitals, transcripts have no case to read
            if channel != "voice":
                points += self.shouting(raw, parts)
        elif self.within or self.emphasis_points:
            notes.append("no problem, intent or need: deadlines and emphasis do not count")
        cap, personal = None, False
        soft = _first(lists["soft_hedges"])
        if hedge := _first(lists["hedges"]) or (soft if not scoped else None):
            cap = self.hedge_cap
            parts.append(f"hedge ({_said(norm, hedge)!r}): at most {cap}")
        elif soft:
            notes.append(f"{_said(norm, soft)!r} is understatement, not a hedge: many are affected")
        elif problem and not scoped and self._one_persons({f.name for f, _ in found if f.points > 0}, only_them):
            # one person's lock-out or broken feature, however pressing, is high; many people make it critical
            cap, personal = self.personal_cap, True
            parts.append(f"one person's problem, nobody else affected: at most {cap}")
        elif not problem and self.no_problem_cap and (buying or churn or points > 0):
            # a sale, a notice of leaving or a call-me, however pressing, with nothing broken (said only
            # when something pressed: a how-to has nothing to cap)
            cap = self.no_problem_cap
            named = "buying" if buying else "churn" if churn else ""
            parts.append(f"{named} with no problem: at most {cap}" if named else f"no problem named: at most {cap}")
        floor = ceiling = None
        if self.learned is not None:
            table, critical_at, doubt_below = self.learned
            lesson = table.read(norm)
            # the sender's own "not urgent" and one person's problem keep their caps (on the corpus, lifting the
            # second paged for more highs than it found crises); "no problem named" is only the words' guess
            if lesson.p >= critical_at and not hedge and not personal:
                cap = None
                floor = ("critical", f"reads as a crisis ({lesson.p:.2f}, learned from the corpus: {lesson.words()})")
            elif lesson.p < doubt_below:
                ceiling = ("high", f"does not read as a crisis ({lesson.p:.2f}, learned from the corpus)")
        concepts = tuple(family.name for family, _ in found if family.points > 0)
        return Understood(points, parts + notes, cap, buying, churn, intent_parts, personal, concepts, floor, ceiling)

    def _one_persons(self, concepts: set[str], only_them: bool) -> bool:
        """Whether problems with nobody else affected are one person's: the personal concepts always; any
        other the sender says is theirs alone ("charged twice, just my account"), but a compromise."""
        if not self.personal_cap:
            return False
        if concepts <= self.personal:
            return True
        return only_them and self.only_them_caps and not concepts & self.only_them_except

    def _scope(self, norm: str, matches: list[Span], narrows: list[Span], parts: list[str]) -> tuple[int, bool]:
        """The scope's points, and whether the sender said it is only them; ``matches``: the scope words',
        ``narrows``: the narrow words' ("just me"). A narrow word inside a scope phrase is that phrase's:
        "is it just me or" asks whether others have it too, it does not say they do not."""
        narrow = next((n for n in narrows if not any(s <= n[0] and n[1] <= e for s, e in matches)), None)
        if narrow:
            parts.append(f"scope: only them ({_said(norm, narrow)!r})")
            return 0, True
        for start, end in matches:
            said = norm[start:end]
            counts = [int(n) for n in _NUMBER.findall(said)]
            whole = said.startswith(_WHOLE) or " hundred" in said or " thousand" in said or _THOUSANDS.search(said)
            places = not self.places.isdisjoint(said.split())
            if counts and max(counts) < (_PLACES_AT_LEAST if places else self.scope_at_least) and not whole:
                continue
            # only the word just before: "not everyone"; "not loading for anyone" is still everyone
            if self._negated(norm, start, 1):
                continue
            parts.append(f"scope ({said.strip()!r}) {self.scope_points:+d}")
            return self.scope_points, False
        return 0, False

    def _pressure(self, norm: str, now: datetime, emphasis: list[Span], parts: list[str], notes: list[str]) -> int:
        points = 0
        found = deadlines(norm, now, self.cue_words.expression) if self.within else []
        if found:
            minutes, words = found[0]
            weight = next((p for limit, p in self.within if minutes <= limit), 0)
            away = f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"
            if weight:
                points += weight
                parts.append(f"deadline {words!r} ({away} away) {weight:+d}")
            else:
                notes.append(f"deadline {words!r} ({away} away): too far to count")
        for start, end in emphasis:
            if not self._negated(norm, start):
                points += self.emphasis_points
                parts.append(f"emphasis ({norm[start:end].strip()!r}) {self.emphasis_points:+d}")
                break
        return points

    def shouting(self, raw: str, parts: list[str]) -> int:
        loud = self.reader.shouting(raw)
        if loud and self.shouting_points:
            parts.append(f"shouting ({' '.join(loud[:3])!r}) {self.shouting_points:+d}")
            return self.shouting_points
        return 0


def _first(spans: list[Span]) -> Span | None:
    """A list's first match (its whole expression's ``search``), or None."""
    return spans[0] if spans else None


def _said(norm: str, span: Span) -> str:
    return norm[span[0] : span[1]].strip()


def level_at_most(level: str, cap: str | None) -> str:
    """``level``, lowered to ``cap`` if the words capped it (a hedge, one person's problem)."""
    if cap is None or _LEVELS.index(level) <= _LEVELS.index(cap):
        return level
    return cap


def above(level: str, other: str) -> bool:
    """Whether ``level`` is more urgent than ``other``."""
    return _LEVELS.index(level) > _LEVELS.index(other)
