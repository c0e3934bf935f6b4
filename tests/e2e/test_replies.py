"""Replies end to end: the platform over HTTP, the replies worker, and the providers' stand-in on loopback."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from chalicelib import bootstrap
from local.escalation_demo import _fetch
from local.platform import Platform
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed
from local.standin import StandIn
from local.worker import QueueWorker
from tests.e2e.conftest import E2E, NIGHT, fresh, sign
from tests.fakes import FakeClock


def replies_worker(platform: Platform) -> QueueWorker:
    assert platform.replies_worker is not None
    return platform.replies_worker


def standin(platform: Platform) -> StandIn:
    assert platform.standin is not None
    return platform.standin


def triaged(e2e: E2E, sample: SampleRequest) -> dict[str, Any]:
    """Post the sample, triage it, send its replies; the ticket item."""
    delivery = e2e.post(sample)
    assert delivery.ok, delivery.line(20)
    assert e2e.worker.drain(timeout=20)
    assert replies_worker(e2e.platform).drain(timeout=20)
    [ticket] = e2e.tickets_for(delivery.event_ids[0])
    return ticket


def sent_to(platform: Platform, to: str) -> list[str]:
    """What the stand-in accepted for one recipient (a widget conversation, a phone number, …)."""
    return [m.text for m in standin(platform).received if m.to == to]


def test_an_auto_reply_reaches_the_widget_backend_once_signed_and_the_ticket_says_so(e2e):
    # GIVEN a VIP's widget message at night
    sample = sign(fresh("vip-outage"))
    conversation = json.loads(sample.body)["data"]["conversation_id"]
    # WHEN it is triaged and the replies worker runs (and the same webhook is delivered again)
    ticket = triaged(e2e, sample)
    e2e.post(sample)
    assert e2e.worker.drain(timeout=20) and replies_worker(e2e.platform).drain(timeout=20)
    # THEN the widget backend received one signed reply in that conversation, and the ticket says who answered
    [text] = sent_to(e2e.platform, conversation)
    assert text.startswith("Hi Dana, we have paged our on-call engineer")
    assert ticket["ticket_id"]["S"]
    stored = bootstrap.container().tickets.get(ticket["ticket_id"]["S"])
    assert stored is not None and stored.replied_by == "switchboard" and stored.replied_at == NIGHT


def test_a_429_is_retried_after_the_providers_wait_and_then_delivered(e2e):
    # GIVEN the widget backend answers 429 once, asking for no wait at all
    standin(e2e.platform).fail("widget", status=429, retry_after=0, times=1)
    sample = sign(fresh("free-howto"))
    conversation = json.loads(sample.body)["data"]["conversation_id"]
    # WHEN the message is triaged, and the replies worker runs again once the platform's clock has moved on
    triaged(e2e, sample)
    assert sent_to(e2e.platform, conversation) == []
    clock = e2e.platform.options.clock
    assert isinstance(clock, FakeClock)
    try:
        clock.now += timedelta(seconds=30)
        e2e.post(sample)  # the widget's retry of the same message: its reply is queued again, and sent once
        assert e2e.worker.drain(timeout=20) and replies_worker(e2e.platform).drain(timeout=20)
    finally:
        clock.now = NIGHT
    # THEN the reply went out on the retry, once
    assert len(sent_to(e2e.platform, conversation)) == 1


@pytest.mark.parametrize(
    ("sample", "ticket"),
    [("sendgrid/out-of-office", False), ("sendgrid/newsletter", True)],
    ids=["out-of-office: no ticket", "newsletter: a ticket, never answered"],
)
def test_automatic_and_bulk_email_gets_no_reply(e2e, sample, ticket):
    # GIVEN an automatic or list email, signed as SendGrid posts it
    request = signed(load(EVENTS_DIR / f"{sample}.json"), local_secrets(), NIGHT, e2e.platform.api_url)
    delivery = e2e.post(request)
    assert delivery.ok
    assert e2e.worker.drain(timeout=20) and replies_worker(e2e.platform).drain(timeout=20)
    # THEN nothing was sent; a list mail's ticket records why
    tickets = [t for event_id in delivery.event_ids for t in e2e.tickets_for(event_id)]
    assert bool(tickets) is ticket
    for item in tickets:
        [reply] = bootstrap.container().reply_outbox.for_ticket(item["ticket_id"]["S"])
        assert reply.state.value == "skipped" and (reply.reason or "").startswith("not answered: a mailing list")


def test_a_reply_from_the_ack_page_reaches_the_customer_and_stops_the_sla_timer(e2e, inbox):
    # GIVEN a paged VIP ticket with a first-response timer
    sample = sign(fresh("vip-outage"))
    conversation = json.loads(sample.body)["data"]["conversation_id"]
    ticket_id = triaged(e2e, sample)["ticket_id"]["S"]
    c = bootstrap.container()
    page_id = next(e.page_id for e in c.pages.timeline(ticket_id) if e.page_id)
    page = c.pages.get(page_id)
    assert page is not None
    person = page.levels[0].recipients[0]
    url = c.paging.link(page, person, NIGHT)
    # WHEN the paged person opens the link and sends a reply from the page's form
    shown, html = _fetch(url)
    token = re.search(r'name="token" value="([^"]*)"', html)
    assert shown == 200 and token is not None
    fields = dict(parse_qsl(urlsplit(url).query)) | {"token": token.group(1), "text": "Dana, Maya here: on it."}
    status, _ = _fetch(url.split("?", 1)[0] + "/reply", urlencode(fields).encode())
    assert status == 200
    assert replies_worker(e2e.platform).drain(timeout=20)
    # THEN the customer received it in the widget, the ticket names who replied, and the timer is stopped
    assert sent_to(e2e.platform, conversation)[-1] == "Dana, Maya here: on it."
    table = e2e.outputs["TicketsTableName"]
    sla = e2e.platform.clients["dynamodb"].get_item(  # the timer is on the ticket item
        TableName=table, Key={"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "TICKET"}}
    )["Item"]
    assert "answered_at" in sla and "due" not in sla
    replies = c.reply_outbox.for_ticket(ticket_id)
    assert [(r.kind.value, r.state.value) for r in replies] == [("auto", "sent"), ("person", "sent")]
