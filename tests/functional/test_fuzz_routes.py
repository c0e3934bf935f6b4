"""Fuzz every route (issue 10): seeded, bounded requests built from events/ and mutated into odd shapes.

For every webhook route of every provider, the GET handshakes and the ack routes, signed, unsigned and
signed with the wrong secret: no answer is a 5xx; a rejection (4xx, or 200 "skipped: …") queues nothing;
and whatever was queued triages without error. The generators are bench/fuzz_cases.py's, which
``python -m bench.fuzz`` runs for ten thousand requests.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import app as app_module
from bench.fuzz_cases import ROUTES, SHAPES, SIGNINGS, Generator, outcome, send, sqs_refuses
from bench.fuzz_cases import drain as queue_drain
from chalicelib import bootstrap
from chalicelib.api.triage_handler import triage_record
from chalicelib.bootstrap import container
from tests.ack_reply_fakes import FakeTransport
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.signed_requests import sample
from tests.functional.signed_requests import send as send_sample

#: examples per route; with the moto stack made once per group, the whole file stays well under a minute
EXAMPLES_PER_ROUTE = 30
#: routes share a moto stack in groups (making one costs about a second)
GROUPS = {
    "chat": ("POST /webhooks/widget", "POST /webhooks/slack", "GET /health"),
    "social": ("GET /webhooks/x", "POST /webhooks/x", "GET /webhooks/meta", "POST /webhooks/meta"),
    "email": ("POST /webhooks/sendgrid",),
    "twilio": tuple(r for r in ROUTES if r.startswith("POST /webhooks/twilio/")),
    "acks": ("GET /ack/{page_id}", "POST /ack/{page_id}"),
    "answers": ("POST /ack/{page_id}/reply", "POST /ack/{page_id}/call"),
}


def test_the_groups_cover_every_route():
    assert sorted(r for group in GROUPS.values() for r in group) == sorted(ROUTES)


def drain(aws: Any) -> list[dict[str, Any]]:
    return queue_drain(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"])


def open_page(aws: Any) -> tuple[str, tuple[str, ...]]:
    """A VIP's outage through the widget, triaged: the page it opens, and the people on its ladder."""
    assert send_sample(sample("widget/vip-outage")).status_code == 202
    [message] = drain(aws)
    triage_record({"messageId": message["MessageId"], "body": message["Body"]})
    items = aws.clients["dynamodb"].scan(TableName=aws.settings.tickets_table)["Items"]
    page_id = next(i["pk"]["S"].removeprefix("PAGE#") for i in items if i["sk"]["S"] == "PAGE")
    page = container().pages.get(page_id)
    assert page is not None
    return page_id, tuple(r.person for level in page.levels for r in level.recipients)


@pytest.mark.parametrize("group", list(GROUPS), ids=str)
def test_no_route_answers_5xx_and_nothing_rejected_is_queued(aws, group):
    if group == "answers":
        # a call-back's Twilio answers "queued" here: the fuzz is about our routes, not Twilio's reachability
        # and a company line, so a widget customer's call-back can be placed
        api = bootstrap.container("api_handler")
        api.__dict__["provider_http"] = FakeTransport()
        api.__dict__["settings"] = replace(api.settings, support_phone="+16465550123")
    page_id, people = open_page(aws) if group in ("acks", "answers") else ("", ())
    generator = Generator(NIGHT, PUBLIC_URL, page_ids=(page_id,) if page_id else (), people=people)
    routes = GROUPS[group]
    seen: Counter[tuple[str, str]] = Counter()

    @settings(
        max_examples=EXAMPLES_PER_ROUTE * len(routes),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        route=st.sampled_from(routes),
        shape=st.sampled_from(SHAPES),
        signing=st.sampled_from(SIGNINGS),
        rng=st.randoms(use_true_random=False),
    )
    def one_request(route: str, shape: str, signing: str, rng: random.Random) -> None:
        # GIVEN a request built from a real sample, given a shape, signed (or not), its details drawn by hypothesis
        fuzz = generator.request(rng, route, shape, signing)
        # WHEN it reaches the route
        with Client(app_module.app) as client:
            status, body = send(client, fuzz)
        queued = drain(aws)
        result = outcome(status, body)
        seen[(route, result)] += 1
        label = f"{fuzz.route} {fuzz.shape} {fuzz.signing} → {status} {body[:300]!r}"
        # THEN never a 5xx
        assert result != "5xx", label
        # AND a rejection queues nothing
        if result in ("4xx", "skipped"):
            assert queued == [], label
        # AND what was queued is what real SQS accepts (moto accepts more), and triages without error
        for message in queued:
            assert not sqs_refuses(message), label
            triage_record({"messageId": message["MessageId"], "body": message["Body"]})
            assert json.loads(message["Body"])["event_id"]

    # and first, each route's samples as sent (and signed): the baseline every mutation departs from
    for route in routes:
        one_request = example(route=route, shape="sample", signing="signed", rng=random.Random(0))(one_request)
    one_request()
    # every route of the group accepted something (its sample, at least), and rejected something
    assert {route for route, result in seen if result == "accepted"} == set(routes), seen
    assert {route for route, result in seen if result != "accepted"} == set(routes) - {"GET /health"}, seen
