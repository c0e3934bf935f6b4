"""The public status page in a real browser: Debian's headless Chromium, JavaScript off, phone and desktop.

Served by the real Chalice app over HTTP (the local platform's API server), with incidents from an
in-memory reader put in the API function's container. Screenshots go to build/ for a person to look at.
"""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.incidents.model import Status
from local.platform import Platform
from tests.e2e.browser import BUILD, SIZES
from tests.e2e.conftest import NIGHT
from tests.incident_fakes import FakeIncidentReader, maintenance, outage

TITLE = "The inbox is not receiving new messages"
UPDATES = (
    "We are investigating reports that new messages do not arrive.",
    "A failed database upgrade is the cause; we are rolling it back.",
    "New messages arrive again; we are watching closely.",
)
PAST = "Email replies <delayed> & queued"

pytestmark = pytest.mark.e2e


@pytest.fixture
def status_url(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> str:
    """The running API with three public incidents and a suspected one (which must not show)."""
    reader = FakeIncidentReader(
        [
            outage(title=TITLE, status=Status.MONITORING, bodies=UPDATES, opened_at=NIGHT - timedelta(hours=1)),
            maintenance(status=Status.SCHEDULED, starts_at=NIGHT + timedelta(days=2)),
            outage(
                "I-00000000bb",
                PAST,
                Status.RESOLVED,
                opened_at=NIGHT - timedelta(days=5),
                bodies=("Delayed.", "Fixed."),
            ),
            outage("I-00000000cc", "A rumour nobody confirmed", Status.SUSPECTED, bodies=("Possible incident",)),
        ]
    )
    api = bootstrap.container("api_handler")
    # the container's override slot for one test: the reader port, where the incidents table adapter goes
    monkeypatch.setitem(api.__dict__, "incident_reader", reader)
    return f"{platform.api_url}/status"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_status_page_shows_the_incident_and_its_updates_without_javascript(
    browser: Any, status_url: str, size: str
) -> None:
    # GIVEN a browser with JavaScript off, at a phone's or a desktop's size
    context = browser.new_context(viewport=SIZES[size], java_script_enabled=False, is_mobile=size == "phone")
    page = context.new_page()
    try:
        # WHEN it opens the status page
        response = page.goto(status_url)
        # THEN the page answers with the current state, the open incident and each of its updates
        assert response is not None and response.status == 200
        assert "no-store" not in response.headers["cache-control"]
        assert "script-src" not in response.headers["content-security-policy"]
        banner = page.get_by_role("status")
        assert banner.inner_text() == "Partial System Outage"
        incident = page.locator("#I-0123456789")
        assert incident.get_by_role("heading", name=TITLE).is_visible()
        for body in UPDATES:
            assert incident.get_by_text(body).is_visible()
        assert page.get_by_text("Monitoring", exact=True).first.is_visible()
        assert page.get_by_text("Dashboard database upgrade").is_visible()
        # the past incident's odd characters arrive as text, not markup
        assert page.get_by_role("heading", name=PAST).is_visible()
        assert page.get_by_text("A rumour nobody confirmed").count() == 0
        assert page.locator("script").count() == 0
        # usable: nothing wider than the screen (no sideways scrolling on a phone), and our CSP let the
        # page's own style apply (at desktop size the content is a readable column, not the full width)
        width = SIZES[size]["width"]
        for box in (page.locator(s).bounding_box() for s in ("main", "#I-0123456789", ".banner")):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        main = page.locator("main").bounding_box()
        assert main is not None and main["width"] <= (width if size == "phone" else 720)
        # the JSON and Atom links are there for those who want them
        assert page.get_by_role("link", name="Atom feed").get_attribute("href", timeout=1000) is not None
        page.screenshot(path=str(BUILD / f"status-{size}.png"), full_page=True)
    finally:
        context.close()


def test_a_dark_phone_gets_the_dark_page(browser: Any, status_url: str) -> None:
    # GIVEN a phone set to light and one set to dark mode, JavaScript off
    corners = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False, color_scheme=scheme)
        page = context.new_page()
        try:
            # WHEN each draws the page
            page.goto(status_url)
            page.screenshot(path=str(BUILD / f"status-phone-{scheme}.png"), full_page=True)
            # a patch of the page's own background, away from any text
            corners[scheme] = page.screenshot(clip={"x": 0, "y": 0, "width": 8, "height": 8})
        finally:
            context.close()
    # THEN the background follows the phone's colour scheme (the style's dark media query applied)
    assert corners["light"] != corners["dark"]


def test_the_feeds_are_served_with_the_same_incidents(status_url: str) -> None:
    # GIVEN the same running API, WHEN a tool fetches the JSON and the Atom feed
    for suffix, kind in ((".json", "application/json"), (".atom", "application/atom+xml")):
        with urllib.request.urlopen(status_url + suffix, timeout=10) as answer:
            body = answer.read().decode("utf-8")
            # THEN each answers, cacheable, with the open incident and without the unconfirmed one
            assert answer.headers["Content-Type"].startswith(kind)
            assert answer.headers["Cache-Control"] == "public, max-age=60"
            assert answer.headers["X-Frame-Options"] == "DENY"
        assert TITLE in body and "A rumour nobody confirmed" not in body
