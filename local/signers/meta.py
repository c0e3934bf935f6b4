"""Signs sample Meta webhook requests as Meta does: hex HMAC-SHA256 of the body with the app secret."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from local.samples import SampleRequest

#: the local stage's app secret (public by design: it signs the samples); META_APP_SECRET
LOCAL_SECRET = "meta-local-app-secret"
#: the local stage's Verify Token, which Meta echoes in the subscription GET; META_VERIFY_TOKEN
LOCAL_VERIFY_TOKEN = "meta-local-verify-token"


def sign(sample: SampleRequest, secret: str, at: datetime, base_url: str = "") -> SampleRequest:
    """Add X-Hub-Signature-256 (and the legacy SHA-1 X-Hub-Signature Meta still sends) to a POST.

    For the subscription GET, ``secret`` is the Verify Token and goes into ``hub.verify_token``.
    ``at`` and ``base_url`` are unused: Meta signs neither a timestamp nor the URL.
    """
    del at, base_url
    if sample.method.upper() == "GET":
        parts = urlsplit(sample.path)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "hub.verify_token"]
        query.append(("hub.verify_token", secret))
        return replace(sample, path=urlunsplit(parts._replace(query=urlencode(query))))
    key = secret.encode("utf-8")
    headers = {
        **sample.headers,
        "x-hub-signature": "sha1=" + hmac.new(key, sample.body, hashlib.sha1).hexdigest(),
        "x-hub-signature-256": "sha256=" + hmac.new(key, sample.body, hashlib.sha256).hexdigest(),
    }
    return replace(sample, headers=headers)
