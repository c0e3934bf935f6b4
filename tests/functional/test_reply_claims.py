"""The outbox's claim and settle against moto, in both forms (one transaction each, or separate writes):
each refusal maps to the outcome the service expects, read off the cancellation reasons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters.replies_table import DynamoReplyOutbox
from chalicelib.model.timeline import Entry, Kind
from chalicelib.replies.model import GRACE, Claim, ReplyState, ThreadBusy, ThreadHold
from tests.reply_samples import RECEIVED, reply_to, sample

NOW = RECEIVED + timedelta(minutes=1)
LEASE = NOW + timedelta(seconds=60)
DAY = timedelta(hours=24)


def outbox(aws: Any, transact: bool) -> DynamoReplyOutbox:
    return DynamoReplyOutbox(aws.clients["dynamodb"], aws.stack.outputs["TicketsTableName"], transact=transact)


def items(aws: Any, prefix: str) -> list[dict[str, Any]]:
    table = aws.stack.outputs["TicketsTableName"]
    found = aws.clients["dynamodb"].scan(TableName=table)["Items"]
    return [i for i in found if i["pk"]["S"].startswith(prefix) or i["sk"]["S"].startswith(prefix)]


@pytest.mark.parametrize("transact", [True, False], ids=["transaction", "separate"])
def test_a_thread_answered_by_another_reply_refuses_the_claim(aws, transact):
    # GIVEN two auto-replies in one thread, the first claimed with the thread
    box = outbox(aws, transact)
    first, second = (reply_to(sample("twilio/sms-01-urgent")) for _ in range(2))
    second = second.model_copy(update={"reply_id": first.reply_id + "-2"})
    for reply in (first, second):
        assert box.record(reply, NOW + GRACE)
    thread = ThreadHold(first.event.thread_key or "", NOW + DAY)
    assert isinstance(box.claim(box.read([first.reply_id])[first.reply_id], NOW, LEASE, thread), Claim)
    # WHEN the second claims within the window
    outcome = box.claim(box.read([second.reply_id])[second.reply_id], NOW, LEASE, thread)
    # THEN it is refused as thread-busy; in one transaction nothing was written, apart the reply is held
    assert isinstance(outcome, ThreadBusy) and outcome.claimed is not transact
    [stored] = [i for i in items(aws, "REPLY#") if i["sk"]["S"].endswith("-2")]
    assert ("lease_until" in stored) is not transact
    # AND settling it skipped, as the holder it is (or is not), takes
    assert box.settle(outcome.reply, ReplyState.SKIPPED, NOW, reason="thread", claimed=outcome.claimed)
    assert box.get(second.reply_id).state is ReplyState.SKIPPED  # type: ignore[union-attr]


@pytest.mark.parametrize("transact", [True, False], ids=["transaction", "separate"])
def test_a_claim_on_a_stale_read_claims_the_reply_as_it_is_now_or_not_at_all(aws, transact):
    # GIVEN a reply read, then claimed and released by another delivery (a timeout: in_flight kept)
    box = outbox(aws, transact)
    reply = reply_to(sample("twilio/sms-01-urgent"))
    box.record(reply, NOW + GRACE)
    stale = box.read([reply.reply_id])[reply.reply_id]
    assert isinstance(box.claim(stale, NOW, LEASE), Claim)
    box.release(reply.reply_id, NOW, NOW, "read timed out", uncertain=True)
    # WHEN this delivery claims from its stale read (with the thread: the transaction's reasons tell)
    thread = ThreadHold(reply.event.thread_key or "", NOW + DAY)
    claim = box.claim(stale, NOW + timedelta(seconds=1), LEASE + timedelta(seconds=1), thread)
    # THEN it claimed the reply as it is: the second attempt, the cut-off one counted a possible duplicate
    assert isinstance(claim, Claim) and claim.interrupted
    assert (claim.reply.attempts, claim.reply.possible_duplicates) == (2, 1)
    assert box.get(reply.reply_id).possible_duplicates == 1  # type: ignore[union-attr]
    # AND a claim from the same stale read once the reply is sent is refused
    assert box.settle(claim.reply, ReplyState.SENT, NOW, message_id="SM1")
    assert box.claim(stale, NOW + timedelta(minutes=5), LEASE + timedelta(minutes=5), thread) is None


@pytest.mark.parametrize("transact", [True, False], ids=["transaction", "separate"])
def test_a_settle_writes_the_mark_and_the_timeline_once_and_a_second_settle_nothing(aws, transact):
    # GIVEN a claimed reply whose ticket does not exist (a stray): the mark must not create one
    box = outbox(aws, transact)
    reply = reply_to(sample("twilio/sms-01-urgent"))
    box.record(reply, NOW + GRACE)
    claim = box.claim(box.read([reply.reply_id])[reply.reply_id], NOW, LEASE)
    assert isinstance(claim, Claim)
    entry = Entry(at=NOW, kind=Kind.REPLIED, actor="switchboard", text="auto-reply sent")
    # WHEN it settles sent, and a racing delivery settles it again
    first = box.settle(claim.reply, ReplyState.SENT, NOW, message_id="SM1", entry=entry, replied_by="switchboard")
    again = box.settle(claim.reply, ReplyState.FAILED, NOW, reason="late", entry=entry.model_copy(update={"text": "x"}))
    # THEN the first outcome stands with its one timeline entry, and no stub ticket was written
    assert (first, again) == (True, False)
    assert box.get(reply.reply_id).state is ReplyState.SENT  # type: ignore[union-attr]
    # (the timeline's line is kept on the settled reply, not a LOG# item: the first one, not the racer's)
    assert items(aws, "LOG#") == []
    assert box.entries(reply.ticket_id) == [entry]
    assert items(aws, "TICKET#T-0123456789") and not [i for i in items(aws, "TICKET") if i["sk"]["S"] == "TICKET"]
