"""A sender's record of recent messages: what repeat contact counts, and what a write drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.model.contacts import MAX_CONTACTS, RecentContacts, entry_for

NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)


def record(*minutes_ago: float) -> RecentContacts:
    return RecentContacts(
        "email#sam@example.com", {f"e{i}": NOW - timedelta(minutes=m) for i, m in enumerate(minutes_ago)}
    )


@pytest.mark.parametrize(
    ("contacts", "count", "stale"),
    [
        pytest.param(record(), 0, (), id="nobody-lately"),
        pytest.param(record(10, 20), 2, (), id="two-this-hour"),
        # the window is closed at its start, as the Query's created_at >= now - 1 hour was
        pytest.param(record(60), 1, (), id="exactly-an-hour-ago-counts"),
        pytest.param(record(60.01, 5), 1, ("e0",), id="just-over-an-hour-ago-is-dropped"),
        pytest.param(record(90, 200, 1), 1, ("e0", "e1"), id="old-entries-dropped"),
    ],
)
def test_count_and_stale_follow_the_hour(contacts: RecentContacts, count: int, stale: tuple[str, ...]) -> None:
    # GIVEN a sender's record  WHEN a message arrives now  THEN the earlier ones in the hour count; older go
    assert contacts.count(NOW) == count
    assert contacts.stale(NOW) == stale


def test_a_chatty_sender_keeps_the_newest_entries_up_to_the_bound() -> None:
    # GIVEN a bot that wrote every few seconds all hour, more often than the record keeps
    contacts = record(*(i * 0.5 for i in range(MAX_CONTACTS + 10)))
    # WHEN one more message is written
    after = contacts.adding("one-more", NOW)
    # THEN the record holds the bound, newest first kept, and counts as many
    assert len(after.entries) == MAX_CONTACTS
    assert entry_for("one-more") in after.entries and "e0" in after.entries
    assert f"e{MAX_CONTACTS + 9}" not in after.entries
    assert after.count(NOW) == MAX_CONTACTS


def test_adding_is_what_the_next_message_counts() -> None:
    # GIVEN a record with one message 50 minutes ago and one two hours ago
    contacts = record(50, 120)
    # WHEN a message is written now and the next arrives 20 minutes later
    after = contacts.adding("widget:2", NOW)
    # THEN the next counts the one now only (the 50-minute-old one has left the hour by then)
    assert after.count(NOW + timedelta(minutes=20)) == 1
    assert "e1" not in after.entries


def test_an_entry_is_named_by_its_event_not_its_time() -> None:
    # the same event written twice (it cannot be: its marker stops it) would be one entry, not two
    assert entry_for("widget:1") == entry_for("widget:1") != entry_for("widget:2")
