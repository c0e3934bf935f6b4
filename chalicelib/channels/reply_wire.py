"""What every reply sender adapter shares: the unsendable error, header and JSON reading, wait times, status classes."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from chalicelib.errors import SwitchboardError
from chalicelib.replies.model import HttpRequest, SendResult

#: what our requests say they are; providers log it, which helps their support find our calls
USER_AGENT = "switchboard-replies/1"
#: a wait beyond this is no longer a rate limit we honour to the second: the outbox's own backoff takes over
MAX_RETRY_AFTER = 24 * 3600.0


class UnsendableReplyError(SwitchboardError):
    """This reply cannot be put on its channel at all: no number to text, no thread, outside Meta's window.

    The sender turns it into a permanent SendResult with ``reason``: retrying cannot help.
    """

    code = "unsendable_reply"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name (transports and test servers differ)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None: a proxy's HTML error page must classify, not crash."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def json_request(url: str, payload: Mapping[str, Any], headers: Mapping[str, str]) -> HttpRequest:
    """A POST of ``payload`` as compact UTF-8 JSON."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpRequest(
        method="POST",
        url=url,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers},
        body=body,
    )


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def retry_after(headers: Mapping[str, str], now: datetime | None) -> float | None:
    """Seconds the provider asked us to wait: ``Retry-After`` as delta-seconds or an HTTP-date (RFC 9110).

    An HTTP-date needs ``now``; without it, or for a value we cannot read, None (our own backoff).
    """
    value = (header(headers, "retry-after") or "").strip()
    if not value:
        return None
    if value.isascii() and value.replace(".", "", 1).isdigit() and len(value) <= 12:
        return _bounded(float(value))
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; parsedate_to_datetime leaves "-0000" naive
        when = when.replace(tzinfo=now.tzinfo)
    return _bounded((when - now).total_seconds())


def epoch_wait(value: str | None, now: datetime | None) -> float | None:
    """Seconds until an epoch-seconds reset time (X's ``x-rate-limit-reset``), measured from ``now``."""
    text = (value or "").strip()
    if now is None or not (text.isascii() and text.isdigit() and len(text) <= 12):
        return None
    return _bounded(int(text) - now.timestamp())


def _bounded(seconds: float) -> float | None:
    if seconds > MAX_RETRY_AFTER:
        return None
    return max(0.0, seconds)


def transient_status(status: int) -> bool:
    """408, 429 and every 5xx: the same request may succeed later."""
    return status in (408, 429) or status >= 500


def by_status(status: int, headers: Mapping[str, str], now: datetime | None, reason: str) -> SendResult:
    """The default verdict on a non-success answer: transient for 408/429/5xx (with its wait), else permanent."""
    if transient_status(status):
        return SendResult.transient(f"{status}: {reason}", retry_after=retry_after(headers, now))
    if 300 <= status < 400:
        return SendResult.permanent(f"{status}: redirected ({reason}): check the configured base URL")
    return SendResult.permanent(f"{status}: {reason}")


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
