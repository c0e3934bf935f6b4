"""Signed, expiring acknowledgement links: one per page and person, so a forwarded link acks as its owner only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from chalicelib.errors import ConfigError, SwitchboardError

#: long enough to outlast a night's escalation, short enough that an old email is not a standing key
DEFAULT_TTL = timedelta(hours=24)

# Versioned and tagged so a signature made with this secret for anything else never verifies here.
_PURPOSE = "switchboard/ack-link/v1"
# Canonical decimal seconds only: int() would also accept " 12", "+12" and "1_2", several spellings of one
# link. Eleven digits reach the year 5138; more would overflow datetime.
_EXPIRES = re.compile(r"[0-9]{1,11}")
_RETRY = "use the link in the newest page message, or reply ACK with the page's code by SMS"


class LinkError(SwitchboardError):
    """The ack link is incomplete, damaged, forged or expired; the reason tells the person what to do instead."""

    http_status = 403
    code = "invalid_link"


def expiry(now: datetime, ttl: timedelta = DEFAULT_TTL) -> int:
    """The ``expires`` value for a link made at ``now``: Unix seconds."""
    return int((now + ttl).timestamp())


def sign(page_id: str, person: str, expires: int, secret: str) -> str:
    """HMAC-SHA256 over the page, the person and the expiry; urlsafe base64 without padding."""
    if not secret:
        # an empty key would make every link forgeable; refuse rather than sign
        raise ConfigError("the ack link secret is empty")
    # A JSON array keeps the fields apart: ("P-1", "2x") and ("P-12", "x") cannot sign the same bytes.
    message = json.dumps([_PURPOSE, page_id, person, expires], separators=(",", ":"), ensure_ascii=True)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def ack_url(base_url: str, page_id: str, person: str, expires: int, secret: str) -> str:
    """``{base_url}/ack/{page_id}?p=…&e=…&s=…`` with every part URL-encoded."""
    query = urlencode({"p": person, "e": str(expires), "s": sign(page_id, person, expires, secret)}, quote_via=quote)
    return f"{base_url.rstrip('/')}/ack/{quote(page_id, safe='')}?{query}"


def verify(
    page_id: str, person: str | None, expires: str | None, signature: str | None, secret: str, now: datetime
) -> str:
    """Return the person the link was made for; raise LinkError for anything else.

    The signature is checked before the expiry, so a tampered link never learns whether its
    expiry would have passed; a genuine but old link gets the friendlier "expired" answer.
    """
    missing = [name for name, value in (("person", person), ("expiry", expires), ("signature", signature)) if not value]
    if missing or person is None or expires is None or signature is None:
        raise LinkError(f"this link is incomplete (no {', '.join(missing)}); it was probably cut off: {_RETRY}")
    if not _EXPIRES.fullmatch(expires):
        raise LinkError(f"this link is damaged (its expiry is not a time); {_RETRY}")
    expected = sign(page_id, person, int(expires), secret)
    # bytes, because compare_digest refuses non-ASCII str and the signature came from the URL
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise LinkError(f"this link is not valid for this page and person; {_RETRY}")
    deadline = datetime.fromtimestamp(int(expires), UTC)
    if now >= deadline:
        raise LinkError(f"this link expired at {deadline:%H:%M} UTC on {deadline.day} {deadline:%b}; {_RETRY}")
    return person
