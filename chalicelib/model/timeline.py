"""The timeline: every notification, acknowledgement, escalation, fold and deferral on a ticket, with why."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class Kind(StrEnum):
    """What happened; at one instant, entries list in this order (a page opens, then notifies)."""

    OPENED = "opened"  # the ticket
    FOLLOW_UP = "follow-up"
    DEFERRED = "deferred"
    PAGE_OPENED = "page-opened"
    NOTIFIED = "notified"  # a level was paged (the first, or an escalation)
    FOLDED = "folded"  # a message joined an open page instead of paging again
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"
    REFUSED = "refused"  # an acknowledgement that was not accepted (wrong number, closed page)
    SLA_BREACHED = "sla-breached"
    DIGEST = "digest"
    # appended, not inserted: a kind's position is part of stored timeline keys (pages_table._ORDER)
    REPLIED = "replied"  # a reply went to the customer (the outbox's, or a person's from the page)
    CALLED_BACK = "called-back"  # a person rang the customer back through the company line
    LINKED = "linked"  # a person linked the ticket to an incident (the console)
    REOPENED = "reopened"  # a person reopened a resolved ticket (the console, the CLI)


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime
    kind: Kind
    text: str
    page_id: str | None = None
    actor: str | None = None  # who did it: a person's key, or "switchboard"


#: the order entries of one instant are shown in, the order they happen in. A stored entry's key ranks it
#: by its kind's position in Kind, which cannot move; there a hold for a digest ("deferred") sorts before
#: the page it holds, so readers sort again with this
SHOWN = (
    Kind.OPENED,
    Kind.FOLLOW_UP,
    Kind.PAGE_OPENED,
    Kind.DEFERRED,
    Kind.FOLDED,
    Kind.NOTIFIED,
    Kind.REFUSED,
    Kind.ACKNOWLEDGED,
    Kind.EXHAUSTED,
    Kind.RESOLVED,
    Kind.SLA_BREACHED,
    Kind.DIGEST,
    Kind.REPLIED,
    Kind.CALLED_BACK,
    Kind.LINKED,
    Kind.REOPENED,
)
_RANK = {kind: n for n, kind in enumerate(SHOWN)}


def in_order(entries: Iterable[Entry]) -> list[Entry]:
    """Entries by time, those of one instant in the order they happen in (SHOWN)."""
    return sorted(entries, key=lambda e: (e.at, _RANK[e.kind]))
