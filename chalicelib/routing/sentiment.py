"""The tone of a message (VADER compound score, -1 … 1): a pure function of the text.

VADER (vaderSentiment) is a small, rule-based model tuned for social-media text: short, informal,
with emoji and capitals — what chat and social messages look like. Its lexicon loads in about
50 ms, so it is built on first use and kept for the container's life.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.model.event import SupportEvent
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def tone(text: str) -> float:
    """VADER's compound score: ≤ -0.05 is negative, ≥ 0.05 positive."""
    scores: dict[str, float] = _analyzer().polarity_scores(text[:2000])  # a long email's tail adds cost, not signal
    return float(scores["compound"])


def signals_for(event: SupportEvent, rules: CompiledRules, recent_contacts: int = 0) -> Signals:
    """The signals decide() is given: the tone only where the rules weigh it (it costs ~0.15 ms)."""
    wanted = rules.sentiment_weight > 0 and event.channel.value in rules.sentiment_channels
    return Signals(sentiment=tone(event.text) if wanted else None, recent_contacts=recent_contacts)
