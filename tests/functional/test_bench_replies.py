"""The replies benchmark on a few tickets: its counts add up, and a copy reaches a customer only when it was counted.

These assert the benchmark's counting against runs with a known answer, never its timing.
"""

from __future__ import annotations

import json

import pytest

from bench import replies
from bench.replies_report import format_report, summary

TICKETS = 12
SEED = 1


@pytest.fixture(scope="module")
def clean() -> replies.RepliesResult:
    return replies.run(TICKETS, fault_rate=0.0, seed=SEED)


@pytest.fixture(scope="module")
def failing() -> replies.RepliesResult:
    # half the sends fail: every kind of failure turns up in a dozen tickets
    return replies.run(TICKETS, fault_rate=0.5, seed=SEED)


def test_without_failures_each_ticket_is_answered_once_and_each_follow_up_skipped(clean) -> None:
    # GIVEN a dozen tickets (and a follow-up in one of their threads), each delivered three times
    o, q = clean.outcomes, clean.queue
    # THEN each ticket's reply was sent once, the follow-up's skipped (its thread was answered), nothing more
    assert o.replies == TICKETS + clean.follow_ups > TICKETS
    assert o.states == {"sent": TICKETS, "failed": 0, "skipped": clean.follow_ups, "pending": 0}
    assert o.received == o.attempts == TICKETS
    assert (o.duplicates, o.possible_duplicates, q.dlq_messages) == (0, 0, 0)
    # and each reply was queued once per delivery of its message
    assert q.messages == replies.DELIVERIES * o.replies


def test_under_failures_the_counts_add_up_and_every_duplicate_was_counted(failing) -> None:
    o = failing.outcomes
    # GIVEN a provider that refused some replies for good, asked for others later, and lost answers after sending
    assert {"permanent", "429", "503", "timeout after sending", "sent"} <= set(o.provider)
    # THEN every reply ended sent, failed or skipped, and what the outbox says sent reached the customer
    assert o.states["sent"] + o.states["failed"] + o.states["skipped"] == o.replies
    assert o.states["pending"] == 0 and o.states["failed"] > 0
    assert o.sent_not_received == 0
    # and no customer got a reply twice unless a timeout after sending caused it, and the outbox counted it
    assert o.duplicates == o.duplicates_after_lost_answer
    assert o.uncounted_duplicates == 0 and o.possible_duplicates >= o.duplicates


def test_the_bill_counts_the_reply_path_and_the_report_says_so(failing) -> None:
    keys = failing.requests
    # THEN the reply item rides in triage's transaction (units, no request of its own), and each part is counted
    own_requests, write_units, _ = keys[("DynamoDB", "triage", "reply item in the ticket's transaction")]
    assert own_requests == 0 and write_units >= 2 * failing.outcomes.replies  # transactional: 2 units a KB
    # (a transaction is named by its parts: a settle rides with the next claim, "settle + … + claim")
    parts = {
        part
        for (service, phase, name), (requests, _, _) in keys.items()
        if service == "DynamoDB" and phase == "sender" and requests > 0
        for part in name.split(" + ")
    }
    # (the timeline's line is on the settled reply: no item of its own)
    for part in ("claim", "settle", "claim the thread", "mark the ticket replied"):
        assert part in parts, part
    assert keys[("SQS", "sender", "ChangeMessageVisibility")][0] > 0
    assert keys[("DynamoDB", "sweep", "sweep: query due replies")][2] > 0
    assert failing.bill.total_usd > 0
    report = format_report(failing)
    assert "permanent failures" in report and "per 1,000 replies" in report and "DLQ" in summary(failing)
    assert json.loads(json.dumps(failing.to_dict()))["outcomes"]["replies"] == failing.outcomes.replies


def test_the_same_arguments_give_the_same_figures(failing) -> None:
    # WHEN the failing run is repeated with the same seed
    again = replies.run(TICKETS, fault_rate=0.5, seed=SEED)
    # THEN every figure is the same
    assert again.to_dict() == failing.to_dict()
