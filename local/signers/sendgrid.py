"""Credentials for sample SendGrid Inbound Parse posts: the URL token (or basic auth) SendGrid is configured with."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from local.samples import SampleRequest

#: the local stage's URL token (public by design: it authorizes the samples); SENDGRID_INBOUND_TOKEN
LOCAL_SECRET = "sendgrid-local-token"


def sign(sample: SampleRequest, secret: str, at: datetime, base_url: str = "") -> SampleRequest:
    """Put ``secret`` where SendGrid would carry it: ``?token=`` in the path, or basic auth for "user:password".

    Inbound Parse signs nothing: the Parse URL configured in SendGrid carries the credential, so
    "signing" a sample is filling it in (the samples hold ``token=<placeholder>``). Written apart from
    chalicelib.channels.sendgrid on purpose. ``at`` and ``base_url`` are unused: nothing is signed.
    """
    del at, base_url
    parts = urlsplit(sample.path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    if ":" in secret:  # https://user:password@host/... : SendGrid sends it as an Authorization header
        credentials = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        path = urlunsplit(parts._replace(query=urlencode(query)))
        return replace(sample, path=path, headers={**sample.headers, "authorization": f"Basic {credentials}"})
    query.append(("token", secret))
    return replace(sample, path=urlunsplit(parts._replace(query=urlencode(query))))
