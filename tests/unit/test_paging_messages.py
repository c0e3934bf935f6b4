"""What SNS publishes for a page: an SMS that always fits and ends with the ack code, a full email, attributes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.paging.messages import SMS_LIMIT, SUBJECT_LIMIT, email_text, publish_args, sms_text
from tests.paging_fixtures import FOUNDERS, ON_CALL, OPENED, make_page

ARN = "arn:aws:sns:us-east-1:123456789012:switchboard-founders"
LINKS = {
    "maya": "https://pager.example/ack/P-0a1b2c3d4e?p=maya&e=1795593600&s=sig-maya",
    "tom": "https://pager.example/ack/P-0a1b2c3d4e?p=tom&e=1795593600&s=sig-tom",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, "[P1] Northwind Traders: Checkout is down for all our stores Reply ACK 482913", id="fits"),
        pytest.param(
            {"count": 3, "summary": "checkout\nis   down"},
            "[P1] Northwind Traders: checkout is down (3 msgs) Reply ACK 482913",
            id="count-and-newlines-folded",
        ),
        pytest.param(
            {"summary": "Our whole checkout flow has been failing since the deploy at 2am. " * 5, "count": 12},
            "[P1] Northwind Traders: Our whole checkout flow has been failing since the deploy at 2am. "
            "Our whole checkout flow has been failing s… (12 msgs) Reply ACK 482913",
            id="long-summary-truncated",
        ),
        pytest.param(
            {"customer": "X" * 300, "summary": "short"},
            "[P1] " + "X" * 130 + "…: short Reply ACK 482913",
            id="long-customer-takes-what-the-summary-leaves",
        ),
        pytest.param(
            {"customer": "株式会社" * 30, "summary": "決済が止まっています🔥" * 20},
            None,
            id="long-cjk-and-emoji",
        ),
    ],
)
def test_sms_text(changes, expected):
    # GIVEN a page  WHEN its SMS is written
    text = sms_text(make_page(**changes))
    # THEN it fits one SMS and ends with the ack instruction
    assert len(text) <= SMS_LIMIT
    assert text.endswith("ACK 482913")
    if expected is not None:
        assert text == expected
    else:
        # both long parts got a share, each marked as cut
        assert text.count("…") == 2


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(
    priority=st.text(max_size=40),
    customer=st.text(max_size=400),
    summary=st.text(max_size=2000),
    count=st.integers(min_value=1, max_value=10**9),
    code=st.text(alphabet="0123456789", min_size=4, max_size=8),
)
def test_sms_always_fits_and_ends_with_the_ack_code(priority, customer, summary, count, code):
    # GIVEN any priority, customer, summary (any unicode, any length), count and ack code
    page = make_page(priority=priority, customer=customer, summary=summary, count=count, ack_code=code)
    # WHEN its SMS is written
    text = sms_text(page)
    # THEN it is one line of at most 160 characters that ends with the instruction
    assert len(text) <= SMS_LIMIT
    assert text.endswith(f" ACK {code}")
    assert "\n" not in text


def test_publish_args_for_the_founders_level():
    # GIVEN a page that has escalated to the founders
    page = make_page(level=1, step=2, count=2, summary="Checkout down\nsince 2am", tier="")
    # WHEN the founders' topic gets its message
    args = publish_args(page, FOUNDERS, ARN, LINKS, OPENED, topic="founders")
    # THEN it is a per-protocol JSON message with the SMS, the email and a default
    assert args["TopicArn"] == ARN
    assert args["MessageStructure"] == "json"
    message = json.loads(args["Message"])
    assert set(message) == {"default", "sms", "email"}
    assert message["sms"] == sms_text(page)
    assert message["email"] == message["default"] == email_text(page, FOUNDERS, LINKS, now=OPENED)
    # AND a one-line subject under SNS's limit
    assert args["Subject"] == "[P1] Northwind Traders: Checkout down since 2am"
    # AND attributes a FilterPolicy can select on; the empty tier is left out rather than sent blank
    attributes = args["MessageAttributes"]
    assert {k: v["StringValue"] for k, v in attributes.items() if v["DataType"] == "String"} == {
        "kind": "page",  # an acknowledgement notice or a digest says so here
        "priority": "P1",
        "team": "platform",
        "channel": "widget",
        "ticket_id": "T-20261124-0001",
        "page_id": "P-0a1b2c3d4e",
    }
    assert attributes["people"]["DataType"] == "String.Array"
    assert json.loads(attributes["people"]["StringValue"]) == ["maya", "tom"]


@pytest.mark.parametrize(
    ("topic", "people"),
    [
        pytest.param("founders", ["maya", "tom"], id="founders-topic"),
        pytest.param("platform", ["priya"], id="platform-topic"),
        pytest.param(None, ["priya", "maya", "tom"], id="topic-not-given-everyone"),
    ],
)
def test_people_attribute_names_only_this_topics_recipients(topic, people):
    # GIVEN a level reaching people on two topics
    mixed = ON_CALL.model_copy(update={"recipients": (*ON_CALL.recipients, *FOUNDERS.recipients)})
    page = make_page(levels=(mixed,), level=0)
    # WHEN it is published to one topic  THEN "people" lists whom that topic's copy is for
    args = publish_args(page, mixed, ARN, LINKS, OPENED, topic=topic)
    assert json.loads(args["MessageAttributes"]["people"]["StringValue"]) == people


def test_subject_is_short_and_one_line_for_any_summary():
    # GIVEN a summary with control characters and far too long
    page = make_page(summary="bell\x07 and\r\nnewlines " + "x" * 300)
    # WHEN published  THEN the subject is under the limit, one line, no control characters, marked as cut
    subject = publish_args(page, ON_CALL, ARN, {}, OPENED)["Subject"]
    assert len(subject) <= SUBJECT_LIMIT
    assert subject.endswith("…")
    assert all(ord(c) >= 32 for c in subject)


def test_email_has_the_full_context_and_every_link():
    # GIVEN a page escalated to the founders, with their links
    page = make_page(level=1, step=2, count=3)
    # WHEN the email is written
    text = email_text(page, FOUNDERS, LINKS, now=OPENED)
    # THEN it has the context, who is reached and why, what happens next, the links and the SMS fallback
    for expected in (
        "[P1] Northwind Traders: Checkout is down for all our stores (3 messages)",
        "Customer:  Northwind Traders (enterprise tier)",
        "Channel:   widget",
        "Ticket:    T-20261124-0001",
        "Page:      P-0a1b2c3d4e (team platform)",
        "This page reaches level 2 of 2: Maya Chen, Tom Okafor — team founders.",
        "If nobody acknowledges within 15 minutes (by 08:15 UTC on 24 Nov 2026), "
        "the ladder starts again at level 1 (round 2 of 3).",
        f"  Maya Chen: {LINKS['maya']}",
        f"  Tom Okafor: {LINKS['tom']}",
        "or reply ACK 482913 by SMS.",
        "  - urgency 0.92: outage words, VIP customer",
        "Escalation ladder (policy urgent, runs 3 times):",
        "  1. Priya Nair, on call, rotation primary — 5 minutes to acknowledge",
        "  2. Maya Chen, Tom Okafor — team founders — 15 minutes to acknowledge  ← this page",
    ):
        assert expected in text.splitlines(), expected


@pytest.mark.parametrize(
    ("changes", "level", "next_line"),
    [
        pytest.param(
            {"level": 0},
            ON_CALL,
            "If nobody acknowledges within 5 minutes, it escalates to level 2 of 2 "
            "(Maya Chen, Tom Okafor — team founders).",
            id="first-level-escalates",
        ),
        pytest.param(
            {"level": 1, "round": 2},
            FOUNDERS,
            "If nobody acknowledges within 15 minutes, escalation stops with nobody acknowledged.",
            id="last-level-last-round-stops",
        ),
    ],
)
def test_email_says_what_happens_if_nobody_answers(changes, level, next_line):
    # GIVEN a page at some level  WHEN its email is written without a clock  THEN it names the next step
    assert next_line in email_text(make_page(**changes), level, {}).splitlines()
