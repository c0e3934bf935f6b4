"""Signs sample Slack Events API requests as Slack does: v0 HMAC-SHA256 over the timestamp and raw body."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime

from local.samples import SampleRequest

#: the local stage's signing secret (public by design: it signs the samples); SLACK_SIGNING_SECRET
LOCAL_SECRET = "slack-local-signing-secret"


def sign(sample: SampleRequest, secret: str, at: datetime, base_url: str = "") -> SampleRequest:
    """Set X-Slack-Request-Timestamp from ``at`` and X-Slack-Signature over it and the body.

    Written apart from chalicelib.channels.slack on purpose, so a test that signs here and verifies
    there checks two implementations against each other. ``base_url`` is unused: Slack signs no URL.
    """
    del base_url
    timestamp = str(int(at.timestamp()))
    base = b"v0:" + timestamp.encode("ascii") + b":" + sample.body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    headers = {**sample.headers, "x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest}"}
    return replace(sample, headers=headers)
