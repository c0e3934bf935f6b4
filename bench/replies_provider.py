"""The replies benchmark's provider: a seeded stand-in that fails a share of sends and remembers what reached whom.

Failures (``fault_rate``, 10% by default) are split as a provider's really are: 30% of them are
permanent and belong to the recipient (an invalid number, an opted-out one), so they are drawn
once per reply and every attempt at that reply fails the same way; 70% are transient and drawn
per attempt: a 429 with Retry-After, a 5xx, and a timeout *after* the provider accepted the
message (the customer has it; the sender cannot know). Only that last kind can put a reply in
front of a customer twice, and the outbox is meant to count it when it does.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.reliability_world import Clock
from chalicelib.replies.model import Reply, SendResult

#: the share of the failures that are permanent (drawn per reply); the rest are transient (drawn per attempt)
PERMANENT_SHARE = 0.3
#: the transient failures, with their share of the transient ones
TRANSIENT = (("429", 3 / 7), ("503", 2 / 7), ("timeout after sending", 2 / 7))
#: the Retry-After a 429 carries, in seconds (Slack's is typically 30; others ask for a minute)
RETRY_AFTER = (30, 60)
PERMANENT_REASONS = (
    "21211: The 'To' number is not a valid phone number",
    "21610: Attempt to send to unsubscribed recipient",
    "551: the recipient's mailbox does not exist",
)


@dataclass
class Provider:
    """The replies function's ReplySender: answers from seeded draws, as of the simulated clock."""

    fault_rate: float
    seed: int
    rng: random.Random
    clock: Clock = field(default_factory=lambda: Clock(datetime(1970, 1, 1, tzinfo=UTC)))
    #: reply id -> how many times the customer received it
    delivered: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    #: reply id -> timeouts after sending (delivered, answer lost)
    lost_answers: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    #: attempts made before the Retry-After the provider gave that reply had passed
    early: int = 0
    _not_before: dict[str, datetime] = field(default_factory=dict)

    def permanent(self, reply_id: str) -> bool:
        """Whether this reply's recipient refuses it for good: one draw per reply, whatever order attempts come in."""
        return random.Random(f"{self.seed}:{reply_id}").random() < self.fault_rate * PERMANENT_SHARE

    def send(self, reply: Reply, now: datetime) -> SendResult:
        rid = reply.reply_id
        self.attempts[rid] += 1
        if rid in self._not_before and now < self._not_before[rid]:
            self.early += 1
        if self.permanent(rid):
            self.outcomes["permanent"] += 1
            return SendResult.permanent(self.rng.choice(PERMANENT_REASONS))
        if self.rng.random() < self.fault_rate * (1 - PERMANENT_SHARE):
            kind = self.rng.choices([k for k, _ in TRANSIENT], weights=[w for _, w in TRANSIENT])[0]
            self.outcomes[kind] += 1
            if kind == "429":
                wait = self.rng.choice(RETRY_AFTER)
                self._not_before[rid] = now + timedelta(seconds=wait)
                return SendResult.transient("429 Too Many Requests", retry_after=wait)
            if kind == "503":
                return SendResult.transient("503 Service Unavailable")
            self.delivered[rid] += 1  # the provider sent it; its answer never came back
            self.lost_answers[rid] += 1
            return SendResult.transient("timed out after sending the request", uncertain=True)
        self.outcomes["sent"] += 1
        self.delivered[rid] += 1
        return SendResult.sent(f"SM{sum(self.outcomes.values()):032x}")

    @property
    def duplicates(self) -> int:
        """Extra copies customers received: a reply id delivered n times counts n - 1."""
        return sum(n - 1 for n in self.delivered.values() if n > 1)
