"""Sending sample requests, changed and signed at the tests' clock, through the Chalice app in-process."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalice.test import Client

import app as app_module
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed
from tests.functional.conftest import NIGHT, PUBLIC_URL


def sample(name: str) -> SampleRequest:
    provider, stem = name.split("/")
    return load(EVENTS_DIR / provider / f"{stem}.json")


def with_json(request: SampleRequest, change: Callable[[Any], Any]) -> SampleRequest:
    """The sample with its JSON body changed; ``ensure_ascii`` writes a lone surrogate as the escape ``\\ud800``."""
    body = change(json.loads(request.body))
    return replace(request, body=json.dumps(body, ensure_ascii=True).encode("ascii"))


def send(request: SampleRequest, *, sign: bool = True) -> Any:
    """Sign at NIGHT (the app's clock in these tests) and send; the Chalice test client's response."""
    ready = signed(request, local_secrets(), NIGHT, PUBLIC_URL) if sign else request
    with Client(app_module.app) as client:
        if ready.method == "GET":
            return client.http.get(ready.path, headers=ready.headers)
        return client.http.post(ready.path, headers=ready.headers, body=ready.body)


def call(request: SampleRequest) -> Any:
    """A request as it stands (already signed, or deliberately not), through the app in-process."""
    with Client(app_module.app) as client:
        if request.method == "GET":
            return client.http.get(request.path, headers=request.headers)
        return client.http.post(request.path, headers=request.headers, body=request.body)


def queued_ids(aws: Any) -> list[str]:
    return sorted(json.loads(m["Body"])["event_id"] for m in aws.queue_messages())
