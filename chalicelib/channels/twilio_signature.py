"""X-Twilio-Signature: HMAC-SHA1 over the public URL and the url-encoded form (or a JSON body's bodySHA256)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from chalicelib.channels.base import RawRequest
from chalicelib.errors import ConfigError, PayloadError, SignatureError

SIGNATURE_HEADER = "x-twilio-signature"
# Twilio's webhooks carry a few dozen fields; the cap bounds the work an unsigned body can cause.
_MAX_FIELDS = 500
_CACHED_BODY = 16_384


def form_fields(body: bytes) -> tuple[tuple[str, str], ...]:
    """The url-encoded body as (name, value) pairs in order; blank values kept, since Twilio signs them."""
    return _parse_form(body) if len(body) <= _CACHED_BODY else _parse_form.__wrapped__(body)


# verify() and handle() each read the same body; parsing is half their cost, so the last few
# parses are remembered (pure: same bytes, same pairs). Twilio's bodies are ~1 KB; big ones are not kept.
@functools.lru_cache(maxsize=4)
def _parse_form(body: bytes) -> tuple[tuple[str, str], ...]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS)
    except (UnicodeError, ValueError) as exc:
        raise PayloadError(f"body: not a UTF-8 url-encoded form ({exc})", field="body") from None
    return tuple(pairs)


def signature(url: str, params: Sequence[tuple[str, str]], secret: str) -> str:
    """base64(HMAC-SHA1(secret, url + name+value…)): names sorted, a repeated name's distinct values sorted."""
    return _sign(url, _param_string(params), secret)


def _param_string(params: Sequence[tuple[str, str]]) -> str:
    # sorting distinct (name, value) pairs orders names, then a repeated name's values; as the SDK does
    return "".join(name + value for name, value in sorted(set(params)))


def _sign(url: str, param_string: str, secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), (url + param_string).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def url_variants(url: str) -> tuple[str, str]:
    """The URL without and with its port (the scheme's default added): Twilio signs either form."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise SignatureError(f"cannot check the signature: {url!r} has an invalid port") from None
    host = parts.netloc.rpartition(":")[0] if port is not None else parts.netloc
    port = port or (443 if parts.scheme == "https" else 80)
    return urlunsplit(parts._replace(netloc=host)), urlunsplit(parts._replace(netloc=f"{host}:{port}"))


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """Check X-Twilio-Signature on the public URL and raw body; raise SignatureError with what to fix.

    ``now`` is unused: Twilio signs no timestamp, so a replay is caught by dedup on the Sid,
    whose marker never expires (services/triage.py, PERMANENT_MARKERS).
    """
    if not secret:
        raise ConfigError("the Twilio auth token is empty: no Twilio request can be verified")
    given = request.header(SIGNATURE_HEADER)
    if not given:
        raise SignatureError("missing X-Twilio-Signature header: Twilio signs every webhook (is a proxy dropping it?)")
    query = parse_qs(urlsplit(request.url).query) if "bodySHA256" in request.url else {}
    body_hash = query.get("bodySHA256", [None])[0]
    if body_hash is not None:
        # a JSON body: the URL carries the body's hash and only the URL is signed
        if not hmac.compare_digest(hashlib.sha256(request.body).hexdigest().encode(), body_hash.encode()):
            raise SignatureError("the body does not match the bodySHA256 query parameter: altered in transit?")
        params = ""
    elif (request.header("content-type") or "").startswith("application/json"):
        raise SignatureError("a JSON body needs bodySHA256 in the URL: Twilio signs JSON bodies only through it")
    else:
        try:
            params = _param_string(form_fields(request.body))
        except PayloadError as exc:
            raise SignatureError(f"cannot check the signature: {exc.reason}") from None
    offered = given.encode("utf-8", "replace")
    urls = [v for u in (request.url, *request.alternate_urls) for v in url_variants(u)]
    if not any(hmac.compare_digest(_sign(u, params, secret).encode(), offered) for u in urls):
        raise SignatureError(
            f"X-Twilio-Signature does not match for {request.url}: check the auth token, and that this URL "
            "(scheme, host, path, query) is exactly the one configured in Twilio"
        )
