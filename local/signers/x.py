"""Signs sample X Account Activity requests as X does: base64 HMAC-SHA256 of the body with the consumer secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import datetime

from local.samples import SampleRequest

#: the local stage's consumer secret (public by design: it signs the samples); X_CONSUMER_SECRET
LOCAL_SECRET = "x-local-consumer-secret"


def sign(sample: SampleRequest, secret: str, at: datetime, base_url: str = "") -> SampleRequest:
    """Add x-twitter-webhooks-signature to a POST; a CRC GET is sent as it is (X signs nothing there).

    ``at`` and ``base_url`` are unused: X signs neither a timestamp nor the URL.
    """
    del at, base_url
    if sample.method.upper() == "GET":
        return sample
    digest = hmac.new(secret.encode("utf-8"), sample.body, hashlib.sha256).digest()
    signature = "sha256=" + base64.b64encode(digest).decode("ascii")
    return replace(sample, headers={**sample.headers, "x-twitter-webhooks-signature": signature})
