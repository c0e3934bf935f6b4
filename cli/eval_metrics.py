"""How far predicted urgency and intent agree with a labeled corpus: pure arithmetic, no I/O.

A share whose denominator is empty is ``None`` ("no such messages"), never 0 or 100%: a corpus
half without a label must not read as a perfect or a failed score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

#: most urgent first, as the matrix prints them
LEVELS = ("critical", "high", "normal", "low")
INTENTS = ("buying", "churn", "none")


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Outcome:
    """One message's labels beside what the rules made of it (``churn`` None: the rules have no such fact)."""

    urgency: str
    predicted: str
    intent: str
    buying: bool
    churn: bool | None = None


@dataclass(frozen=True)
class Confusion:
    """Counts of (labeled level, predicted level)."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Confusion:
        return cls(Counter(pairs))

    def cell(self, labeled: str, predicted: str) -> int:
        return self.counts[(labeled, predicted)]

    def labeled(self, level: str) -> int:
        return sum(n for (label, _), n in self.counts.items() if label == level)

    def predicted(self, level: str) -> int:
        return sum(n for (_, guess), n in self.counts.items() if guess == level)

    def total(self) -> int:
        return sum(self.counts.values())

    def recall(self, level: str) -> float | None:
        return share(self.cell(level, level), self.labeled(level))

    def precision(self, level: str) -> float | None:
        return share(self.cell(level, level), self.predicted(level))

    def at_least(self, labeled: str, floor: str) -> float | None:
        """Of the messages labeled ``labeled``, the share predicted ``floor`` or more urgent."""
        enough = LEVELS[: LEVELS.index(floor) + 1]
        return share(sum(self.cell(labeled, level) for level in enough), self.labeled(labeled))

    def given(self, predicted: str, labels: Iterable[str]) -> float | None:
        """Of the messages labeled one of ``labels``, the share predicted ``predicted``."""
        chosen = list(labels)
        return share(sum(self.cell(label, predicted) for label in chosen), sum(self.labeled(x) for x in chosen))


@dataclass(frozen=True)
class Detection:
    """A yes/no fact against a label: found when labeled (tp), missed (fn), found when not (fp), quiet when not (tn)."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[bool, bool]]) -> Detection:
        """From (labeled, found) pairs."""
        c = Counter(pairs)
        return cls(tp=c[(True, True)], fn=c[(True, False)], fp=c[(False, True)], tn=c[(False, False)])

    def recall(self) -> float | None:
        return share(self.tp, self.tp + self.fn)

    def precision(self) -> float | None:
        return share(self.tp, self.tp + self.fp)

    def false_rate(self) -> float | None:
        """Of the messages not labeled so, the share the fact still claims."""
        return share(self.fp, self.fp + self.tn)


@dataclass(frozen=True)
class Scores:
    urgency: Confusion
    buying: Detection
    #: None when the rules have no churn fact
    churn: Detection | None


def score(outcomes: Iterable[Outcome]) -> Scores:
    rows = list(outcomes)
    churn_known = bool(rows) and all(o.churn is not None for o in rows)
    return Scores(
        urgency=Confusion.of((o.urgency, o.predicted) for o in rows),
        buying=Detection.of((o.intent == "buying", o.buying) for o in rows),
        churn=Detection.of((o.intent == "churn", bool(o.churn)) for o in rows) if churn_known else None,
    )


@dataclass(frozen=True)
class Goal:
    name: str
    value: float | None
    bound: float
    #: True: the value must not exceed the bound; False: it must reach it
    at_most: bool

    @property
    def met(self) -> bool:
        if self.value is None:  # nothing to measure is not a pass
            return False
        return self.value <= self.bound if self.at_most else self.value >= self.bound


def goals(scores: Scores) -> list[Goal]:
    """The bar issue 11 sets for the held-out half."""
    u, b = scores.urgency, scores.buying
    return [
        Goal("critical recall", u.recall("critical"), 0.95, at_most=False),
        Goal("high-or-above recall for high messages", u.at_least("high", "high"), 0.90, at_most=False),
        Goal("critical given to normal or low", u.given("critical", ("normal", "low")), 0.03, at_most=True),
        Goal("buying intent recall", b.recall(), 0.90, at_most=False),
        Goal("buying intent false-positive rate", b.false_rate(), 0.05, at_most=True),
    ]
