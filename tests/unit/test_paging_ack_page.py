"""The ack page: escaped, self-contained, with a button only while the page can still be acknowledged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.model.page import PageState
from chalicelib.paging.ack_page import confirm_page, result_page
from tests.paging_fixtures import OPENED, make_page

HIDDEN = {"p": "maya", "e": "1795593600", "s": "c2lnbmF0dXJl"}
ACTION = "/ack/P-0a1b2c3d4e"


def test_hostile_text_is_escaped_everywhere():
    # GIVEN a customer who typed markup into the summary and their name, and an odd hidden value
    page = make_page(summary="<script>alert(1)</script>", customer='Evil "Corp" <b>')
    hidden = {"p": 'maya"><script>x</script>', "e": "1", "s": "s"}
    # WHEN the ack page is rendered
    html = confirm_page(page, "Maya <Chen>", ACTION + '?"x', hidden)
    # THEN nothing they typed becomes markup
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Evil &quot;Corp&quot; &lt;b&gt;" in html
    assert "Maya &lt;Chen&gt;" in html
    assert 'value="maya&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'action="/ack/P-0a1b2c3d4e?&quot;x"' in html


def test_an_open_page_shows_its_context_and_a_post_form():
    # GIVEN a page that has reached Priya and the founders
    page = make_page(level=1, step=2)
    # WHEN Maya opens her link
    html = confirm_page(page, "Maya Chen", ACTION, HIDDEN)
    # THEN she sees what it is about, who has been paged, and a button that POSTs her signed fields
    for text in ("P1", "Northwind Traders", "Checkout is down for all our stores", "T-20261124-0001"):
        assert text in html
    assert "Priya Nair, Maya Chen, Tom Okafor" in html
    assert f'<form method="post" action="{ACTION}">' in html
    assert re.findall(r'<input type="hidden" name="(\w)" value="([^"]*)">', html) == list(HIDDEN.items())
    assert ">Acknowledge</button>" in html


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        pytest.param(
            {"state": PageState.ACKED, "acked_by": "priya", "acked_at": OPENED + timedelta(minutes=3)},
            "Acknowledged by Priya Nair at 08:03 UTC on 24 Nov 2026. Nothing more to do here.",
            id="acked",
        ),
        pytest.param(
            {"state": PageState.RESOLVED, "acked_by": "tom", "acked_at": OPENED + timedelta(minutes=30)},
            "Acknowledged by Tom Okafor at 08:30 UTC on 24 Nov 2026; the ticket is resolved. Nothing more to do here.",
            id="resolved",
        ),
    ],
)
def test_a_closed_page_has_no_button_only_who_took_it(changes, line):
    # GIVEN a page that is no longer open
    page = make_page(level=0, **changes)
    # WHEN someone opens an ack link for it
    html = confirm_page(page, "Maya Chen", ACTION, HIDDEN)
    # THEN there is nothing to press, and a line says who took it and when
    assert "<form" not in html
    assert "<button" not in html
    assert line in html


def test_an_exhausted_page_still_has_its_button():
    # GIVEN a page whose whole ladder ran out with nobody answering, the founders told as the last resort
    page = make_page(level=1, round=2, step=7, state=PageState.EXHAUSTED, next_due=None)
    # WHEN a founder opens their link
    html = confirm_page(page, "Maya Chen", ACTION, HIDDEN)
    # THEN they can still take it (no dead end), and the page says nobody answered
    assert f'<form method="post" action="{ACTION}">' in html and ">Acknowledge</button>" in html
    assert "nobody acknowledged in time: escalation stopped; you can still take it" in html
    assert "directly" not in html


def test_the_page_works_on_a_phone_without_external_assets():
    # GIVEN any rendered ack page
    html = confirm_page(make_page(), "Maya Chen", ACTION, HIDDEN)
    # THEN it sets the viewport, keeps the signed URL out of referrers, and loads nothing from elsewhere
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<meta name="referrer" content="no-referrer">' in html
    assert not re.search(r"<(link|script|img|iframe)\b|src=|url\(", html)


@pytest.mark.parametrize(
    ("status", "css"),
    [
        pytest.param("ok", "ok", id="ok"),
        pytest.param("error", "error", id="error"),
        pytest.param('x" onload="alert(1)', "info", id="unknown-status-is-info"),
    ],
)
def test_result_page(status, css):
    # GIVEN an outcome  WHEN it is rendered  THEN the title and message are escaped and the status styles it
    html = result_page("Acknowledged — escalation stopped", "Thanks <Maya>", status)
    assert "<title>Acknowledged — escalation stopped</title>" in html
    assert f'<p class="state {css}">Thanks &lt;Maya&gt;</p>' in html
    assert "onload" not in html
