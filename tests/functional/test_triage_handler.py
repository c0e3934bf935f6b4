"""The triage Lambda against moto: batches, partial failures, dedup, pages, and the DLQ."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.tickets_table import ticket_from_item
from local.samples import all_samples, local_secrets, signed
from local.worker import QueueWorker

WIDGET = {s.name.split("/", 1)[1]: s for s in all_samples() if s.provider == "widget"}


def deliver(*names: str) -> None:
    """Post samples through the API, as the widget would."""
    with Client(app_module.app) as client:
        for name in names:
            request = signed(WIDGET[name], local_secrets(), bootstrap.container().clock())
            assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 202


@pytest.fixture
def worker(aws):
    # retry_delay=0: a failed record is visible again at once, so receive counts climb quickly
    return QueueWorker(
        aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage", retry_delay=0
    )


def test_an_urgent_message_becomes_one_ticket_and_one_page_per_target(aws, worker):
    # GIVEN a VIP's outage report accepted by the API
    deliver("vip-outage")
    # WHEN the triage Lambda runs on the batch
    result = worker.run_once(wait_seconds=0)
    # THEN one ticket with its decision and reasons, and one page to each target's topic
    assert result.failed == ()
    (ticket,) = aws.tickets()
    assert (ticket["priority"]["S"], ticket["route"]["S"], ticket["page_status"]["S"]) == (
        "P1",
        "key-customer-critical",
        "sent",
    )
    assert any(
        r.startswith("urgency 100 (critical): outage ('is down') +50; deadline 'in 10 minutes' (10 min away) +45")
        for r in ticket_from_item(ticket).decision.reasons
    )
    pages = aws.pages()
    topics = sorted(p["TopicArn"].rsplit("-", 1)[-1] for p in pages)
    assert topics == ["founders", "support"]
    assert pages[0]["Subject"].startswith("[P1] Dana Whitfield (Northwind): Our dashboard is down")
    assert pages[0]["MessageAttributes"]["priority"]["Value"] == "P1"


def test_the_same_webhook_three_times_is_one_ticket_and_one_round_of_pages(aws, worker):
    # GIVEN the widget delivered the same message three times (its retries)
    deliver("vip-outage", "vip-outage-retry", "vip-outage")
    # WHEN triage processes them
    assert worker.drain(timeout=10)
    # THEN one ticket, and the founders and support are each paged once
    assert len(aws.tickets()) == 1
    assert len(aws.pages()) == 2


def test_a_quiet_message_is_stored_without_a_page(aws, worker):
    deliver("free-howto")
    worker.run_once(wait_seconds=0)
    (ticket,) = aws.tickets()
    assert (ticket["priority"]["S"], ticket["page_status"]["S"]) == ("P4", "none")
    assert aws.pages() == []


def test_a_malformed_record_fails_alone_and_ends_in_the_dlq_after_five_receives(aws, worker):
    # GIVEN a batch with two good events and one record that is not a SupportEvent
    deliver("free-howto", "pro-cant-login")
    queue = aws.stack.outputs["EventsQueueUrl"]
    poison = aws.clients["sqs"].send_message(QueueUrl=queue, MessageBody=json.dumps({"hello": "world"}))["MessageId"]
    # WHEN triage runs on the batch
    first = worker.run_once(wait_seconds=0)
    # THEN only the poison record is reported failed, and the good ones are stored
    assert len(first.received) == 3
    assert first.failed == (poison,)
    assert len(aws.tickets()) == 2
    # WHEN it keeps failing: receives 2 to 5 fail, and the sixth receive finds it in the DLQ
    for _ in range(4):
        assert worker.run_once(wait_seconds=0).failed == (poison,)
    assert worker.run_once(wait_seconds=0).received == ()
    dead = aws.queue_messages(aws.stack.outputs["EventsDeadLetterQueueUrl"])
    assert [m["MessageId"] for m in dead] == [poison]
    assert len(aws.tickets()) == 2
