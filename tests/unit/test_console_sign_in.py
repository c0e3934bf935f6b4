"""Console sign-in's pure rules and its service with fakes: whose address, where a link may land, the limits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.console import session
from chalicelib.console.sign_in import (
    HOME,
    Bucket,
    Limit,
    allowed,
    auth_url,
    bucket,
    find_person,
    message_args,
    normalise,
    safe_next,
)
from chalicelib.errors import DependencyError, NotFoundError
from chalicelib.services.console_sign_in import Outcome, SignInService
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
PEOPLE = {
    "priya": SimpleNamespace(
        name="Priya Nair", phone="+12125550103", email="priya@switchboard.example", topic="support"
    ),
    "leo": SimpleNamespace(name="Leo Martins", phone="+12125550104", email=None, topic="support"),
}


@pytest.mark.parametrize(
    ("address", "person"),
    [
        ("priya@switchboard.example", "priya"),
        ("  PRIYA@Switchboard.Example\t", "priya"),
        ("+12125550103", "priya"),
        ("+1 (212) 555-0103", "priya"),
        ("001 212 555 0103", "priya"),
        ("1.212.555.0104", "leo"),
        ("+12125550199", None),
        ("leo@switchboard.example", None),  # leo has no email in the rules
        ("priya@switchboard.example.evil", None),
        ("2125550103", None),  # no country code: not guessed
        ("", None),
        ("@", None),
    ],
)
def test_an_address_finds_its_person_however_it_is_typed(address: str, person: str | None) -> None:
    assert find_person(PEOPLE, address) == person


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Priya@Example.COM ", "priya@example.com"),
        ("+44 20 7946 0958", "+442079460958"),
        ("hello", None),
        ("+0123", None),
    ],
)
def test_normalise(text: str, expected: str | None) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/console", True),
        ("/console/", True),
        ("/console/tickets/T-92A037915C", True),
        ("/console/tickets?status=open&priority=P1", True),
        ("/console/tickets?cursor=abc%3D%3D", True),
        (None, False),
        ("", False),
        ("/consoles", False),
        ("/status", False),
        ("console/tickets", False),
        ("https://evil.example/console", False),
        ("//evil.example/console", False),
        ("/console//evil.example", False),
        ("/console/../ack/P-1", False),
        ("/console/\\evil.example", False),
        ("/console/tickets#frag", False),
        ("/console/tickets\r\nSet-Cookie: x=1", False),
        ("/console/" + "a" * 600, False),
    ],
)
def test_next_stays_inside_the_console(path: str | None, kept: bool) -> None:
    assert safe_next(path) == (path if kept else HOME)


def test_a_link_carries_a_sign_in_token_and_a_safe_next() -> None:
    url = auth_url("https://x.test/api/", "priya.1.sig", "//evil.example")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "x.test", "/api/console/auth")
    assert parse_qs(parts.query) == {"t": ["priya.1.sig"], "next": [HOME]}


@pytest.mark.parametrize(
    ("count_before", "ok"),
    [(None, True), (0, True), (4, True), (5, False), (9, False)],
    ids=["first", "0", "4", "5", "9"],
)
def test_five_requests_fit_in_a_window_and_the_sixth_does_not(count_before: int | None, ok: bool) -> None:
    assert allowed(count_before, Limit(5)) is ok


def test_buckets_are_per_subject_per_window_and_hide_the_subject() -> None:
    limit = Limit(5, timedelta(minutes=15))
    first = bucket("address", "priya@switchboard.example", NOW, limit, "s")
    # the same window a few minutes later, the next window, another subject, another kind, another secret
    assert bucket("address", "priya@switchboard.example", NOW + timedelta(minutes=14), limit, "s") == first
    assert bucket("address", "priya@switchboard.example", NOW + timedelta(minutes=15), limit, "s").key != first.key
    assert bucket("address", "leo@switchboard.example", NOW, limit, "s").key != first.key
    assert bucket("ip", "priya@switchboard.example", NOW, limit, "s").key != first.key
    assert bucket("address", "priya@switchboard.example", NOW, limit, "t").key != first.key
    assert "priya" not in first.key
    # TTL may delete it once its window is over (an hour later, to be safe)
    assert first.expires_at == int((NOW + timedelta(minutes=15, hours=1)).timestamp())


def test_the_message_is_addressed_to_its_person_alone() -> None:
    args = message_args("priya", "Priya Nair", "arn:topic", "https://x.test/console/auth?t=a", 15)
    assert json.loads(args["MessageAttributes"]["people"]["StringValue"]) == ["priya"]
    assert args["MessageAttributes"]["kind"]["StringValue"] == "console-sign-in"
    texts = json.loads(args["Message"])
    assert all("https://x.test/console/auth?t=a" in texts[k] for k in ("default", "sms", "email"))


# ---- the service, with fakes -----------------------------------------------------------------------


@dataclass
class FakeLimits:
    counts: dict[str, int] = field(default_factory=dict)
    down: bool = False

    def take(self, b: Bucket, limit: Limit) -> bool:
        if self.down:
            raise DependencyError("table down")
        if not allowed(self.counts.get(b.key), limit):
            return False
        self.counts[b.key] = self.counts.get(b.key, 0) + 1
        return True


@dataclass
class FakeMessenger:
    sent: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False

    def topic_arn(self, topic: str) -> str:
        return f"arn:aws:sns:us-east-1:1:switchboard-test-{topic}"

    def publish(self, args: dict[str, Any]) -> str:
        if self.down:
            raise DependencyError("SNS down")
        self.sent.append(args)
        return f"m-{len(self.sent)}"


def _service(limits: FakeLimits | None = None, messenger: FakeMessenger | None = None) -> SignInService:
    return SignInService(
        PEOPLE, limits or FakeLimits(), messenger or FakeMessenger(), lambda: "s", FakeClock(NOW), "https://x.test"
    )


def test_known_unknown_and_limited_addresses_are_told_apart_only_inside() -> None:
    messenger = FakeMessenger()
    service = _service(messenger=messenger)
    # GIVEN five requests for priya, then a sixth, then one for nobody
    outcomes = [service.request("priya@switchboard.example", "198.51.100.7", "/console") for _ in range(6)]
    nobody = service.request("nobody@example.com", "198.51.100.7", "/console")
    # THEN five links went to priya's topic, the sixth was held, nobody got nothing
    assert outcomes == [Outcome.SENT] * 5 + [Outcome.LIMITED_ADDRESS]
    assert nobody is Outcome.NOBODY
    assert len(messenger.sent) == 5
    assert {m["TopicArn"] for m in messenger.sent} == {"arn:aws:sns:us-east-1:1:switchboard-test-support"}


def test_one_ip_is_limited_across_addresses_and_its_requests_count_no_address() -> None:
    limits = FakeLimits()
    service = _service(limits)
    outcomes = [service.request(f"a{n}@example.com", "198.51.100.7", "/console") for n in range(11)]
    assert outcomes == [Outcome.NOBODY] * 10 + [Outcome.LIMITED_IP]
    # another IP is not held back by it
    assert service.request("priya@switchboard.example", "203.0.113.9", "/console") is Outcome.SENT


def test_unknown_addresses_are_counted_like_known_ones() -> None:
    # an address limit that only known addresses reached would tell them apart by when it bites
    service = _service()
    outcomes = [service.request("nobody@example.com", f"198.51.100.{n}", "/console") for n in range(6)]
    assert outcomes == [Outcome.NOBODY] * 5 + [Outcome.LIMITED_ADDRESS]


def test_a_failed_send_is_answered_like_the_rest() -> None:
    service = _service(messenger=FakeMessenger(down=True))
    assert service.request("priya@switchboard.example", "198.51.100.7", "/console") is Outcome.FAILED


def test_a_store_that_cannot_count_fails_for_every_address_alike() -> None:
    service = _service(FakeLimits(down=True))
    for address in ("priya@switchboard.example", "nobody@example.com"):
        with pytest.raises(DependencyError):
            service.request(address, "198.51.100.7", "/console")


def test_an_operator_link_is_a_fifteen_minute_sign_in_token_for_that_person() -> None:
    messenger = FakeMessenger()
    sent = _service(messenger=messenger).send_link("leo", "/console/tickets/T-1")
    assert (sent.person, sent.topic, sent.message_id) == ("leo", "support", "m-1")
    token = parse_qs(urlsplit(sent.url).query)["t"][0]
    seen = session.read(token, NOW + timedelta(minutes=14), "s", purpose=session.SIGN_IN)
    assert seen is not None and seen.person == "leo"
    assert session.read(token, NOW + timedelta(minutes=15), "s", purpose=session.SIGN_IN) is None
    with pytest.raises(NotFoundError):
        _service().send_link("mallory", "/console")


def test_make_runs_pager_inbox_shows_the_link_whole() -> None:
    from local.inbox import parse_page

    # GIVEN a sign-in message as an SQS subscription receives it (the "default" text)
    args = message_args(
        "priya", "Priya Nair", "arn:support", "http://127.0.0.1:8000/console/auth?t=x&next=%2Fconsole", 15
    )
    note = {
        "TopicArn": "arn:support",
        "Subject": args["Subject"],
        "Message": json.loads(args["Message"])["default"],
        "MessageAttributes": {k: {"Value": v["StringValue"]} for k, v in args["MessageAttributes"].items()},
    }
    # WHEN the inbox renders it, THEN the line names who it is for and carries the link
    shown = parse_page(json.dumps(note), {"support": "arn:support"}).render()
    assert shown == "🔑 SIGN-IN → support (priya)  http://127.0.0.1:8000/console/auth?t=x&next=%2Fconsole"
