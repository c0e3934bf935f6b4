"""The suspected incident's page: its words, and whom it pages when the opening report would page nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.incidents.model import Report
from chalicelib.incidents.page import incident_decision
from chalicelib.model.decision import Decision, Priority
from chalicelib.routing.loader import load_rules
from chalicelib.services.incident_intake import summary_of

AT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)


def reports(*channels: str, minutes: int = 10) -> list[Report]:
    step = timedelta(minutes=minutes) / max(1, len(channels) - 1)
    return [
        Report(ticket_id=f"T-{n}", sender_key=f"k{n}", channel=c, customer=f"C{n}", at=AT + step * n)
        for n, c in enumerate(channels)
    ]


@pytest.mark.parametrize(
    ("channels", "concepts", "expected"),
    [
        pytest.param(
            ("x", "x", "email", "widget", "x", "email", "x"),
            ("outage",),
            "Possible incident: 7 customers on X, email and chat report an outage in 10 minutes",
            id="three-channels",
        ),
        pytest.param(
            ("sms",),
            ("server_errors",),
            "Possible incident: 1 customer on SMS reports server errors in 1 minute",
            id="one-report-of-weight-three",
        ),
    ],
)
def test_the_page_says_how_many_on_which_channels_in_how_long(channels, concepts, expected):
    assert summary_of(reports(*channels), concepts) == expected


def _quiet() -> Decision:
    return Decision(route="default", team="support", priority=Priority.P3, rules_version="v")


def test_an_opening_report_that_pages_nobody_pages_whom_the_rules_name():
    # GIVEN the shipped rules (incidents.page: support, P1, the urgent ladder) and a P3 decision paging nobody
    paging = incident_decision(load_rules(), _quiet(), AT)
    # THEN it pages now, at P1, on the urgent ladder, and says why
    assert paging.pages and paging.priority is Priority.P1 and paging.escalation == "urgent"
    assert paging.reasons[-1].startswith("the incident pages: ")


def test_a_report_that_pages_on_its_own_keeps_its_ladder():
    own = _quiet().model_copy(
        update={"priority": Priority.P1, "escalation": "founders-now", "page_targets": ("founders",)}
    )
    assert incident_decision(load_rules(), own, AT) == own
