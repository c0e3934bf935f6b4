"""Driving pages in functional tests: deliver real samples, run triage and the sweep, read the inbox and timeline."""

from __future__ import annotations

import json
import re
from typing import Any

from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from local.samples import all_samples, local_secrets, signed
from local.scheduler import scheduled_event
from local.worker import FakeLambdaContext, QueueWorker
from tests.functional.conftest import NIGHT, PUBLIC_URL

SAMPLES = {s.name: s for s in all_samples() if s.is_http}
LINK = re.compile(r"https://switchboard\.test(/ack/P-[0-9A-F]{10}\?\S+)")


def deliver(aws, *names: str) -> None:
    with Client(app_module.app) as client:
        for name in names:
            # signed when the app's clock says it is: the widget's and Slack's windows compare with it
            request = signed(SAMPLES[name], local_secrets(), bootstrap.container().clock(), PUBLIC_URL)
            assert client.http.post(request.path, headers=request.headers, body=request.body).status_code in (200, 202)
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    while worker.run_once(wait_seconds=0).received:
        pass


def sweep() -> Any:
    """The scheduled handler, called with EventBridge's event as the local scheduler builds it."""
    event = scheduled_event("arn:aws:events:us-east-1:123456789012:rule/escalate", NIGHT, "us-east-1", "123456789012")
    return app_module.escalate(event, FakeLambdaContext("escalate"))


def paged(aws) -> list[dict[str, Any]]:
    """(topic, people, text) of every page received since the last call."""
    return [
        {
            "topic": p["TopicArn"].rsplit("-", 1)[-1],
            "kind": p["MessageAttributes"].get("kind", {}).get("Value"),
            "people": json.loads(p["MessageAttributes"].get("people", {}).get("Value", "[]")),
            "text": p["Message"],
        }
        for p in aws.pages()
    ]


def timeline(ticket_id: str) -> list[str]:
    return [f"{e.kind.value}: {e.text}" for e in bootstrap.container().pages.timeline(ticket_id)]
