"""Fuzz requests for every route: the real samples in events/, mutated into shapes a provider can send.

Shared by the fuzz tests (tests/functional/test_fuzz_routes.py, which draw seeds with hypothesis) and
``python -m bench.fuzz`` (which draws them from one seeded Random): a seed always makes the same request.
Each request is signed as its provider signs (or left unsigned, or signed with a wrong secret), so the
odd shapes reach the adapters' mapping rather than stopping at the signature check.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, quote, urlencode

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

ODD_TEXT = (
    "\u202egnp.exe",  # right-to-left override
    "zero\u200bwidth\u200djoin\ufeff",
    "nul\x00byte",
    "\x1b[31mred\x1b[0m",
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "🚨" * 50,
    "\uffff\ufffe\U0010ffff",
    "ǅ ß ﬁ İ",  # case mappings that change length
    "",
    " ",
    "\r\n\r\n",
    "%00%ZZ%",
    "<script>alert(1)</script>",
    "a" * 257,
)
EXTREME_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    1,
    10**12,
    10**17,
    10**30,
    -(10**19),
    2**63,
    10**400,
    1.5e308,
    -1.5e308,
    0.5,
    float("nan"),
    float("inf"),
    "9" * 400,
    "-0",
    "1e400",
)
WRONG_TYPES: tuple[Any, ...] = (None, True, False, [], {}, "", 0, "text", [1, "two"], {"k": "v"})
SURROGATES = ("\ud800", "\udfff", "\udc80", "x\ud83dy")
LONG_LENGTHS = (129, 257, 288, 302, 1_000, 5_000)
HUGE_LENGTHS = (257, 20_001, 40_001, 120_000, 300_000)
NESTING = (33, 100, 1_000, 5_000, 5_000)
ID_KEYS = ("id", "mid", "event_id", "message_id", "id_str", "conversation_id", "ts", "user", "channel")
NESTED_MARK = "<nested here>"
TIME_KEYS = ("time", "timestamp", "event_time", "created_timestamp", "created_at")


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
            return FuzzRequest(route, shape, signing, self._ack(rng, route.split()[0], shape, signing))
        if route == "GET /health":
            return FuzzRequest(route, shape, "unsigned", SampleRequest("health", "", "GET", "/health", {}, b""))
        base = rng.choice(self.samples[route])
        if base.method == "GET":
            changed = self._query(rng, base, shape)
        elif base.headers.get("content-type", "").startswith("multipart/form-data"):
            changed = _multipart(rng, base, shape)
        elif base.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            changed = _form(rng, base, shape)
        else:
            changed = _json(rng, base, shape)
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
            path=f"{path}?{urlencode(_mutate_pairs(rng, pairs, shape), quote_via=quote, errors='surrogateescape')}",
        )

    def _ack(self, rng: random.Random, method: str, shape: str, signing: str) -> SampleRequest:
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
        if shape not in ("sample", "long_id", "odd_unicode", "surrogate"):
            fields = _mutate_pairs(rng, fields, shape)
        encoded = urlencode(fields, quote_via=quote, errors="surrogateescape")
        path = f"/ack/{quote(page_id, safe='')}"
        if method == "GET":
            return SampleRequest("ack", "", "GET", f"{path}?{encoded}", {}, b"")
        body = encoded.encode("ascii")
        if shape == "garbage":
            body = _garbage(rng, body)
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return SampleRequest("ack", "", "POST", path, headers, body)


# --- JSON bodies ------------------------------------------------------------------------------------


def _json(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=_garbage(rng, base.body))
    if shape == "nested" and rng.random() < 0.3:
        depth = rng.choice(NESTING)
        return replace(base, body=b"[" * depth + b"]" * depth)
    tree = json.loads(base.body)
    headers = dict(base.headers)
    if shape == "long_id" and "webhook-id" in headers and rng.random() < 0.5:
        headers["webhook-id"] = "msg_" + "x" * rng.choice(LONG_LENGTHS)
    else:
        tree = _mutate_tree(rng, tree, shape)
    # ensure_ascii: a lone surrogate goes out as the JSON escape \ud800, as a provider's encoder writes it
    body = json.dumps(tree, ensure_ascii=rng.random() < 0.7 or _has_surrogate(tree)).encode("utf-8", "surrogatepass")
    if shape == "nested":
        depth = rng.choice(NESTING)
        opener, closer = (b"[", b"]") if rng.random() < 0.5 else (b'{"a":', b"}")
        body = body.replace(json.dumps(NESTED_MARK).encode(), opener * depth + b"1" + closer * depth, 1)
    return replace(base, headers=headers, body=body)


def _has_surrogate(tree: Any) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(tree, ensure_ascii=False))


Slot = tuple[Any, Any]  # (container, key or index)


def _slots(tree: Any, keep: Callable[[Any, Any], bool] = lambda key, value: True) -> list[Slot]:
    """Every (container, key) in the tree whose key and value ``keep`` accepts; iterative."""
    found: list[Slot] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if keep(key, value):
                found.append((node, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return found


def _mutate_tree(rng: random.Random, tree: Any, shape: str) -> Any:
    strings = _slots(tree, lambda key, value: isinstance(value, str))
    if shape == "nested":
        slots = _slots(tree) or [({"root": tree}, "root")]
        container, key = rng.choice(slots)
        container[key] = NESTED_MARK  # json.dumps recurses: _json writes the nesting into the text instead
    elif shape == "huge_string" and strings:
        container, key = rng.choice(strings)
        container[key] = rng.choice("xé🚨 ") * rng.choice(HUGE_LENGTHS)
    elif shape == "surrogate" and strings:
        for container, key in rng.sample(strings, k=min(len(strings), rng.randint(1, 4))):
            at = rng.randint(0, len(container[key]))
            container[key] = container[key][:at] + rng.choice(SURROGATES) + container[key][at:]
        if isinstance(container, dict) and rng.random() < 0.2:
            container[key + rng.choice(SURROGATES)] = "key with a surrogate"
    elif shape == "odd_unicode" and strings:
        for container, key in rng.sample(strings, k=min(len(strings), rng.randint(1, 3))):
            container[key] = rng.choice(ODD_TEXT) + container[key] + rng.choice(ODD_TEXT)
    elif shape in ("extreme_number", "timestamp"):
        wanted = TIME_KEYS if shape == "timestamp" else None
        slots = _slots(
            tree,
            lambda key, value: (
                (wanted is None and isinstance(value, int | float) and not isinstance(value, bool))
                or (wanted is not None and str(key) in wanted)
                or (isinstance(value, str) and value.isdigit())
            ),
        )
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 2))):
            container[key] = rng.choice(EXTREME_NUMBERS)
    elif shape == "missing_field":
        slots = _slots(tree, lambda key, value: isinstance(key, str))
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 3))):
            container.pop(key, None)
    elif shape == "extra_field":
        slots = [(c, k) for c, k in _slots(tree) if isinstance(c[k], dict)] or [({"root": tree}, "root")]
        container, key = rng.choice(slots)
        if isinstance(container[key], dict):
            container[key][rng.choice(("extra", "__proto__", "é", "subtype", "bot_id"))] = rng.choice(WRONG_TYPES)
    elif shape == "wrong_type":
        slots = _slots(tree)
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 2))):
            container[key] = rng.choice(WRONG_TYPES)
    elif shape == "long_id":
        slots = _slots(tree, lambda key, value: str(key) in ID_KEYS and isinstance(value, str))
        for container, key in slots or strings[:1]:
            container[key] = container[key][:2] + rng.choice("A1_") * rng.choice(LONG_LENGTHS)
    return tree


# --- form bodies (Twilio), query strings (X CRC, Meta subscribe, ack links) ----------------------------


def _mutate_pairs(rng: random.Random, pairs: list[tuple[str, str]], shape: str) -> list[tuple[str, str]]:
    pairs = list(pairs)
    if not pairs:
        pairs = [("q", "")]
    index = rng.randrange(len(pairs))
    name, value = pairs[index]
    if shape in ("huge_string", "long_id"):
        pairs[index] = (name, value + "x" * rng.choice(HUGE_LENGTHS if shape == "huge_string" else LONG_LENGTHS))
    elif shape in ("surrogate", "odd_unicode"):
        # a form cannot carry a lone surrogate: percent-encoded UTF-16 halves are invalid UTF-8 bytes instead
        odd = "\udcff" if shape == "surrogate" else rng.choice(ODD_TEXT)
        pairs[index] = (name, value + odd)
    elif shape in ("extreme_number", "timestamp"):
        pairs[index] = (name, str(rng.choice(EXTREME_NUMBERS)))
    elif shape == "missing_field":
        del pairs[index]
    elif shape == "extra_field":
        pairs.append((rng.choice(("Extra", name, "MediaUrl7", "NumMedia", "é")), rng.choice(ODD_TEXT)))
    elif shape == "wrong_type":
        pairs[index] = (name, rng.choice(("true", "[]", "{}", "null", "-1", "abc", "")))
    elif shape == "nested":
        pairs[index] = (name, "[" * rng.choice(NESTING))
    return pairs


def _form(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=_garbage(rng, base.body))
    pairs = parse_qsl(base.body.decode("utf-8"), keep_blank_values=True)
    changed = _mutate_pairs(rng, pairs, shape)
    return replace(base, body=urlencode(changed, encoding="utf-8", errors="surrogateescape").encode("ascii"))


def _garbage(rng: random.Random, body: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return body[: rng.randrange(len(body) + 1)]  # truncated
    if choice == 1:
        return rng.randbytes(rng.choice((0, 1, 17, 1000)))
    if choice == 2:
        return b"\xff\xfe" + body  # invalid UTF-8
    if choice == 3:
        return body + b"\x00" * 10
    return body.replace(b'"', b"'", 3)


# --- SendGrid's multipart form -----------------------------------------------------------------------

BOUNDARY = b"xYzZY"
CHARSETS = ("punycode", "idna", "utf-16", "utf-32", "unicode_escape", "undefined", "base64", "rot13", "x" * 300, "")


def _parts(body: bytes) -> list[tuple[bytes, bytes]]:
    """(part headers, content) for each part of a sample body; the samples all use the boundary xYzZY."""
    parts = []
    for chunk in body.split(b"--" + BOUNDARY)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        parts.append((head, content.removesuffix(b"\r\n")))
    return parts


def _join(parts: list[tuple[bytes, bytes]]) -> bytes:
    out = b"".join(b"--" + BOUNDARY + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n" for head, content in parts)
    return out + b"--" + BOUNDARY + b"--\r\n"


def _field(name: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"'.encode()


def _multipart(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=_garbage(rng, base.body))
    parts = _parts(base.body)
    if not parts:
        return base
    index = rng.randrange(len(parts))
    head, content = parts[index]
    if shape in ("surrogate", "odd_unicode", "extreme_number", "timestamp"):
        charset = rng.choice(CHARSETS)
        names = [h.split(b'name="', 1)[1].split(b'"', 1)[0].decode() for h, _ in parts if b'name="' in h]
        charsets = dict.fromkeys(rng.sample(names, k=min(len(names), 3)), charset)
        parts = [(h, c) for h, c in parts if b'name="charsets"' not in h]
        parts.append((_field("charsets"), json.dumps(charsets).encode()))
        if shape == "odd_unicode":
            parts[index] = (head, content + rng.choice(ODD_TEXT).encode("utf-8"))
        elif shape == "surrogate":
            parts[index] = (head, content + rng.choice((b"\\ud800", b"\xed\xa0\x80", b"\xff")))
    elif shape == "huge_string":
        parts[index] = (head, content + b"x" * rng.choice((*HUGE_LENGTHS, 1_000_001)))
    elif shape == "long_id":
        message_id = b"<" + b"a" * rng.choice(LONG_LENGTHS) + b"@example.com>"
        parts[index] = (head, b"Message-Id: " + message_id + b"\r\n" + content)
    elif shape == "missing_field":
        del parts[index]
    elif shape == "extra_field":
        parts.append((_field(rng.choice(("extra", "attachment1", "headers", "email"))), b"\x00\xff value"))
    elif shape == "wrong_type":
        name = rng.choice(("attachments", "envelope", "attachment-info", "charsets", "spam_score"))
        parts = [(h, c) for h, c in parts if f'name="{name}"'.encode() not in h]
        parts.append((_field(name), rng.choice((b"abc", b"[]", b"-1", b"null", b"{}", b'{"a": 1}', b"1e400"))))
    elif shape == "nested":
        depth = rng.choice(NESTING)
        name = rng.choice(("envelope", "attachment-info", "charsets"))
        parts = [(h, c) for h, c in parts if f'name="{name}"'.encode() not in h]
        parts.append((_field(name), b"[" * depth + b"]" * depth))
    return replace(base, body=_join(parts))


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


@contextmanager
def pinned_widget_clock(at: datetime) -> Iterator[None]:
    """The standardwebhooks library checks its 5-minute window against its own clock: pin it to ``at``.

    So widget requests signed at a fixed time verify whatever the wall clock says (the widget adapter
    is to check the window against the injected clock instead: issue 10, item 11).
    """
    from standardwebhooks import webhooks as library

    real: Any = library.datetime  # type: ignore[attr-defined]

    class Pinned(real):  # type: ignore[misc]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return at if tz is None else at.astimezone(tz)

    with mock.patch.object(library, "datetime", Pinned):
        yield
