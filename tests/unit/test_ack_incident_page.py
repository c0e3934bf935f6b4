"""The incident block of the ack page: escaped, prefilled, and the right forms for where the incident stands."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.incidents.model import Impact, Incident, Report, Status, Update
from chalicelib.paging.ack_incident import IncidentPanel, first_update, incident_block, status_url
from chalicelib.paging.ack_page import confirm_page
from tests.paging_fixtures import OPENED, make_page

HIDDEN = {"p": "priya", "e": "1795593600", "s": "c2lnbmF0dXJl"}
ACTION = "/ack/P-0a1b2c3d4e"
TITLE = "Possible incident: 3 customers on X, email and chat report an outage in 4 minutes"


def report(n: int, summary: str = "is the app down?", customer: str = "", channel: str = "x") -> Report:
    return Report(
        ticket_id=f"T-{n:04d}",
        sender_key=f"handle#x:c{n}",
        channel=channel,
        customer=customer or f"Customer {n}",
        at=OPENED + timedelta(minutes=n),
        summary=summary,
    )


def incident(status: Status = Status.SUSPECTED, *moves: tuple[Status, str], title: str = TITLE) -> Incident:
    updates = tuple(
        Update(update_id=f"U-I-1-{n:03d}", status=s, body=body, at=OPENED + timedelta(minutes=10 * (n + 1)), by="priya")
        for n, (s, body) in enumerate(moves)
    )
    return Incident(
        incident_id="I-0123456789",
        title=title,
        status=status,
        impact=Impact.MAJOR if moves else Impact.NONE,
        opened_at=OPENED,
        updates=updates,
        page_id="P-0a1b2c3d4e",
    )


def panel(found: Incident | None = None, reports: int = 3, **changes: object) -> IncidentPanel:
    base = IncidentPanel(
        incident=found or incident(),
        reports=[report(n) for n in range(reports)],
        status_url="https://status.acme.test/status",
        product="Acme",
        components=("app", "api"),
        names={"priya": "Priya Nair"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]*)">', html)


def test_the_customers_words_and_the_title_are_escaped():
    # GIVEN reports whose summaries and names carry markup, and a title that quotes one
    hostile = [
        report(0, summary="<script>alert(1)</script>", customer='Evil "Corp" <b>'),
        report(1, summary="</li></ul><form action=//evil>", channel="email"),
    ]
    found = incident(title="Possible incident: <img src=x onerror=alert(1)>")
    # WHEN the block is rendered
    html = incident_block(replace(panel(found), reports=hostile, product="<b>Acme</b>"), ACTION, HIDDEN)
    # THEN none of it is markup, and every piece is still there to read
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "//evil>" not in html
    for shown in (
        "X · Evil &quot;Corp&quot; &lt;b&gt;: &lt;script&gt;alert(1)&lt;/script&gt;",
        "email · Customer 1: &lt;/li&gt;&lt;/ul&gt;&lt;form action=//evil&gt;",
        "Possible incident: &lt;img src=x onerror=alert(1)&gt;",
        "We&#x27;re investigating reports that &lt;b&gt;Acme&lt;/b&gt; is unavailable.",
    ):
        assert shown in html
    assert forms(html) == [f"{ACTION}/incident/confirm", f"{ACTION}/incident/dismiss"]


def test_a_suspected_incident_offers_confirm_with_prefilled_words_and_dismiss():
    # GIVEN a suspected incident with seven reports and components in the rules
    html = incident_block(panel(reports=7), ACTION, HIDDEN)
    # THEN the first update is prefilled (the operator edits it; customers read it), impact defaults to major
    assert f">{first_update('Acme').replace(chr(39), '&#x27;')}</textarea>" in html
    assert first_update("Acme") == (
        "We're investigating reports that Acme is unavailable. We'll post an update within 30 minutes."
    )
    assert re.findall(r'<option value="(\w+)"( selected)?>', html) == [
        ("minor", ""),
        ("major", " selected"),
        ("critical", ""),
        ("app", ""),
        ("api", ""),
    ]
    assert '<select id="incident-components" name="component" multiple size="2">' in html
    # AND five of the seven reports are quoted, the rest counted
    assert html.count("<li>") == 5 and "and 2 customers more." in html and "7 customers linked so far" in html
    # AND both forms carry the signed fields; the dismiss hint says reports page one by one again
    assert re.findall(r'<input type="hidden" name="(\w)" value="([^"]*)">', html) == [*HIDDEN.items()] * 2
    assert "each new report pages on its own again" in html and "nothing is unlinked" in html


def test_no_components_in_the_rules_means_no_component_select():
    html = incident_block(panel(components=()), ACTION, HIDDEN)
    assert 'name="component"' not in html and 'name="impact"' in html


@pytest.mark.parametrize(
    ("found", "line", "statuses", "link"),
    [
        pytest.param(
            incident(Status.INVESTIGATING, (Status.INVESTIGATING, "On it.")),
            "Confirmed by Priya Nair at 08:10 UTC on 24 Nov 2026; it is investigating now (major impact).",
            ["investigating", "identified", "monitoring", "resolved"],
            True,
            id="investigating",
        ),
        pytest.param(
            incident(Status.MONITORING, (Status.INVESTIGATING, "On it."), (Status.MONITORING, "Fixed; watching.")),
            "Confirmed by Priya Nair at 08:10 UTC on 24 Nov 2026; it is monitoring now (major impact).",
            ["monitoring", "resolved"],
            True,
            id="monitoring-offers-no-step-back",
        ),
        pytest.param(
            incident(Status.RESOLVED, (Status.INVESTIGATING, "On it."), (Status.RESOLVED, "Fixed.")),
            "Resolved by Priya Nair at 08:20 UTC on 24 Nov 2026: no more updates from here.",
            [],
            True,
            id="resolved",
        ),
        pytest.param(
            incident(Status.DISMISSED, (Status.DISMISSED, "False alarm")),
            "Dismissed as a false alarm by Priya Nair at 08:10 UTC on 24 Nov 2026.",
            [],
            False,
            id="dismissed-is-not-public",
        ),
    ],
)
def test_after_the_decision_the_block_shows_where_it_stands(found, line, statuses, link):
    # WHEN the block is rendered for an incident past suspected
    html = incident_block(panel(found), ACTION, HIDDEN)
    # THEN its state in words, the status page's link if it is public, and the update form while it is open
    assert line in html
    assert ('<a href="https://status.acme.test/status">' in html) is link
    assert re.findall(r'<option value="(\w+)"', html) == statuses
    assert forms(html) == ([f"{ACTION}/incident/update"] if statuses else [])
    assert "Confirm and tell customers" not in html and "Dismiss" not in html.replace("Dismissed", "")
    if statuses:
        assert f'<input type="hidden" name="seen" value="{len(found.updates)}">' in html
        assert f'<option value="{found.status.value}" selected>' in html


@pytest.mark.parametrize(
    ("base", "path", "url"),
    [
        pytest.param("https://help.acme.test", "/ack/P-1", "https://help.acme.test/status", id="public-url"),
        pytest.param("https://help.acme.test/", "/api/ack/P-1", "https://help.acme.test/status", id="trailing-slash"),
        pytest.param(None, "/api/ack/P-1", "/api/status", id="stage-prefix"),
        pytest.param(None, "/api/ack/P-1/incident/confirm", "/api/status", id="from-a-form"),
        pytest.param(None, "/ack/P-1", "/status", id="no-stage"),
        pytest.param("", "", "/status", id="nothing-known"),
    ],
)
def test_the_status_page_link(base, path, url):
    assert status_url(base, path) == url


def test_the_block_sits_above_the_ticket_and_only_when_given():
    # GIVEN a page, rendered with and without the incident block
    page = make_page()
    plain = confirm_page(page, "Priya Nair", ACTION, HIDDEN)
    block = incident_block(panel(), ACTION, HIDDEN)
    with_incident = confirm_page(page, "Priya Nair", ACTION, HIDDEN, None, block)
    # THEN an ordinary page has no incident section; the incident's page has it before the ticket's details
    assert 'aria-label="Incident"' not in plain
    assert with_incident.index('aria-label="Incident"') < with_incident.index("<dl>")
    assert with_incident.replace(block, "") == plain
