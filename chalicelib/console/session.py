"""Console sessions and sign-in tokens: signed, expiring, tied to one person from the rules; pure.

A session is a cookie value ``person.expires.signature``; a sign-in link carries a token of the same
shape with its own purpose, so neither can stand in for the other, nor for an ack link (each HMAC is
tagged with what it is for). The secret is the console's (SSM in AWS, CONSOLE_SESSION_SECRET locally).
A form's CSRF token is an HMAC of the session value: a page from another site cannot know it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.errors import ConfigError

COOKIE = "sb_session"
#: a session lasts a night's shift and a bit
SESSION_TTL = timedelta(hours=12)
#: a sign-in link is for now, not for a mailbox to keep
LINK_TTL = timedelta(minutes=15)

SESSION = "switchboard/console-session/v1"
SIGN_IN = "switchboard/console-sign-in/v1"
_CSRF = "switchboard/console-csrf/v1"
_SHAPE = re.compile(r"^(?P<person>[a-z][a-z0-9_-]{0,62})\.(?P<expires>[0-9]{1,11})\.(?P<sig>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, and until when."""

    person: str
    expires: datetime
    #: the session's cookie value (its CSRF token is derived from it)
    token: str


def _sign(purpose: str, person: str, expires: int, secret: str) -> str:
    if not secret:
        raise ConfigError("the console session secret is empty")
    message = json.dumps([purpose, person, expires], separators=(",", ":"), ensure_ascii=True)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue(person: str, now: datetime, secret: str, purpose: str = SESSION, ttl: timedelta = SESSION_TTL) -> str:
    """A token for ``person`` valid until ``now + ttl``: a session cookie's value, or a sign-in link's token."""
    expires = int((now + ttl).timestamp())
    return f"{person}.{expires}.{_sign(purpose, person, expires, secret)}"


def read(token: str | None, now: datetime, secret: str, purpose: str = SESSION) -> Viewer | None:
    """The viewer a token names, or None: missing, malformed, forged, made for another purpose, or expired."""
    found = _SHAPE.match(token or "")
    if found is None:
        return None
    person, expires = found["person"], int(found["expires"])
    if not hmac.compare_digest(found["sig"], _sign(purpose, person, expires, secret)):
        return None
    at = datetime.fromtimestamp(expires, tz=now.tzinfo)
    return Viewer(person, at, token or "") if now < at else None


def csrf_token(viewer: Viewer, secret: str) -> str:
    """The token every form of this session carries."""
    digest = hmac.new(secret.encode(), f"{_CSRF}|{viewer.token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def csrf_ok(viewer: Viewer, sent: str | None, secret: str) -> bool:
    return bool(sent) and hmac.compare_digest(sent or "", csrf_token(viewer, secret))
