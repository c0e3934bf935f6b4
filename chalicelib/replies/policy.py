"""How automatic replies behave, as the rules' ``replies:`` section says: how often, on which channels, never to whom.

The rules compiler validates the section (routing/schema.py ``Replies``); the Lambda reads the compiled
JSON into this record (routing/reader.py), and ``CompiledRules.replies`` holds it for the guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from chalicelib.model.directory import email_key, handle_key, phone_key
from chalicelib.model.event import Sender
from chalicelib.routing.record import Record

#: RFC 3834 asks a responder not to answer the same sender twice within "a period of several days";
#: a support conversation moves faster, so one automatic reply a day per thread, unless the rules say otherwise
DEFAULT_WINDOW = timedelta(hours=24)
X_MENTIONS = ("public", "dm_invitation")


def own_key(address: str) -> str | None:
    """A ``never_answer`` entry as the directory keys a sender: "+1…" a phone, "a@b" an email, "x:h" a handle."""
    address = address.strip()
    if address.startswith("+"):
        return phone_key(address)
    if "@" in address and ":" not in address.partition("@")[0]:
        return email_key(address)
    return handle_key(address)


class ReplyPolicy(Record):
    _fields = ("once_per_thread", "off", "x_mentions", "never_answer")
    __slots__ = _fields
    #: at most one automatic reply per thread within this long
    once_per_thread: timedelta
    #: channels whose automatic replies are turned off
    off: frozenset[str]
    #: how a public X mention is answered: a public reply, or an invitation to talk by DM
    x_mentions: str
    #: our own numbers, addresses and handles, as directory keys ("phone#+1…", "email#…", "handle#x:…")
    never_answer: frozenset[str]

    def __init__(
        self,
        once_per_thread: timedelta = DEFAULT_WINDOW,
        off: frozenset[str] = frozenset(),
        x_mentions: str = "dm_invitation",
        never_answer: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(once_per_thread, off, x_mentions, never_answer)

    @classmethod
    def build(
        cls,
        once_per_thread: timedelta = DEFAULT_WINDOW,
        channels: Mapping[str, bool] | None = None,
        x_mentions: str = "dm_invitation",
        never_answer: Iterable[str] = (),
    ) -> ReplyPolicy:
        """From the section's own terms: ``channels`` on/off (unlisted: on), ``never_answer`` as written."""
        off = frozenset(channel for channel, on in (channels or {}).items() if not on)
        keys = frozenset(key for address in never_answer if (key := own_key(address)))
        return cls(once_per_thread, off, x_mentions, keys)

    def answers(self, channel: str) -> bool:
        """Whether automatic replies are on for ``channel``."""
        return channel not in self.off

    def is_ours(self, sender: Sender) -> bool:
        """Whether the sender is one of our own numbers, addresses or handles (never answered: no loops)."""
        return any(key in self.never_answer for key in sender.lookup_keys())
