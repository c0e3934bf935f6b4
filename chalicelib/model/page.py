"""A page: the promise that a human will act on a ticket, kept until someone acknowledges.

The escalation policy is snapshotted onto the page when it opens, with every level's people
resolved at that moment: a config deploy or a rotation handoff while the page is in flight
does not change who it reaches (Grafana OnCall's escalation snapshots).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class PageState(StrEnum):
    OPEN = "open"  # escalating: ``next_due`` is the next tick
    ACKED = "acked"  # someone took it; escalation stopped
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"  # every level and repeat timed out; the last resort was told, and may still take it


class Recipient(BaseModel):
    """One person a level reaches, as resolved when the page opened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person: str  # the rules' person key ("maya")
    name: str
    phone: str | None = None
    email: str | None = None
    topic: str  # the PAGER_TOPICS key their pages are published to
    via: str = ""  # why they are reached: "on call, rotation primary", "team founders"


class Level(BaseModel):
    """One rung of the ladder: who is reached, and how long they have to acknowledge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[str, ...]  # as written in the rules ("rotation:primary", "team:founders")
    recipients: tuple[Recipient, ...] = Field(min_length=1)
    ack_timeout_seconds: int = Field(gt=0)

    @property
    def topics(self) -> tuple[str, ...]:
        """The pager topics this level publishes to, each once, in order."""
        return tuple(dict.fromkeys(r.topic for r in self.recipients))


class Page(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    page_id: str  # "P-" + ten hex digits
    ticket_id: str
    #: what the person replies by SMS ("ACK 482913") and what the email names
    ack_code: str
    priority: str
    team: str
    tier: str
    channel: str
    customer: str  # the customer's display name
    summary: str  # the latest message, one line
    reasons: tuple[str, ...] = ()
    policy: str | None = None  # the escalation policy's name, for the audit
    levels: tuple[Level, ...] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0)  # how many times the whole ladder runs again
    #: the cursor: the level last notified (-1: none yet), the round (0 = first pass), and a
    #: step counter every advance increments; a tick writes only if the step is what it read
    level: int = -1
    round: int = 0
    step: int = 0
    state: PageState = PageState.OPEN
    opened_at: AwareDatetime
    next_due: AwareDatetime | None = None
    acked_by: str | None = None
    acked_at: AwareDatetime | None = None
    #: messages folded into this page (1 = only the one that opened it)
    count: int = 1
    #: the event ids folded in, so a redelivered message is not counted twice
    folded: tuple[str, ...] = ()
    #: people a less urgent ladder reached before a more urgent message raised the page: they may still take it
    earlier: tuple[Recipient, ...] = ()
    #: who was told that nobody answered, once the ladder ran out (the founders, unless configured otherwise)
    last_resort: Level | None = None

    @property
    def current(self) -> Level | None:
        return self.levels[self.level] if 0 <= self.level < len(self.levels) else None

    def paged_people(self) -> tuple[Recipient, ...]:
        """Everyone a notified level has reached so far: who may acknowledge by SMS."""
        reached = self.levels if self.round > 0 else self.levels[: self.level + 1]
        if self.last_resort is not None:
            reached = (*reached, self.last_resort)
        return _unique((*self.earlier, *(r for level in reached for r in level.recipients)))

    def everyone(self) -> tuple[Recipient, ...]:
        """Everyone the page may reach: who may take it, also before their level (a founder who saw it early)."""
        levels = (*self.levels, self.last_resort) if self.last_resort is not None else self.levels
        return _unique((*self.earlier, *(r for level in levels for r in level.recipients)))


class Notification(BaseModel):
    """One message of a page to one topic at one step: the outbox's unit.

    It is recorded pending in the same conditional write that claims the step, published, then
    marked sent; a sweep retries whatever is still pending after a grace, at the same level and
    to this topic alone, so a fault means "late", never "never", and never a resend to the others.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    page_id: str
    step: int  # the page's step that claimed it
    topic: str
    level: int  # index into ``levels``; LAST_RESORT: the message that nobody answered
    people: tuple[str, ...] = Field(min_length=1)  # who on this topic it is for (the rate limit may leave some out)
    attempts: int = 0

    @property
    def key(self) -> str:
        return f"NOTE#{self.page_id}#{self.step}#{self.topic}"


#: ``Notification.level`` of the message that tells the last resort the ladder ran out
LAST_RESORT = -1


def _unique(recipients: Iterable[Recipient]) -> tuple[Recipient, ...]:
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.person, recipient)
    return tuple(seen.values())
