"""Signs sample Twilio webhooks as Twilio does: X-Twilio-Signature, HMAC-SHA1 over the public URL and the form."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl

from local.samples import SampleRequest

#: the local stage's auth token (public by design: it signs the samples); TWILIO_AUTH_TOKEN
LOCAL_SECRET = "twilio-local-auth-token"


def sign(sample: SampleRequest, secret: str, at: datetime, base_url: str = "") -> SampleRequest:
    """Set X-Twilio-Signature over ``base_url + sample.path`` (query included) and the form fields.

    Written apart from chalicelib.channels.twilio on purpose, so a test that signs here and verifies
    there checks two implementations against each other (and both against the twilio SDK).
    ``base_url`` is the API's public root as the receiver rebuilds it (``http://127.0.0.1:8000``
    locally): Twilio signs the URL it called. ``at`` is unused: Twilio signs no timestamp.
    """
    del at
    if not base_url:
        raise ValueError(f"{sample.name}: Twilio signs the URL it calls; pass the API's base URL")
    if not sample.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ValueError(f"{sample.name}: only form-encoded Twilio samples can be signed")
    # Twilio's documented recipe, step by step: names in order, each name's distinct values in order
    values: dict[str, set[str]] = {}
    for name, value in parse_qsl(sample.body.decode("utf-8"), keep_blank_values=True):
        values.setdefault(name, set()).add(value)
    signed_text = base_url.rstrip("/") + sample.path
    for name in sorted(values):
        signed_text += "".join(name + value for value in sorted(values[name]))
    digest = hmac.new(secret.encode("utf-8"), signed_text.encode("utf-8"), hashlib.sha1).digest()
    return replace(sample, headers={**sample.headers, "x-twilio-signature": base64.b64encode(digest).decode("ascii")})
