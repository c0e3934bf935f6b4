"""The order a ticket's timeline is shown in: by time, an instant's entries in the order they happen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.model.timeline import SHOWN, Entry, Kind, in_order

T = datetime(2026, 11, 17, 15, 0, 5, tzinfo=UTC)


def entry(kind: Kind, seconds: int = 0) -> Entry:
    return Entry(at=T + timedelta(seconds=seconds), kind=kind, text=str(kind))


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        pytest.param(
            # as the table stores one instant: by the kind's position, a hold before the page it holds
            [Kind.OPENED, Kind.DEFERRED, Kind.PAGE_OPENED],
            [Kind.OPENED, Kind.PAGE_OPENED, Kind.DEFERRED],
            id="a-rate-limit-hold-follows-its-page",
        ),
        pytest.param(
            [Kind.NOTIFIED, Kind.PAGE_OPENED, Kind.OPENED],
            [Kind.OPENED, Kind.PAGE_OPENED, Kind.NOTIFIED],
            id="a-page-opens-then-notifies",
        ),
        pytest.param(
            [Kind.DEFERRED, Kind.OPENED], [Kind.OPENED, Kind.DEFERRED], id="a-calendar-hold-follows-its-ticket"
        ),
    ],
)
def test_an_instants_entries_are_shown_in_the_order_they_happen(stored, shown):
    # GIVEN entries of one instant WHEN put in order THEN they read as they happened
    assert [e.kind for e in in_order([entry(k) for k in stored])] == shown


def test_time_comes_first():
    # GIVEN a hold a second after a notification WHEN put in order THEN time decides, not kind
    assert [e.kind for e in in_order([entry(Kind.DEFERRED, 1), entry(Kind.NOTIFIED)])] == [Kind.NOTIFIED, Kind.DEFERRED]


def test_every_kind_has_its_place():
    assert sorted(SHOWN) == sorted(Kind) and len(set(SHOWN)) == len(SHOWN)
