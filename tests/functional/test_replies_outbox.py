"""The reply outbox against moto, IAM enforced: recorded with the ticket, sent once by the replies function."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.ticket_page import read_ticket_page
from chalicelib.replies.model import GRACE, ReplyState, SendResult, auto_reply_id
from cli.main import main
from local.samples import all_samples, local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import Aws
from tests.functional.paging_helpers import sweep
from tests.reply_fakes import ScriptedSender

WIDGET = {s.name.split("/", 1)[1]: s for s in all_samples() if s.provider == "widget"}


def deliver(name: str) -> None:
    with Client(app_module.app) as client:
        request = signed(WIDGET[name], local_secrets(), bootstrap.container().clock())
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 202


@pytest.fixture
def sender(aws, clock):
    """The replies function's own container (its IAM user), with a scripted provider in place of HTTP."""
    provider = ScriptedSender()
    container = bootstrap.Container(
        aws.settings, clock=clock, session=aws.session("send_replies"), reply_sender=provider
    )
    bootstrap.use(container, "send_replies")
    return provider


def workers(aws: Aws) -> tuple[QueueWorker, QueueWorker]:
    triage = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    # retry_delay None: as in Lambda, a failed record returns when the handler's visibility timeout ends
    replies = QueueWorker(
        aws.clients["sqs"],
        aws.stack.outputs["RepliesQueueUrl"],
        app_module.send_replies,
        "send_replies",
        retry_delay=None,
    )
    return triage, replies


def reply_items(aws: Aws) -> list[dict[str, Any]]:
    items = aws.clients["dynamodb"].scan(TableName=aws.stack.outputs["TicketsTableName"])["Items"]
    return [i for i in items if i["sk"]["S"].startswith("REPLY#")]


def test_a_tickets_auto_reply_is_stored_with_it_and_sent_once_under_three_deliveries(aws, sender):
    # GIVEN a message whose route answers automatically, triaged
    triage, replies = workers(aws)
    deliver("vip-outage")
    assert triage.run_once(wait_seconds=0).failed == ()
    [ticket] = aws.tickets()
    [item] = reply_items(aws)
    assert item["state"]["S"] == "pending" and item["ticket_id"] == ticket["ticket_id"]
    reply_id = item["sk"]["S"].removeprefix("REPLY#")
    assert reply_id == auto_reply_id(ticket["ticket_id"]["S"], ticket["event_id"]["S"])
    # WHEN the replies queue holds its message three times (triage's own plus two redeliveries)
    for _ in range(2):
        aws.clients["sqs"].send_message(
            QueueUrl=aws.stack.outputs["RepliesQueueUrl"], MessageBody=json.dumps({"reply_id": reply_id})
        )
    result = replies.run_once(wait_seconds=0)
    # THEN the replies function (under its own policy) sent it once, and the ticket shows who answered when
    assert len(result.received) == 3 and result.failed == ()
    assert len(sender.sent) == 1
    [item] = reply_items(aws)
    assert item["state"]["S"] == "sent"
    ticket = aws.clients["dynamodb"].get_item(
        TableName=aws.stack.outputs["TicketsTableName"], Key={"pk": ticket["pk"], "sk": ticket["sk"]}
    )["Item"]
    assert ticket["replied_by"]["S"] == "switchboard"
    # and the ticket's timeline says it, from the line the settled reply keeps (no LOG# item of its own)
    c = bootstrap.container()
    assert [e.kind.value for e in c.pages.timeline(ticket["ticket_id"]["S"]) if e.kind.value == "replied"] == []
    [entry] = c.reply_outbox.entries(ticket["ticket_id"]["S"])
    assert entry.kind.value == "replied" and entry.text.startswith("auto-reply sent to")
    page = read_ticket_page(c.dynamodb, aws.settings.tickets_table, c.pages, c.ticket_queries, ticket["ticket_id"]["S"])
    assert [e for e in page.timeline if e.kind.value == "replied"] == [entry]


def test_tickets_show_says_who_replied_when_and_lists_each_reply(aws, sender, capsys):
    # GIVEN a ticket whose auto-reply went out
    triage, replies = workers(aws)
    deliver("vip-outage")
    triage.run_once(wait_seconds=0)
    replies.run_once(wait_seconds=0)
    [ticket] = aws.tickets()
    # WHEN an operator shows it
    capsys.readouterr()
    assert main(["tickets", "show", ticket["ticket_id"]["S"], "--table", aws.settings.tickets_table]) == 0
    out = capsys.readouterr().out
    # THEN the header says when the customer heard back, and the replies section what was sent
    assert "  replied      2026-11-17 08:00:00 by switchboard" in out
    lines = out.splitlines()
    [line] = lines[lines.index("replies") + 1 : lines.index("replies") + 2]
    assert line.startswith("  2026-11-17 08:00:00  auto    switchboard") and "sent · Hi Dana" in line
    # and the timeline has the reply's line, as when it was an item of its own
    assert "auto-reply sent to Dana Whitfield" in out


def test_a_provider_429_hides_the_message_for_its_retry_after_and_keeps_the_reply_pending(aws, sender):
    triage, replies = workers(aws)
    deliver("vip-outage")
    triage.run_once(wait_seconds=0)
    sender.script = [SendResult.transient("429 Too Many Requests", retry_after=600)]
    # WHEN the provider says "later"
    result = replies.run_once(wait_seconds=0)
    # THEN the record failed, its message is invisible for the wait (not back at once), the reply pending with why
    assert len(result.failed) == 1
    assert replies.run_once(wait_seconds=0).received == ()
    [item] = reply_items(aws)
    assert item["state"]["S"] == "pending" and item["last_error"]["S"] == "429 Too Many Requests"
    assert "lease_until" not in item


def test_the_sweep_queues_a_reply_whose_message_was_lost(aws, sender, clock):
    # GIVEN a reply recorded, and its queue message lost
    triage, replies = workers(aws)
    deliver("vip-outage")
    triage.run_once(wait_seconds=0)
    aws.clients["sqs"].purge_queue(QueueUrl=aws.stack.outputs["RepliesQueueUrl"])
    # WHEN the every-minute sweep runs after the grace (as the escalate function, under its own policy)
    clock.now += GRACE + timedelta(seconds=1)
    assert sweep()["replies_requeued"] == 1
    # THEN the replies function sends it
    replies.run_once(wait_seconds=0)
    assert len(sender.sent) == 1
    [item] = reply_items(aws)
    assert ReplyState(item["state"]["S"]) is ReplyState.SENT
