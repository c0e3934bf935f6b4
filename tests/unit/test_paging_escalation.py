"""The escalation state machine: the whole ladder, ticks that do nothing, acknowledgement and resolution."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.model.page import Level, PageState
from chalicelib.paging.escalation import AckRefused, acknowledge, advance, describe_duration, resolve
from tests.paging_fixtures import FOUNDERS, ON_CALL, OPENED, PRIYA, make_page


def minutes(n: float) -> datetime:
    return OPENED + timedelta(minutes=n)


PRIYA_WHO = "Priya Nair, on call, rotation primary"
FOUNDERS_WHO = "Maya Chen, Tom Okafor — team founders"


@pytest.mark.parametrize(
    ("cursor", "now", "expected_cursor", "notify", "reason"),
    [
        pytest.param(
            {"level": -1, "round": 0, "step": 0, "next_due": minutes(0)},
            minutes(0),
            {"level": 0, "round": 0, "step": 1, "next_due": minutes(5)},
            ON_CALL,
            f"opened: paging level 1 of 2 ({PRIYA_WHO})",
            id="open-pages-level-1",
        ),
        pytest.param(
            {"level": 0, "round": 0, "step": 1, "next_due": minutes(5)},
            minutes(5),
            {"level": 1, "round": 0, "step": 2, "next_due": minutes(20)},
            FOUNDERS,
            f"no acknowledgement within 5 minutes: escalating to level 2 of 2 ({FOUNDERS_WHO})",
            id="timeout-escalates-to-level-2",
        ),
        pytest.param(
            {"level": 1, "round": 0, "step": 2, "next_due": minutes(20)},
            minutes(20),
            {"level": 0, "round": 1, "step": 3, "next_due": minutes(25)},
            ON_CALL,
            f"no acknowledgement at level 2 of 2: repeating the ladder (round 2 of 3), paging level 1 of 2 ({PRIYA_WHO})",
            id="last-level-repeats-the-ladder",
        ),
        pytest.param(
            {"level": 0, "round": 2, "step": 5, "next_due": minutes(45)},
            minutes(45),
            {"level": 1, "round": 2, "step": 6, "next_due": minutes(60)},
            FOUNDERS,
            f"no acknowledgement within 5 minutes: escalating to level 2 of 2 ({FOUNDERS_WHO})",
            id="last-round-still-escalates",
        ),
        pytest.param(
            {"level": 1, "round": 2, "step": 6, "next_due": minutes(60)},
            minutes(60),
            {"level": 1, "round": 2, "step": 7, "next_due": None, "state": PageState.EXHAUSTED},
            None,
            "no acknowledgement after 3 rounds: escalation exhausted",
            id="last-level-of-last-round-exhausts",
        ),
        pytest.param(
            {"level": 0, "round": 0, "step": 1, "next_due": minutes(5)},
            minutes(17),
            {"level": 1, "round": 0, "step": 2, "next_due": minutes(32)},
            FOUNDERS,
            f"no acknowledgement within 5 minutes: escalating to level 2 of 2 ({FOUNDERS_WHO})",
            id="late-tick-gives-the-full-timeout-from-now",
        ),
        pytest.param(
            {"level": 0, "round": 0, "step": 1, "next_due": minutes(5)},
            minutes(5).astimezone(ZoneInfo("Asia/Kathmandu")),
            {"level": 1, "round": 0, "step": 2, "next_due": minutes(20)},
            FOUNDERS,
            f"no acknowledgement within 5 minutes: escalating to level 2 of 2 ({FOUNDERS_WHO})",
            id="now-in-a-zone-far-from-utc-is-the-same-instant",
        ),
    ],
)
def test_advance_moves_the_cursor_one_step(cursor, now, expected_cursor, notify, reason):
    # GIVEN an open page with its cursor at some point of the ladder
    page = make_page(**cursor)
    # WHEN a tick arrives at or after the due time
    result = advance(page, now)
    # THEN the cursor moves exactly one step, the right level is notified, and the audit says why
    assert result is not None
    assert {k: getattr(result.page, k) for k in expected_cursor} == expected_cursor
    assert result.page.state is expected_cursor.get("state", PageState.OPEN)
    assert result.notify == notify
    assert result.reason == reason


def test_the_full_ladder_from_open_to_exhausted():
    # GIVEN a page that just opened, with two levels and two repeats
    page = make_page()
    reasons, notified = [], []
    # WHEN every tick arrives exactly when due, until the ladder gives up
    while (result := advance(page, page.next_due or OPENED)) is not None:
        assert result.page.step == page.step + 1
        page = result.page
        reasons.append(result.reason)
        notified.append(result.notify)
    # THEN three rounds of on-call then founders, then exhaustion, in seven steps and one hour
    assert notified == [ON_CALL, FOUNDERS] * 3 + [None]
    assert reasons[0].startswith("opened: paging level 1 of 2")
    assert reasons[2].endswith(f"repeating the ladder (round 2 of 3), paging level 1 of 2 ({PRIYA_WHO})")
    assert reasons[4].endswith(f"repeating the ladder (round 3 of 3), paging level 1 of 2 ({PRIYA_WHO})")
    assert reasons[-1] == "no acknowledgement after 3 rounds: escalation exhausted"
    assert (page.state, page.step, page.next_due) == (PageState.EXHAUSTED, 7, None)
    assert advance(page, minutes(600)) is None


def test_a_single_level_without_repeat_exhausts_after_one_round():
    # GIVEN a one-level ladder that does not repeat, already notified
    page = make_page(levels=(ON_CALL,), repeat=0, level=0, step=1, next_due=minutes(5))
    # WHEN its timeout passes
    result = advance(page, minutes(5))
    # THEN it is exhausted, in the singular
    assert result is not None
    assert result.notify is None
    assert result.reason == "no acknowledgement after 1 round: escalation exhausted"


@pytest.mark.parametrize(
    ("changes", "now"),
    [
        pytest.param({"level": 0, "step": 1, "next_due": minutes(5)}, minutes(4.99), id="not-due-yet"),
        pytest.param({"next_due": None}, minutes(60), id="no-due-time"),
        pytest.param(
            {"state": PageState.ACKED, "acked_by": "priya", "acked_at": minutes(1), "next_due": minutes(5)},
            minutes(5),
            id="acked",
        ),
        pytest.param({"state": PageState.RESOLVED, "next_due": minutes(5)}, minutes(5), id="resolved"),
        pytest.param({"state": PageState.EXHAUSTED, "next_due": None}, minutes(90), id="exhausted"),
    ],
)
def test_advance_does_nothing_when_nothing_is_due(changes: dict[str, Any], now: datetime):
    # GIVEN a page that is not due, or not open
    page = make_page(**changes)
    # WHEN a tick arrives
    # THEN nothing happens: no write, no notification
    assert advance(page, now) is None


def test_advance_is_pure_the_same_input_gives_the_same_result():
    # GIVEN one page and one tick time
    page = make_page(level=0, step=1, next_due=minutes(5))
    before = page.model_dump()
    # WHEN the same tick is computed twice (a redelivered timer message)
    first, second = advance(page, minutes(6)), advance(page, minutes(6))
    # THEN both give the same answer and the input page is untouched
    assert first == second
    assert page.model_dump() == before


def test_acknowledge_after_escalation_stops_the_ladder():
    # GIVEN a page that has escalated to the founders
    page = make_page(level=1, step=2, next_due=minutes(20))
    # WHEN Maya acknowledges
    acked = acknowledge(page, "maya", minutes(9))
    # THEN the page is acknowledged by her, nothing is due, the step moved by one
    assert (acked.state, acked.acked_by, acked.acked_at, acked.next_due) == (PageState.ACKED, "maya", minutes(9), None)
    assert acked.step == page.step + 1
    assert (acked.level, acked.round) == (page.level, page.round)
    # AND the timer that was already scheduled does nothing
    assert advance(acked, minutes(20)) is None


@pytest.mark.parametrize(
    ("changes", "person", "expected"),
    [
        pytest.param(
            {"state": PageState.ACKED, "acked_by": "maya", "acked_at": minutes(7)},
            "priya",
            "page P-0a1b2c3d4e was already acknowledged by Maya Chen at 08:07 UTC on 24 Nov 2026",
            id="acked-by-someone-else",
        ),
        pytest.param(
            {"state": PageState.ACKED, "acked_by": "maya", "acked_at": minutes(7)},
            "maya",
            "page P-0a1b2c3d4e was already acknowledged by you at 08:07 UTC on 24 Nov 2026",
            id="acked-by-the-same-person",
        ),
        pytest.param({"state": PageState.RESOLVED}, "priya", "page P-0a1b2c3d4e is already resolved", id="resolved"),
    ],
)
def test_acknowledging_a_closed_page_is_refused_with_who_and_when(changes, person, expected):
    # GIVEN a page that is no longer open
    page = make_page(**changes)
    # WHEN someone tries to acknowledge it
    with pytest.raises(AckRefused) as caught:
        acknowledge(page, person, minutes(10))
    # THEN a 409 that says who took it and when, carrying the facts for the caller
    assert caught.value.reason == expected
    assert (caught.value.http_status, caught.value.code, caught.value.retryable) == (409, "page_closed", False)
    assert (caught.value.state, caught.value.acked_by) == (page.state, page.acked_by)


@pytest.mark.parametrize(
    ("changes", "expected_acked_by"),
    [
        pytest.param({"level": 0, "step": 1, "next_due": minutes(5)}, "tom", id="open-resolver-stopped-it"),
        pytest.param(
            {"state": PageState.ACKED, "acked_by": "priya", "acked_at": minutes(2), "next_due": None},
            "priya",
            id="acked-keeps-who-acked",
        ),
    ],
)
def test_resolve_from_open_or_acked(changes, expected_acked_by):
    # GIVEN an open or acknowledged page
    page = make_page(**changes)
    # WHEN Tom resolves it
    resolved = resolve(page, "tom", minutes(30))
    # THEN it is resolved, nothing is due, and the step moved by one
    assert (resolved.state, resolved.next_due, resolved.step) == (PageState.RESOLVED, None, page.step + 1)
    assert resolved.acked_by == expected_acked_by


def test_resolve_refuses_a_resolved_page():
    # GIVEN a resolved page  WHEN it is resolved again  THEN a 409
    with pytest.raises(AckRefused):
        resolve(make_page(state=PageState.RESOLVED, next_due=None), "tom", minutes(30))


@pytest.mark.parametrize("take", [acknowledge, resolve], ids=["acknowledge", "resolve"])
def test_an_exhausted_page_can_still_be_taken(take):
    # GIVEN a page whose ladder ran out, the founders told as the last resort
    exhausted = make_page(level=1, round=2, step=7, state=PageState.EXHAUSTED, next_due=None, last_resort=FOUNDERS)
    # WHEN Priya (on the ladder) takes it after all
    taken = take(exhausted, "priya", minutes(95))
    # THEN she has it, nothing is due, and the step moved by one (a stale tick changes nothing)
    assert (taken.acked_by, taken.acked_at, taken.next_due, taken.step) == ("priya", minutes(95), None, 8)
    assert taken.state in (PageState.ACKED, PageState.RESOLVED)
    assert advance(taken, minutes(200)) is None


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        pytest.param(1, "1 second", id="one-second"),
        pytest.param(90, "90 seconds", id="ninety-seconds"),
        pytest.param(60, "1 minute", id="one-minute"),
        pytest.param(300, "5 minutes", id="five-minutes"),
        pytest.param(5400, "90 minutes", id="ninety-minutes"),
        pytest.param(3600, "1 hour", id="one-hour"),
        pytest.param(7200, "2 hours", id="two-hours"),
    ],
)
def test_durations_read_like_a_person_wrote_them(seconds, expected):
    # GIVEN a timeout in seconds  WHEN it is described  THEN in the largest unit that divides it evenly
    assert describe_duration(seconds) == expected


def test_recipients_without_a_reason_are_listed_by_name():
    # GIVEN a level whose recipient has no "via"  WHEN the page opens  THEN the reason lists the name alone
    bare = Level(targets=("person:priya",), recipients=(PRIYA.model_copy(update={"via": ""}),), ack_timeout_seconds=60)
    result = advance(make_page(levels=(bare,)), OPENED)
    assert result is not None
    assert result.reason == "opened: paging level 1 of 1 (Priya Nair)"
