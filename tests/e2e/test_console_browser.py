"""The on-call console in a real browser: Debian's headless Chromium, a phone and a desktop, and axe-core.

The story of issue 14 on the local platform serving the real app over HTTP: a signed widget message with
a long text is triaged into a ticket and a page; the on-call person follows their sign-in link, sees who
is on call, opens the ticket from the list, reads the whole message, replies and resolves. Screenshots of
each view go to build/ for a person to look at. The accessibility pass runs axe-core (shipped inside the
axe-playwright-python package) in each view, in light and dark mode, and checks the keyboard path.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import pytest

from chalicelib import bootstrap
from chalicelib.services.tickets import TicketStateError
from local.platform import Platform
from tests.e2e.browser import BUILD, SIZES
from tests.e2e.conftest import E2E, fresh, sign

PERSON = "maya"  # a founder: the VIP's night page reaches the founders' rotation
# the end of the message is what the ack page used to cut: the caller's number and their deadline
ENDING = "Call me back on +1 212 555 0199 before 09:30 Eastern, that is my deadline."
FILLER = (
    "Our dashboard is down for every person in the company and the board meets this morning. "
    "We tried another browser, cleared the cache, signed out and in again, and asked two colleagues "
    "on other networks; they see the same spinning wheel and then an error page. "
)
LONG_TEXT = FILLER * 5 + ENDING
REPLY = "Hi Dana, Maya here: we are on it and will call you within ten minutes."
# axe's verdicts that fail the test; "moderate" and "minor" findings are printed, not fatal
FATAL = {"serious", "critical"}

pytestmark = pytest.mark.e2e


def long_ticket(e2e: E2E) -> str:
    """A VIP's widget message of more than a thousand characters, triaged: its ticket id."""
    sample = fresh("vip-outage")
    body = json.loads(sample.body)
    body["data"]["text"] = LONG_TEXT
    delivery = e2e.post(sign(replace(sample, body=json.dumps(body).encode())))
    assert delivery.ok, delivery.line(20)
    assert e2e.worker.drain(timeout=20)
    [ticket] = e2e.tickets_for(delivery.event_ids[0])
    return str(ticket["ticket_id"]["S"])


def more_tickets(e2e: E2E) -> list[str]:
    """A few other customers' tickets, so the list is a list: their ids."""
    deliveries = [e2e.post(sign(fresh(name))) for name in ("free-howto", "pro-cant-login", "prospect-pricing")]
    assert all(d.ok for d in deliveries), [d.line(20) for d in deliveries]
    assert e2e.worker.drain(timeout=20)
    return [str(t["ticket_id"]["S"]) for d in deliveries for t in e2e.tickets_for(d.event_ids[0])]


def sign_in_link(platform: Platform, next_path: str) -> str:
    link = str(bootstrap.container("api_handler").sign_in.link(PERSON, next_path))
    # the link names the console's public base URL; here the API server on loopback serves it
    parts = urlsplit(link)
    return f"{platform.api_url}{parts.path}?{parts.query}"


@pytest.fixture(scope="module")
def story(platform: Platform) -> Iterator[dict[str, str]]:
    """The tickets every test here reads: a long one for each size's story (each resolves its own), one
    left open for the audit, and a few others; all resolved afterwards, so no page of theirs escalates
    into a later test's inbox on the shared platform."""
    e2e = E2E(platform)
    assert e2e.worker.drain(timeout=20)
    others = more_tickets(e2e)
    story = {name: long_ticket(e2e) for name in ("phone", "desktop", "audit")}
    yield story
    container = bootstrap.container("api_handler")
    for ticket_id in [*others, *story.values()]:
        with contextlib.suppress(TicketStateError):  # the stories resolved theirs
            container.ticket_service.resolve(ticket_id, PERSON, container.clock())


def no_sideways_scroll(page: Any) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width}px of content in {inner}px"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(BUILD / f"console-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_from_a_sign_in_link_the_on_call_person_reads_the_whole_message_replies_and_resolves(
    browser: Any, platform: Platform, story: dict[str, str], size: str
) -> None:
    ticket_id = story[size]
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    page = context.new_page()
    try:
        # GIVEN the on-call person's sign-in link, WHEN they follow it
        response = page.goto(sign_in_link(platform, "/console"))
        # THEN they land signed in on the Now view, which says who is on call
        assert response is not None and response.ok
        assert urlsplit(page.url).path.endswith("/console")
        assert page.locator("header .who").inner_text().startswith("Maya Chen")
        # at NIGHT the rules' primary rotation has Leo on call until Monday's handoff to Priya
        assert page.get_by_role("heading", name="primary: Leo Martins").is_visible()
        assert page.get_by_text("then Priya Nair").is_visible()
        shot(page, f"{size}-now")
        no_sideways_scroll(page)

        # WHEN they open Tickets, THEN the long message's ticket is in the list, and opens from it
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Tickets").click()
        # a click does not wait for the page it leads to: each step waits for its URL before it reads
        page.wait_for_url("**/console/tickets")
        assert page.locator(f'a[href$="/console/tickets/{ticket_id}"]').count() == 1
        assert page.locator("table.rows tbody tr").count() >= 4
        shot(page, f"{size}-tickets")
        no_sideways_scroll(page)
        page.locator(f'a[href$="/console/tickets/{ticket_id}"]').click()
        page.wait_for_url(f"**/console/tickets/{ticket_id}")
        assert urlsplit(page.url).path.endswith(f"/console/tickets/{ticket_id}")

        # THEN the whole message is on screen, its end too: the number and the deadline, not cut
        message = page.locator("p.body", has_text=FILLER.split(".")[0]).first
        assert message.inner_text().strip() == LONG_TEXT
        ending = page.get_by_text("before 09:30 Eastern, that is my deadline", exact=False).first
        ending.scroll_into_view_if_needed()
        assert ending.is_visible()
        box = message.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"]
        shot(page, f"{size}-ticket")
        no_sideways_scroll(page)

        # WHEN they reply
        text = f"{REPLY} ({size})"
        page.get_by_label("Reply to").fill(text)
        page.get_by_role("button", name="Send reply").click()
        page.wait_for_url(re.compile(rf"/console/tickets/{ticket_id}\?notice=replied$"))
        # THEN the console says so, and the reply is on the ticket's page, from its outbox
        assert page.get_by_role("status").first.is_visible()
        assert page.locator(".card p.body", has_text=text).count() == 1
        shot(page, f"{size}-replied")

        # WHEN they resolve it, THEN the ticket says resolved and offers to reopen it
        page.get_by_role("button", name="Resolve").click()
        page.wait_for_url(re.compile(rf"/console/tickets/{ticket_id}\?notice=resolved$"))
        assert page.locator("h1 .tag").inner_text().strip().lower() == "resolved"
        assert page.get_by_role("button", name="Reopen").is_visible()
        shot(page, f"{size}-resolved")
        no_sideways_scroll(page)

        # and the Schedule view reads on this screen too
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Schedule").click()
        page.wait_for_url("**/console/schedule")
        shot(page, f"{size}-schedule")
        no_sideways_scroll(page)
    finally:
        context.close()


# ---- the accessibility pass: axe-core in each view, light and dark, and the keyboard path


def axe_source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def audit(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each (empty when there are none)."""
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document)")
    # the audit is only worth its silence if the rules that matter here ran and passed on this page
    passed = {rule["id"] for rule in result["passes"]}
    missing = sorted({"color-contrast", "landmark-one-main", "document-title"} - passed)
    return [f"did not pass: {rule}" for rule in missing] + [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in FATAL
    ]


VIEWS = ["sign-in", "now", "tickets", "ticket", "schedule"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_view_passes_axe_with_no_serious_findings(
    browser: Any, platform: Platform, story: dict[str, str], scheme: str
) -> None:
    # GIVEN a phone in light or dark mode, CSP bypassed for this audit only (the pages forbid foreign scripts)
    context = browser.new_context(viewport=SIZES["phone"], color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    paths = {
        "now": "/console",
        "tickets": "/console/tickets",
        "ticket": f"/console/tickets/{story['audit']}",
        "schedule": "/console/schedule",
    }
    findings: dict[str, list[str]] = {}
    try:
        # WHEN axe-core audits the sign-in page, then each view once signed in
        page.goto(f"{platform.api_url}/console/sign-in")
        findings["sign-in"] = audit(page)
        if scheme == "dark":
            shot(page, "phone-dark-sign-in")
        page.goto(sign_in_link(platform, "/console"))
        for view, path in paths.items():
            page.goto(f"{platform.api_url}{path}")
            findings[view] = audit(page)
            if scheme == "dark":
                shot(page, f"phone-dark-{view}")
    finally:
        context.close()
    # THEN none has a serious or critical violation (labels, contrast, landmarks, names, …)
    assert list(findings) == VIEWS
    assert {v: f for v, f in findings.items() if f} == {}


def test_the_keyboard_reaches_the_reply_box_and_the_main_buttons_with_a_visible_focus(
    browser: Any, platform: Platform, story: dict[str, str]
) -> None:
    # GIVEN the ticket's page at desktop size, signed in
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    try:
        page.goto(sign_in_link(platform, f"/console/tickets/{story['audit']}"))
        reached: dict[str, bool] = {}
        # WHEN the person presses Tab from the top, up to a hundred times
        for _ in range(100):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const style = getComputedStyle(el);
                    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                    return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || '').trim(),
                            ring: ring || style.boxShadow !== 'none'};
                }"""
            )
            name = (
                "reply box" if focused["id"] == "reply-text" else focused["text"] if focused["tag"] == "button" else ""
            )
            if name in ("reply box", "Send reply", "Resolve") and name not in reached:
                reached[name] = focused["ring"]
        # THEN the reply box, the Send reply button and Resolve are each reached, each with a focus ring
        assert set(reached) >= {"reply box", "Send reply", "Resolve"}
        assert all(reached.values()), f"no visible focus on {[n for n, ring in reached.items() if not ring]}"
    finally:
        context.close()
