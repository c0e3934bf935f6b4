"""Signing in to the console by link: whose address it is, where the link lands, how often one may ask; pure.

A person asks with their email or phone as they would type it; it is matched against the rules'
people after normalising (case and spaces for an email, separators and a 00 prefix for a phone).
The ``next`` path is kept only when it is a path inside the console, so a sign-in link can never
send anyone to another site (an open redirect would make our links a phishing tool).
Sign-in requests are counted in fixed windows, per address and per source IP; the counters live in
the tickets table (adapters/sign_in_limits.py) under keys that hold a keyed hash, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

#: where a link lands when it names nowhere (or somewhere outside the console)
HOME = "/console"
#: a sign-in request is answered alike whatever the address: these words never say whether it exists
SENT_WORDS = "If that address belongs to someone on the team, a link is on its way."

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
# a console path: segments of URL-safe characters, an optional query; nothing that a browser reads
# as another host ("//evil", "/\\evil"), a scheme, a fragment or control characters
_NEXT = re.compile(r"^/console(?:/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*/?(?:\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$")


def normalise(address: str) -> str | None:
    """An email in lower case, or a phone in E.164; None when it is neither."""
    text = address.strip()
    if "@" in text:
        return text.lower() if _EMAIL.match(text) and len(text) <= 254 else None
    phone = _PHONE_SEPARATORS.sub("", text)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    elif not phone.startswith("+"):
        # no country code given: read the digits as written with one (a US number is 1 + ten digits)
        phone = "+" + phone
    return phone if _E164.match(phone) else None


def find_person(people: Mapping[str, Any], address: str) -> str | None:
    """The rules' key of the person whose email or phone this is; None for nobody (or an address that is neither)."""
    wanted = normalise(address)
    if wanted is None:
        return None
    for key in sorted(people):
        person = people[key]
        email = getattr(person, "email", None)
        if (email and normalise(email) == wanted) or normalise(getattr(person, "phone", "") or "") == wanted:
            return key
    return None


def safe_next(path: str | None) -> str:
    """``path`` when it is a relative path inside the console, else the console's home."""
    text = path or ""
    return text if len(text) <= 512 and _NEXT.match(text) and "//" not in text and ".." not in text else HOME


def auth_path(token: str, next_path: str) -> str:
    """The path of a sign-in link (relative to the stage), landing on ``next_path`` once signed in."""
    return f"/console/auth?{urlencode({'t': token, 'next': safe_next(next_path)}, quote_via=quote)}"


def auth_url(base_url: str, token: str, next_path: str) -> str:
    """The sign-in link, absolute when the stage's public URL is known."""
    return f"{base_url.rstrip('/')}{auth_path(token, next_path)}"


# ---- rate limits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``window``, counted in fixed windows (so up to twice across a boundary)."""

    count: int = 5
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Bucket:
    """One counter: the item's partition key, and when DynamoDB's TTL may delete it."""

    key: str
    expires_at: int


def bucket(kind: str, subject: str, now: datetime, limit: Limit, secret: str) -> Bucket:
    """The counter ``subject`` (an address or an IP) falls in at ``now``.

    The key names the window, so an old counter never counts again (TTL deletes lazily, up to days late),
    and carries an HMAC of the subject: the table never holds who asked, and nobody can count for
    someone else's address without the secret.
    """
    seconds = int(limit.window.total_seconds())
    start = int(now.timestamp()) // seconds * seconds
    digest = hmac.new(secret.encode(), f"{kind}|{subject}".encode(), hashlib.sha256).hexdigest()[:32]
    return Bucket(f"SIGNIN#{kind}#{digest}#{start}", start + seconds + 3600)


def allowed(count_before: int | None, limit: Limit) -> bool:
    """Whether one more request fits: the condition the counter's conditional write enforces."""
    return (count_before or 0) < limit.count


# ---- the message ----------------------------------------------------------------------------------


def message_args(person: str, name: str, topic_arn: str, url: str, minutes: int) -> dict[str, Any]:
    """Keyword arguments for ``sns.publish`` of a sign-in link to one person on their pager topic.

    Addressed like a page (the ``people`` attribute names only them), so each person's filtered
    subscription (paging/messages.py person_filter) lets it through to them alone.
    """
    text = f"Switchboard console sign-in for {name}: {url} (works for {minutes} min; ignore it if you did not ask)"
    email = (
        f"Hi {name},\n\nOpen this link to sign in to the Switchboard console:\n\n  {url}\n\n"
        f"It works for {minutes} minutes and signs you in for 12 hours. If you did not ask for it, ignore it: "
        "nothing happens until someone opens it, and it only signs in you.\n"
    )
    return {
        "TopicArn": topic_arn,
        "Subject": "Your Switchboard console sign-in link",
        "MessageStructure": "json",
        "Message": json.dumps({"default": email, "sms": text, "email": email}),
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "console-sign-in"},
            "people": {"DataType": "String.Array", "StringValue": json.dumps([person])},
        },
    }
