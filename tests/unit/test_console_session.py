"""Console session tokens and the request side's pure parts: tokens that must not pass, the stage prefix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.api.console_session import stage_prefix
from chalicelib.console import session

NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
SECRET = "unit-secret"


def _tampered(token: str) -> str:
    person, expires, sig = token.split(".")
    return f"{person}.{int(expires) + 3600}.{sig}"  # a longer life, the same signature


@pytest.mark.parametrize(
    ("token", "purpose"),
    [
        (session.issue("priya", NOW, "another-secret"), session.SESSION),
        (_tampered(session.issue("priya", NOW, SECRET)), session.SESSION),
        (session.issue("priya", NOW, SECRET).replace("priya.", "leo.", 1), session.SESSION),
        (session.issue("priya", NOW - session.SESSION_TTL, SECRET), session.SESSION),
        (
            session.issue("priya", NOW - timedelta(minutes=15), SECRET, session.SIGN_IN, session.LINK_TTL),
            session.SIGN_IN,
        ),
        (session.issue("priya", NOW, SECRET, session.SIGN_IN, session.LINK_TTL), session.SESSION),
        (session.issue("priya", NOW, SECRET), session.SIGN_IN),
        (session.issue("Priya Nair", NOW, SECRET), session.SESSION),
        (session.issue("../priya", NOW, SECRET), session.SESSION),
        ("priya.1.2", session.SESSION),
        ("", session.SESSION),
        (None, session.SESSION),
    ],
    ids=[
        "forged-with-another-secret",
        "expiry-altered",
        "person-altered",
        "session-expired-at-12h",
        "link-expired-at-15min",
        "link-used-as-session",
        "session-used-as-link",
        "person-with-a-space",
        "person-with-a-path",
        "malformed",
        "empty",
        "missing",
    ],
)
def test_a_token_that_must_not_pass_reads_as_nobody(token: str | None, purpose: str) -> None:
    # GIVEN a token that is forged, altered, expired, made for the other purpose or of the wrong shape
    # WHEN it is read, THEN it names nobody
    assert session.read(token, NOW, SECRET, purpose) is None


@pytest.mark.parametrize(
    ("ttl", "purpose", "later"),
    [
        (session.SESSION_TTL, session.SESSION, timedelta(hours=11, minutes=59)),
        (session.LINK_TTL, session.SIGN_IN, timedelta(minutes=14)),
    ],
    ids=["session", "sign-in-link"],
)
def test_a_good_token_names_its_person_until_it_expires(ttl: timedelta, purpose: str, later: timedelta) -> None:
    token = session.issue("priya", NOW, SECRET, purpose, ttl)
    seen = session.read(token, NOW + later, SECRET, purpose)
    assert seen is not None and seen.person == "priya" and seen.expires == NOW + ttl


def test_csrf_tokens_belong_to_one_session() -> None:
    mine = session.read(session.issue("priya", NOW, SECRET), NOW, SECRET)
    other = session.read(session.issue("priya", NOW + timedelta(seconds=1), SECRET), NOW, SECRET)
    assert mine is not None and other is not None
    assert session.csrf_ok(mine, session.csrf_token(mine, SECRET), SECRET)
    assert not session.csrf_ok(mine, session.csrf_token(other, SECRET), SECRET)
    assert not session.csrf_ok(mine, "", SECRET) and not session.csrf_ok(mine, None, SECRET)


def _request(path: str, resource: str) -> Any:
    return SimpleNamespace(context={"path": path, "resourcePath": resource})


@pytest.mark.parametrize(
    ("path", "resource", "prefix"),
    [
        ("/api/console", "/console", "/api"),
        ("/console", "/console", ""),
        ("/api/console/tickets/T-92A037915C", "/console/tickets/{ticket_id}", "/api"),
        ("/console/tickets/T-92A037915C", "/console/tickets/{ticket_id}", ""),
        ("/prod/v1/ack/P-1/incident/update", "/ack/{page_id}/incident/update", "/prod/v1"),
        ("/api/console/other/T-1", "/console/tickets/{ticket_id}", ""),
        ("/console", "", ""),
        ("", "/console", ""),
    ],
    ids=[
        "stage",
        "local",
        "parameter-behind-stage",
        "parameter-local",
        "base-path",
        "mismatch",
        "no-resource",
        "no-path",
    ],
)
def test_the_stage_prefix_is_what_precedes_the_route(path: str, resource: str, prefix: str) -> None:
    # GIVEN API Gateway's path and the route's template, WHEN the prefix is worked out, THEN it is the stage's
    assert stage_prefix(_request(path, resource)) == prefix


@pytest.mark.parametrize(
    ("stage", "base_url", "secure"),
    [
        ("local", "http://127.0.0.1:8000", False),
        ("local", None, False),
        ("local", "https://switchboard.test", True),
        ("dev", "http://odd.example", True),
        ("prod", None, True),
        ("prod", "https://abc.execute-api.us-east-1.amazonaws.com/api", True),
    ],
)
def test_the_cookie_is_secure_everywhere_but_a_local_stage_over_plain_http(
    stage: str, base_url: str | None, secure: bool
) -> None:
    from chalicelib import bootstrap
    from chalicelib.api.console_session import secure_cookies
    from chalicelib.settings import Settings

    settings = Settings(stage, "us-east-1", "t", "c", "https://sqs.invalid/q", public_base_url=base_url)
    bootstrap.use(bootstrap.Container(settings))
    try:
        assert secure_cookies() is secure
    finally:
        bootstrap.use(None)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("sb_session=abc", "abc"),
        ("theme=dark; sb_session=abc; a@b=1", "abc"),
        ('a@b=1;sb_session="abc"', "abc"),
        ("sb_sessionx=abc", None),
        ("", None),
    ],
)
def test_the_session_cookie_is_found_among_any_others(header: str, value: str | None) -> None:
    from chalicelib.api.console_session import _cookie_value

    assert _cookie_value(header) == value
