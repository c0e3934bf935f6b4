"""What a provider sample is expected to yield, and the one comparison every adapter's table test makes."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.channels.base import Inbound, Reply


@dataclass(frozen=True)
class Expected:
    #: (event id, thread key, sender handle) per event
    events: tuple[tuple[str, str, str], ...] = ()
    #: a fragment of each skip reason, in order
    skipped: tuple[str, ...] = ()
    reply: Reply | None = None


def assert_yields(inbound: Inbound, expected: Expected) -> None:
    """The events (id, thread, sender), the skip reasons (by fragment) and the reply are as expected."""
    assert [(e.event_id, e.thread_key, e.sender.handle) for e in inbound.events] == list(expected.events)
    assert len(inbound.skipped) == len(expected.skipped)
    for reason, fragment in zip(inbound.skipped, expected.skipped, strict=True):
        assert fragment in reason
    assert inbound.reply == expected.reply
