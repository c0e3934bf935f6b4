"""The ack page as a browser meets it: CSP and X-Frame-Options on every HTML answer, a bounded form."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from tests.functional.paging_helpers import LINK, deliver, paged

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _link(aws) -> str:
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    [link] = LINK.findall(page["text"])
    return str(link)


def _answers(link: str) -> dict[str, Any]:
    """Every kind of HTML answer the ack routes give, by name."""
    path, query = urlsplit(link).path, urlsplit(link).query
    with Client(app_module.app) as client:
        return {
            "shown": client.http.get(link),
            "forged": client.http.get(re.sub(r"s=[^&]+", "s=AAAA", link)),
            "oversized": client.http.post(path, headers=FORM, body=query.encode() + b"&pad=" + b"x" * 4096),
            "acknowledged": client.http.post(path, headers=FORM, body=query.encode()),
            "again": client.http.post(path, headers=FORM, body=query.encode()),  # a double tap: says who has it
        }


def test_every_html_answer_forbids_framing_and_everything_but_its_own_style(aws, clock):
    # GIVEN the answers a phone's browser can get from an ack link
    answers = _answers(_link(aws))
    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses == {"shown": 200, "forged": 403, "oversized": 413, "acknowledged": 200, "again": 200}
    for name, response in answers.items():
        headers = response.headers
        # THEN each one is HTML that no other site may frame, with a CSP that allows nothing by default
        assert headers["Content-Type"].startswith("text/html"), name
        assert headers["X-Frame-Options"] == "DENY", name
        csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'", name
        assert csp["form-action"] == "'self'" and csp["base-uri"] == "'none'", name
        # AND the one inline style the page has is the one the policy's hash allows
        body = response.body.decode()
        [style] = re.findall(r"<style>(.*?)</style>", body, re.S)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert csp["style-src"] == f"'sha256-{digest}'", name
        assert "<script" not in body, name


@pytest.mark.parametrize("size", [2049, 100_000])
def test_an_oversized_ack_form_is_413_and_acknowledges_nothing(aws, clock, size):
    # GIVEN a valid link whose form is padded past the bound (the form holds three short fields)
    link = _link(aws)
    query = urlsplit(link).query.encode()
    body = query + b"&pad=" + b"x" * (size - len(query) - 5)
    assert len(body) == size
    # WHEN it is posted
    with Client(app_module.app) as client:
        response = client.http.post(urlsplit(link).path, headers=FORM, body=body)
    # THEN 413, and the page is still open
    assert response.status_code == 413
    assert "Not acknowledged" in response.body.decode()
    assert "acknowledged by" not in _timeline_text(link)


def _timeline_text(link: str) -> str:
    page_id = urlsplit(link).path.rsplit("/", 1)[-1]
    page = bootstrap.container().pages.get(page_id)
    assert page is not None and page.state.value == "open"
    return " ".join(e.text for e in bootstrap.container().pages.timeline(page.ticket_id))
