"""The ack page's "Open in the console": a sign-in link for the verified person, landing on the page's ticket."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from chalice.test import Client

import app as app_module
from chalicelib.console import session
from tests.functional.paging_helpers import LINK, deliver, paged

CONSOLE = re.compile(r'<a href="(/console/auth\?[^"]+)">Open in the console</a>')


def test_the_ack_page_signs_its_person_in_and_lands_on_the_ticket(aws, clock):
    # GIVEN a page and its ack link for one person
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    [ack] = LINK.findall(page["text"])
    person = parse_qs(urlsplit(ack).query)["p"][0]
    with Client(app_module.app) as client:
        # WHEN the person opens it
        shown = client.http.get(ack)
        [link] = CONSOLE.findall(shown.body.decode())
        link = html.unescape(link)
        # THEN its console link is a 15-minute sign-in token for them, landing on the page's ticket
        query = parse_qs(urlsplit(link).query)
        assert query["next"] == [f"/console/tickets/{page['text'].split('Ticket:')[1].split()[0]}"]
        seen = session.read(query["t"][0], clock(), "console-local-session-secret", purpose=session.SIGN_IN)
        assert seen is not None and seen.person == person
        # AND following it signs them in there
        followed = client.http.get(link)
    assert followed.status_code == 303
    assert followed.headers["Location"] == query["next"][0]
    assert "HttpOnly" in followed.headers["Set-Cookie"]


def test_a_forged_ack_link_shows_no_console_link(aws, clock):
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    [ack] = LINK.findall(page["text"])
    with Client(app_module.app) as client:
        refused = client.http.get(re.sub(r"s=[^&]+", "s=AAAA", ack))
    assert refused.status_code == 403
    assert "/console/auth" not in refused.body.decode()
