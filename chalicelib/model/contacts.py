"""Repeat contact: a sender's messages stored in the last hour, which raise the next message's urgency."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: "the Nth message from this customer in the last hour"
REPEAT_WINDOW = timedelta(hours=1)
#: entries a sender's record keeps: a sender with more messages in the hour counts as this many. The rules
#: give repeat contact at most 30 points (3 earlier messages), so only a rule on ``contact.recent`` above
#: this could tell; the bound keeps the record one read unit (~45 bytes an entry) however chatty a bot is.
MAX_CONTACTS = 50


def entry_for(event_id: str) -> str:
    """A message's short, stable name in its sender's record (an email's event id can be long)."""
    return hashlib.sha256(event_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class RecentContacts:
    """A sender's record of recent messages as read: entry name → when triage stored the message.

    Each stored ticket or follow-up adds its entry in the same transaction as the message, and drops
    the entries that fell out of the window (``stale``). Entries are separate attributes, so two
    messages from one sender written at once both land (neither overwrites the other's).
    """

    sender_key: str
    entries: Mapping[str, datetime] = field(default_factory=dict)

    def count(self, now: datetime) -> int:
        """Earlier messages in the hour before ``now``: what the Query on the BySender index counted."""
        since = now - REPEAT_WINDOW
        return sum(1 for at in self.entries.values() if at >= since)

    def stale(self, now: datetime) -> tuple[str, ...]:
        """The entries a write at ``now`` drops: out of the window, then the oldest beyond MAX_CONTACTS - 1."""
        since = now - REPEAT_WINDOW
        kept = sorted((at, name) for name, at in self.entries.items() if at >= since)
        over = kept[: max(0, len(kept) - (MAX_CONTACTS - 1))]
        old = [name for name, at in self.entries.items() if at < since]
        return (*old, *(name for _, name in over))

    def adding(self, event_id: str, at: datetime) -> RecentContacts:
        """The record as a write of this message at ``at`` leaves it."""
        dropped = set(self.stale(at))
        kept = {name: when for name, when in self.entries.items() if name not in dropped}
        return RecentContacts(self.sender_key, {**kept, entry_for(event_id): at})
