"""Signed ack links: a link acknowledges one page as one person until it expires, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.errors import ConfigError
from chalicelib.paging.links import DEFAULT_TTL, LinkError, ack_url, expiry, sign, verify
from tests.paging_fixtures import OPENED

SECRET = "local-ack-secret"
PAGE = "P-0a1b2c3d4e"
EXPIRES = expiry(OPENED)  # 24 hours after the page opened
GOOD = sign(PAGE, "maya", EXPIRES, SECRET)


def test_a_link_round_trips_through_its_url():
    # GIVEN the ack URL made for Maya
    url = ack_url("https://pager.example/api/", PAGE, "maya", EXPIRES, SECRET)
    # WHEN the route parses it back
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    # THEN it has the documented shape and verifies as Maya
    assert parts.path == f"/api/ack/{PAGE}"
    assert set(query) == {"p", "e", "s"}
    assert verify(PAGE, query["p"], query["e"], query["s"], SECRET, OPENED) == "maya"


def test_awkward_person_keys_and_page_ids_are_url_encoded():
    # GIVEN a person key and page id with characters that mean something in a URL
    person, page_id = "a&b=c d/é", "P-1/../x?y"
    # WHEN the link is made and parsed back
    parts = urlsplit(ack_url("https://pager.example", page_id, person, EXPIRES, SECRET))
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    # THEN nothing leaks out of its own component, and it still verifies
    assert parts.path == "/ack/P-1%2F..%2Fx%3Fy"
    assert verify(page_id, query["p"], query["e"], query["s"], SECRET, OPENED) == person


def test_default_ttl_is_a_day():
    # GIVEN a page opened now  WHEN its link expiry is computed  THEN it is 24 hours later, in Unix seconds
    made = expiry(OPENED)
    assert DEFAULT_TTL.total_seconds() == 24 * 3600
    assert made - OPENED.timestamp() == 24 * 3600


@pytest.mark.parametrize(
    ("page_id", "person", "expires", "signature", "secret", "now", "says"),
    [
        pytest.param(PAGE, "maya", str(EXPIRES), "A" * len(GOOD), SECRET, OPENED, "not valid", id="forged-signature"),
        pytest.param(PAGE, "tom", str(EXPIRES), GOOD, SECRET, OPENED, "not valid", id="another-persons-signature"),
        pytest.param(
            "P-ffffffffff", "maya", str(EXPIRES), GOOD, SECRET, OPENED, "not valid", id="another-pages-signature"
        ),
        pytest.param(PAGE, "maya", str(EXPIRES + 3600), GOOD, SECRET, OPENED, "not valid", id="tampered-expiry"),
        pytest.param(PAGE, "maya", str(EXPIRES), GOOD, "other-secret", OPENED, "not valid", id="other-secret"),
        pytest.param(PAGE, "maya", str(EXPIRES), GOOD + "x", SECRET, OPENED, "not valid", id="signature-too-long"),
        pytest.param(PAGE, "maya", str(EXPIRES), "é" * 43, SECRET, OPENED, "not valid", id="non-ascii-signature"),
        pytest.param(PAGE, "maya", f"+{EXPIRES}", GOOD, SECRET, OPENED, "damaged", id="expiry-with-sign"),
        pytest.param(PAGE, "maya", f" {EXPIRES}", GOOD, SECRET, OPENED, "damaged", id="expiry-with-space"),
        pytest.param(PAGE, "maya", "1_700_000_000", GOOD, SECRET, OPENED, "damaged", id="expiry-with-underscores"),
        pytest.param(PAGE, "maya", "tomorrow", GOOD, SECRET, OPENED, "damaged", id="expiry-not-a-number"),
        pytest.param(PAGE, "maya", "9" * 400, GOOD, SECRET, OPENED, "damaged", id="expiry-absurdly-long"),
        pytest.param(PAGE, None, str(EXPIRES), GOOD, SECRET, OPENED, "no person", id="missing-person"),
        pytest.param(PAGE, "maya", None, GOOD, SECRET, OPENED, "no expiry", id="missing-expiry"),
        pytest.param(PAGE, "maya", str(EXPIRES), "", SECRET, OPENED, "no signature", id="empty-signature"),
        pytest.param(PAGE, None, None, None, SECRET, OPENED, "no person, expiry, signature", id="missing-all"),
        pytest.param(
            PAGE,
            "maya",
            str(EXPIRES),
            GOOD,
            SECRET,
            OPENED + DEFAULT_TTL,
            "this link expired at 08:00 UTC on 25 Nov",
            id="expired-at-the-second",
        ),
        pytest.param(
            PAGE, "maya", str(EXPIRES), GOOD, SECRET, OPENED + timedelta(days=9), "expired", id="expired-long-ago"
        ),
    ],
)
def test_bad_links_are_refused_with_what_to_do_instead(page_id, person, expires, signature, secret, now, says):
    # GIVEN a link that is incomplete, damaged, forged, for someone else, or old
    # WHEN the route verifies it
    with pytest.raises(LinkError) as caught:
        verify(page_id, person, expires, signature, secret, now)
    # THEN a 403 whose reason says what went wrong and how to acknowledge anyway
    assert says in caught.value.reason
    assert "reply ACK" in caught.value.reason
    assert (caught.value.http_status, caught.value.code) == (403, "invalid_link")


def test_a_link_is_good_until_the_second_before_it_expires():
    # GIVEN Maya's link  WHEN she opens it one second before it expires  THEN it still verifies
    assert verify(PAGE, "maya", str(EXPIRES), GOOD, SECRET, OPENED + DEFAULT_TTL - timedelta(seconds=1)) == "maya"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(("P-1", "2x"), ("P-12", "x"), id="page-person-boundary"),
        pytest.param(("P-1", "maya"), ("maya", "P-1"), id="fields-swapped"),
        pytest.param(('P-1","x', "y"), ("P-1", 'x","y'), id="quotes-inside-fields"),
    ],
)
def test_fields_cannot_be_shifted_into_each_other(a: tuple[str, str], b: tuple[str, str]):
    # GIVEN two (page, person) pairs whose naive concatenation would be the same bytes
    # WHEN both are signed  THEN the signatures differ
    assert sign(a[0], a[1], EXPIRES, SECRET) != sign(b[0], b[1], EXPIRES, SECRET)


def test_an_empty_secret_is_a_configuration_error():
    # GIVEN no secret configured  WHEN a link is signed  THEN it refuses rather than make forgeable links
    with pytest.raises(ConfigError):
        sign(PAGE, "maya", EXPIRES, "")
