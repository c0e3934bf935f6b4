"""Threads against moto: Twilio's requests for a call nobody answers end in one ticket, its voicemail and a page.

The requests are the samples in events/twilio, signed as Twilio signs them, posted to the API in the
order Twilio sends them; the triage Lambda runs on what they queued.
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.adapters.tickets_table import ticket_from_item
from local import tables
from local.samples import all_samples, local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import NIGHT, PUBLIC_URL

SAMPLES = {s.name: s for s in all_samples() if s.is_http}
CALL = [
    "twilio/call-01-incoming",
    "twilio/call-02-dial-no-answer",
    "twilio/call-03-dial-busy",
    "twilio/call-04-recording",
    "twilio/call-05-transcription",
]


@pytest.fixture
def worker(aws):
    return QueueWorker(
        aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage", retry_delay=0
    )


def post(*names: str) -> None:
    with Client(app_module.app) as client:
        for name in names:
            request = signed(SAMPLES[name], local_secrets(), NIGHT, PUBLIC_URL)
            response = client.http.post(request.path, headers=request.headers, body=request.body)
            assert response.status_code == 200, response.body


def triage_all(worker: QueueWorker) -> None:
    """Run the triage Lambda until the queue is empty, one batch at a time as SQS would deliver it."""
    while worker.run_once(wait_seconds=0).received:
        pass


def items(aws, ticket_id: str) -> list[dict[str, Any]]:
    response = aws.clients["dynamodb"].query(
        TableName=aws.stack.outputs["TicketsTableName"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}},
    )
    found: list[dict[str, Any]] = response["Items"]
    return found


def test_a_call_nobody_answers_ends_in_a_voicemail_on_its_ticket_and_a_page_with_the_transcript(aws, worker):
    # GIVEN Twilio's requests for Dana's call: ring, no answer, busy, the recording, the transcription
    post(*CALL)
    # WHEN the triage Lambda runs on everything they queued
    triage_all(worker)
    # THEN one ticket holds the call and its two voicemail callbacks
    [ticket] = aws.tickets()
    assert ticket["event_id"]["S"].startswith("twilio:call:CA")
    assert ticket["messages"]["N"] == "3"
    follow_ups = sorted(
        i["event_id"]["S"].split(":")[1]
        for i in items(aws, ticket["ticket_id"]["S"])
        if i["sk"]["S"].startswith("MSG#")
    )
    assert follow_ups == ["recording", "transcription"]
    # AND the last page carries the transcript, on the call's ticket
    pages = aws.pages()
    transcript_pages = [p for p in pages if "investor meeting in ten minutes" in p["Message"]]
    assert transcript_pages, [p["Message"] for p in pages]
    assert {p["MessageAttributes"]["ticket_id"]["Value"] for p in pages} == {ticket["ticket_id"]["S"]}


@pytest.mark.parametrize(
    ("first", "then", "messages"),
    [
        # SQS keeps no order: the voicemail callbacks can reach triage before the call's own event
        (("call-04-recording", "call-05-transcription"), ("call-01-incoming",), ["call", "recording", "transcription"]),
        # Twilio retries the recording callback
        (("call-01-incoming", "call-04-recording"), ("call-04-recording",), ["call", "recording"]),
    ],
    ids=["voicemail-before-its-call", "recording-retried"],
)
def test_a_calls_callbacks_land_once_on_one_ticket_in_any_order(
    aws, worker, first: tuple[str, ...], then: tuple[str, ...], messages: list[str]
):
    # GIVEN some of a call's requests were triaged
    post(*(f"twilio/{name}" for name in first))
    triage_all(worker)
    # WHEN the rest arrive and are triaged
    post(*(f"twilio/{name}" for name in then))
    triage_all(worker)
    # THEN one ticket holds each message once
    [ticket] = aws.tickets()
    assert ticket["messages"]["N"] == str(len(messages))
    stored = [i["event_id"]["S"].split(":")[1] for i in items(aws, ticket["ticket_id"]["S"]) if "event_id" in i]
    assert sorted(stored) == messages


def test_a_reply_to_a_resolved_ticket_opens_a_new_ticket(aws, worker):
    post("twilio/call-01-incoming")
    triage_all(worker)
    [first] = aws.tickets()
    # GIVEN the call's ticket was resolved
    aws.clients["dynamodb"].update_item(
        TableName=aws.stack.outputs["TicketsTableName"],
        Key={"pk": first["pk"], "sk": first["sk"]},
        UpdateExpression="SET #s = :r",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":r": {"S": "resolved"}},
    )
    # WHEN Dana texts the same number
    post("twilio/sms-01-urgent")
    triage_all(worker)
    # THEN the text is a ticket of its own, and the thread now leads to it
    tickets = {t["event_id"]["S"].split(":")[1]: t for t in aws.tickets()}
    assert sorted(tickets) == ["call", "sms"]
    assert tickets["sms"]["messages"]["N"] == "1"
    pointer = aws.clients["dynamodb"].get_item(
        TableName=aws.stack.outputs["TicketsTableName"],
        Key={"pk": {"S": "THREAD#twilio:+12125550100|+16465550123"}, "sk": {"S": "THREAD"}},
    )["Item"]
    assert pointer["ticket_id"] == tickets["sms"]["ticket_id"]
    assert ticket_from_item(tickets["sms"]).event.channel == "sms"


def test_the_tickets_table_shows_a_ticket_as_its_most_urgent_message_left_it(aws, worker):
    # GIVEN a quiet reply in Contoso's shared Slack channel opened the ticket (P3, no page)
    post("slack/thread-reply")
    triage_all(worker)
    # WHEN the 502s message in the same thread pages on its own decision
    post("slack/vip-outage-shared-channel")
    triage_all(worker)
    # THEN `make run`'s table shows the ticket at the follow-up's priority, with the page it sent
    [row] = tables.tickets(aws.clients["dynamodb"], aws.stack.outputs["TicketsTableName"])
    assert (row.messages, row.priority, row.route) == (2, "P1", "default")
    assert row.paged == "founders, support"
