"""Fuzz requests for every route: the real samples in events/, mutated into shapes a provider can send.

Shared by the fuzz tests (tests/functional/test_fuzz_routes.py, where hypothesis draws the route, shape,
signing and Random) and ``python -m bench.fuzz`` (one seeded Random): the same draws make the same request.
The mutators themselves are in bench/fuzz_mutations.py.
Each request is signed as its provider signs (or left unsigned, or signed with a wrong secret), so the
odd shapes reach the adapters' mapping rather than stopping at the signature check.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from bench.fuzz_mutations import (
    LONG_LENGTHS,
    ODD_TEXT,
    garbage,
    mutate_form,
    mutate_json,
    mutate_multipart,
    mutate_pairs,
)
from local.samples import SampleRequest, all_samples, local_secrets, signed

#: every route the API serves, as "METHOD path" (the ack routes take any page id)
ROUTES = (
    "POST /webhooks/widget",
    "POST /webhooks/sendgrid",
    "POST /webhooks/slack",
    "GET /webhooks/x",
    "POST /webhooks/x",
    "GET /webhooks/meta",
    "POST /webhooks/meta",
    "POST /webhooks/twilio/sms",
    "POST /webhooks/twilio/voice",
    "POST /webhooks/twilio/dial",
    "POST /webhooks/twilio/recording",
    "POST /webhooks/twilio/transcription",
    "GET /ack/{page_id}",
    "POST /ack/{page_id}",
    "POST /ack/{page_id}/reply",
    "POST /ack/{page_id}/call",
    "GET /health",
)
SHAPES = (
    "sample",
    "nested",
    "huge_string",
    "surrogate",
    "odd_unicode",
    "extreme_number",
    "missing_field",
    "extra_field",
    "wrong_type",
    "long_id",
    "timestamp",
    "garbage",
)
#: how a request is authenticated: as the provider would, not at all, or with another secret
SIGNINGS = ("signed", "signed", "signed", "unsigned", "wrong_secret")


@dataclass(frozen=True)
class FuzzRequest:
    """One request to send: which route, what shape it was given, how it was signed."""

    route: str
    shape: str
    signing: str
    request: SampleRequest


def route_of(sample: SampleRequest) -> str:
    path = sample.path.split("?", 1)[0]
    if path.startswith("/ack/"):
        path = "/ack/{page_id}"
    return f"{sample.method} {path}"


def http_samples() -> dict[str, list[SampleRequest]]:
    """The samples in events/ by route (SES arrives through SNS, not HTTP)."""
    by_route: dict[str, list[SampleRequest]] = {}
    for sample in all_samples():
        if sample.is_http:
            by_route.setdefault(route_of(sample), []).append(sample)
    return by_route


class Generator:
    """Seeded requests for any route; ``page_ids`` are pages that exist and ``people`` are on their ladders,
    for correctly signed ack links that acknowledge."""

    def __init__(
        self, at: datetime, base_url: str, page_ids: tuple[str, ...] = (), people: tuple[str, ...] = ()
    ) -> None:
        self.at = at
        self.base_url = base_url
        self.page_ids = page_ids
        self.people = people
        self.secrets = local_secrets()
        self.samples = http_samples()

    def request(
        self, rng: random.Random, route: str | None = None, shape: str | None = None, signing: str | None = None
    ) -> FuzzRequest:
        """A request for ``route`` with ``shape`` and ``signing`` (each drawn from ``rng`` when not given)."""
        route = route or rng.choice(ROUTES)
        shape = shape or rng.choice(SHAPES)
        signing = signing or rng.choice(SIGNINGS)
        if route.startswith(("GET /ack/", "POST /ack/")):
            method, path = route.split()
            action = path.removeprefix("/ack/{page_id}")
            return FuzzRequest(route, shape, signing, self._ack(rng, method, shape, signing, action))
        if route == "GET /health":
            return FuzzRequest(route, shape, "unsigned", SampleRequest("health", "", "GET", "/health", {}, b""))
        base = rng.choice(self.samples[route])
        if base.method == "GET":
            changed = self._query(rng, base, shape)
        elif base.headers.get("content-type", "").startswith("multipart/form-data"):
            changed = mutate_multipart(rng, base, shape)
        elif base.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            changed = mutate_form(rng, base, shape)
        else:
            changed = mutate_json(rng, base, shape)
        return FuzzRequest(route, shape, signing, self.sign(changed, signing))

    def sign(self, request: SampleRequest, signing: str) -> SampleRequest:
        """Signed as its provider signs, not at all, or with a wrong secret (``signing``)."""
        if signing == "unsigned":
            return request
        secrets = self.secrets if signing == "signed" else dict.fromkeys(self.secrets, "wrong-secret-" + "x" * 20)
        try:
            return signed(request, secrets, self.at, self.base_url)
        except (UnicodeError, ValueError):
            return request  # a body the signer cannot read (invalid UTF-8 in a form): sent unsigned

    def _query(self, rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
        path, _, query = base.path.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        return replace(
            base,
            path=f"{path}?{urlencode(mutate_pairs(rng, pairs, shape), quote_via=quote, errors='surrogateescape')}",
        )

    def _ack(self, rng: random.Random, method: str, shape: str, signing: str, action: str = "") -> SampleRequest:
        from chalicelib.paging.links import expiry, sign

        # the real page (when there is one) half the time, and a real person on it: some links acknowledge
        real = shape == "sample" or rng.random() < 0.5
        page_id = rng.choice(self.page_ids) if self.page_ids and real else "P-0000000000"
        if shape in ("long_id", "huge_string"):
            page_id = "P-" + "A" * rng.choice(LONG_LENGTHS)
        elif shape in ("odd_unicode", "surrogate"):
            page_id = rng.choice(ODD_TEXT) or "P-"
        real = shape == "sample" or rng.random() < 0.7
        person = rng.choice(self.people) if self.people and real else rng.choice(("nobody", "m\u00e4ya"))
        expires = expiry(self.at)
        secret = self.secrets["ack"] if signing == "signed" else "wrong-secret-" + "x" * 20
        fields: list[tuple[str, str]] = [("p", person), ("e", str(expires))]
        if signing != "unsigned":
            fields.append(("s", sign(page_id, person, expires, secret)))
        if action == "/reply":  # the reply box's own fields: the form's one-time token and the text
            fields += [("token", f"t{rng.getrandbits(64):x}"), ("text", rng.choice(ODD_TEXT) or "On it.")]
        if shape not in ("sample", "long_id", "odd_unicode", "surrogate"):
            fields = mutate_pairs(rng, fields, shape)
        encoded = urlencode(fields, quote_via=quote, errors="surrogateescape")
        path = f"/ack/{quote(page_id, safe='')}{action}"
        if method == "GET":
            return SampleRequest("ack", "", "GET", f"{path}?{encoded}", {}, b"")
        body = encoded.encode("ascii")
        if shape == "garbage":
            body = garbage(rng, body)
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return SampleRequest("ack", "", "POST", path, headers, body)


# --- what came of a request ----------------------------------------------------------------------------

OUTCOMES = ("accepted", "skipped", "4xx", "5xx")
# what SQS refuses in a message body or string attribute, and moto lets through: the fuzz checks it itself
_SQS_REFUSES = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def sqs_refuses(message: dict[str, Any]) -> bool:
    """Whether real SQS would have refused this message (moto's receive_message result, attributes included)."""
    attributes = message.get("MessageAttributes", {}).values()
    texts = [message["Body"], *(a.get("StringValue", "") for a in attributes)]
    return any(_SQS_REFUSES.search(text) for text in texts)


def outcome(status: int, body: bytes | str | None) -> str:
    """accepted (2xx and mapped), skipped (2xx "skipped: <reason>": a body we could not map), 4xx or 5xx."""
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "4xx"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    if text.startswith("{"):
        try:
            answer = json.loads(text)
        except ValueError:
            return "accepted"
        if isinstance(answer, dict) and isinstance(answer.get("skipped"), str):
            return "skipped"
    return "accepted"


def send(client: Any, fuzz: FuzzRequest) -> tuple[int, bytes]:
    """Send through a chalice.test.Client; (status, body)."""
    request = fuzz.request
    if request.method == "GET":
        response = client.http.get(request.path, headers=request.headers)
    else:
        response = client.http.post(request.path, headers=request.headers, body=request.body)
    body = response.body if isinstance(response.body, bytes) else str(response.body or "").encode()
    return int(response.status_code), body


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Take every message off a queue, as the triage function's event source would."""
    taken: list[dict[str, Any]] = []
    receive = {"QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]}
    while messages := sqs.receive_message(**receive).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        taken.extend(messages)
    return taken
